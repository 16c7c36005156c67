/**
 * Crash anywhere, recover everywhere (issue 19): the real `droid serve` process runs a
 * `/droid fix` (a signed webhook, the real Docker sandbox, the git server, the GitHub and
 * Anthropic stand-ins over HTTP) and is killed with SIGKILL at one moment of the job, then
 * started again on the same data dir and port. Whatever the moment, the job ends with one
 * pull request, the one plan comment, one closing report, no internal error, no sandbox and
 * no job folder left, and the fix on the PR's branch. The same for a review revision killed
 * after its push, while its one review of answers is being written or just submitted. Each restart's time to the job's end is logged.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { jobFolder } from "../../src/config/data-dir.ts";
import { PLAN_MARKER_PREFIX } from "../../src/github/plan-marker.ts";
import { BOT_LOGIN } from "../fixtures/github.ts";
import { containerStarted, droidSite, instanceContainers, once, reachedWithin, stopGracefully, useCrashHarness, warnings, type ArmedMoment, type CrashHarness, type DroidSite } from "../helpers/crash-harness.ts";
import { BRANCH, FIX_EDIT, FIXTURE, ISSUE, PLAN_COMMENT_ID, containersOf, planComment, waitForProcess } from "../helpers/fix-harness.ts";
import type { IssueCommentRow, RequestAction } from "../helpers/github-standin.ts";
import { pullRequestRow, reviewCommentRow, seededComment } from "../helpers/github-state.ts";
import type { ModelTurn } from "../helpers/model-server.ts";
import { issueComment, OWNER, reviewSubmitted } from "../helpers/payloads.ts";
import { operationOf } from "../helpers/review-graphql.ts";

const h = useCrashHarness();
const run = promisify(execFile);

const SETUP = "sleep 2";
const COMMAND = "sleep 3 && echo ok";
const CRASH_YML = `setup:\n  - ${SETUP}\ntest: node --test\n`;
const TRIGGER_COMMENT_ID = 5001;

/** Edit, a short command, tests, the plan marked done, and the two-step finish (the diff first). */
const FIX_TURNS: ModelTurn[] = [
  { tool: "str_replace_based_edit_tool", input: FIX_EDIT },
  { tool: "bash", input: { command: COMMAND } },
  { tool: "run_tests", input: {} },
  { tool: "update_plan", input: { reason: "Both tests pass", updates: [{ id: "S1", state: "done" }, { id: "S2", state: "done" }] } },
  { tool: "finish", input: { summary: "Return `stranger` from normalizeName for empty names." } },
  { tool: "finish", input: { summary: "`normalizeName` now returns `stranger` for empty names." } },
];

interface MomentContext {
  h: CrashHarness;
  site: DroidSite;
  repo: string;
  jobId: Promise<string>;
}

/** The fixture repository served as GitHub's, issue #1 with its plan and the `/droid fix` comment, the model's script. */
async function setTheScene(repo: string): Promise<void> {
  await h.git.createRepo(repo, FIXTURE, { defaultBranch: "master" });
  h.serveRepo(repo);
  h.github.reset({
    droidYml: CRASH_YML,
    issue: { number: 1, title: ISSUE.title, body: ISSUE.body, login: OWNER },
    comments: [
      seededComment({ id: PLAN_COMMENT_ID, issueNumber: 1, body: planComment(), login: BOT_LOGIN, at: "2026-11-20T10:05:00Z" }),
      seededComment({ id: TRIGGER_COMMENT_ID, issueNumber: 1, body: "/droid fix", login: OWNER, at: new Date().toISOString() }),
    ],
  });
  h.model.script(FIX_TURNS);
}

/** A moment found by polling (a process in the sandbox). */
function polled(find: () => Promise<void>): ArmedMoment {
  return { reached: find(), disarm: () => {} };
}

/** Where the job was when the process died: committed in its clone, pushed, PR opened, closing report posted. */
interface AtKill {
  committed: boolean;
  pushed: boolean;
  pullRequests: number;
  closingReports: number;
}

const BEFORE_COMMIT: AtKill = { committed: false, pushed: false, pullRequests: 0, closingReports: 0 };

const MOMENTS: [string, (c: MomentContext) => ArmedMoment, AtKill][] = [
  [
    "during clone",
    ({ h, repo }) =>
      once((fire) => h.git.onRequest((r) => (r.repo === repo && r.method === "POST" && r.service === "git-upload-pack" ? (fire(), "hold") : "answer"))),
    BEFORE_COMMIT,
  ],
  ["after the container started, before setup", ({ site }) => containerStarted(site.instance), BEFORE_COMMIT],
  ["during setup", ({ jobId }) => polled(async () => waitForProcess(await jobId, SETUP, 90_000)), BEFORE_COMMIT],
  ["while a model request is in flight", ({ h }) => once((fire) => h.model.onTurn(2, () => (fire(), "hold"))), BEFORE_COMMIT],
  ["while a command runs in the sandbox", ({ jobId }) => polled(async () => waitForProcess(await jobId, "sleep 3", 90_000)), BEFORE_COMMIT],
  [
    "after the commit, before the push",
    ({ h, repo }) =>
      once((fire) => h.git.onRequest((r) => (r.repo === repo && r.method === "GET" && r.service === "git-receive-pack" ? (fire(), "hold") : "answer"))),
    { ...BEFORE_COMMIT, committed: true },
  ],
  [
    "after the push, before the PR",
    ({ h }) => once((fire) => h.github.onRequest("pull.create", () => (fire(), "hold"))),
    { committed: true, pushed: true, pullRequests: 0, closingReports: 0 },
  ],
  [
    "after the PR, before the closing comment",
    ({ h }) => once((fire) => h.github.onRequest("comment.create", (r) => (isClosingReport(String(r.body?.body)) ? (fire(), "process-then-hold") : "answer"))),
    { committed: true, pushed: true, pullRequests: 1, closingReports: 1 },
  ],
];

/** The comment that ends a fix run (`resultComment`): what was done, and what next. */
function isClosingReport(body: string): boolean {
  return body.includes("**Done:**") && body.includes("**Next:**");
}

const gist = (c: IssueCommentRow) => c.body.replace(/\s+/g, " ").slice(0, 240);

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Starts `droid serve`, lets `deliver` record the job, kills the process at the moment, restarts it and waits for the job's end. */
async function killAtMomentAndRestart(
  site: DroidSite,
  what: string,
  arm: (jobId: Promise<string>) => ArmedMoment,
  deliver: () => Promise<string>,
  atKill: (jobId: string) => Promise<unknown>,
): Promise<{ jobId: string; killedAfterMs: number; restartMs: number; atKill: unknown }> {
  const jobId = Promise.withResolvers<string>();
  const moment = arm(jobId.promise);
  const first = await site.start();
  const delivered = Date.now();
  const id = await deliver();
  jobId.resolve(id);
  await reachedWithin(moment, what, site, id, first);
  await first.kill9();
  const killedAfterMs = Date.now() - delivered;
  moment.disarm();
  const state = await atKill(id);
  const restarted = Date.now();
  const second = await site.start();
  try {
    await site.ended(id);
  } catch (error) {
    throw new Error(`${String(error)}\nthe restarted droid's log:\n${warnings(second.output())}`, { cause: error });
  }
  const restartMs = Date.now() - restarted;
  // A graceful stop: whatever it still had to post (the outbox) is posted, and the warm
  // containers the pool started after the job took its sandbox are removed.
  expect(await stopGracefully(second)).toBe(0);
  expect(await instanceContainers(site.instance)).toEqual([]);
  return { jobId: id, killedAfterMs, restartMs, atKill: state };
}

describe("kill -9 of `droid serve` during a /droid fix, then a restart", () => {
  it.for(MOMENTS)("%s: one PR, one plan comment, one closing report, nothing left behind", { timeout: 240_000 }, async ([moment, arm, expectedAtKill], ctx) => {
    if (!h.available) return ctx.skip();
    const repo = `crash-${MOMENTS.findIndex(([m]) => m === moment)}`;
    await setTheScene(repo);
    const site = await droidSite(h, repo);
    try {
      const payload = issueComment("/droid fix");
      payload.comment.id = TRIGGER_COMMENT_ID;
      const { jobId, killedAfterMs, restartMs, atKill } = await killAtMomentAndRestart(
        site,
        moment,
        (id) => arm({ h, site, repo, jobId: id }),
        async () => (await site.deliver("issue_comment", payload, `crash-${repo}`)).id,
        async (id): Promise<AtKill> => ({
          committed: (await run("git", ["--git-dir", path.join(jobFolder(site.dataDir, id), "git"), "log", "-1", "--format=%s", BRANCH]).catch(() => ({ stdout: "" }))).stdout.trim() === ISSUE.title,
          pushed: (await h.git.git(repo, "branch", "--list", BRANCH)).trim() !== "",
          pullRequests: h.github.state.pulls.length,
          closingReports: h.github.createdComments(1).filter((c) => isClosingReport(c.body)).length,
        }),
      );
      // The process died where the moment says.
      expect(atKill).toEqual(expectedAtKill);
      const job = await site.queue.get(jobId);
      console.log(`[crash] ${moment}: killed ${seconds(killedAfterMs)} after the webhook; restart to the job's end ${seconds(restartMs)} (${job?.state}, attempts ${job?.attempts})`);

      const created = h.github.createdComments(1);
      const head = (await h.git.git(repo, "rev-parse", BRANCH).catch(() => "")).trim();
      const outcome = {
        state: job?.state,
        error: job?.error ?? null,
        pullRequests: h.github.state.pulls.map((p) => p.head.ref),
        planComments: h.github.state.comments.filter((c) => c.user.login === BOT_LOGIN && c.body.includes(PLAN_MARKER_PREFIX)).length,
        closingReports: created.filter((c) => isClosingReport(c.body)).length,
        otherComments: created.filter((c) => !isClosingReport(c.body)).map(gist),
        internalErrors: created.filter((c) => /internal error/i.test(c.body)).length,
        containers: (await containersOf(jobId)).length,
        jobFolder: await site.jobFolderExists(jobId),
        branches: (await h.git.git(repo, "branch", "--list", "droid/*", "--format=%(refname:short)")).trim().split("\n").filter(Boolean),
        fixPushed: (await h.git.git(repo, "show", `${BRANCH}:src/greet.js`).catch(() => "")).includes('return "stranger";'),
        checks: h.github.state.checkRuns.map((c) => ({ name: c.name, onTheHead: c.head_sha === head, status: c.status, conclusion: c.conclusion })),
        unexpectedGitHub: h.github.unexpected.map((r) => `${r.method} ${r.path}`),
        unexpectedModelTurns: h.model.unexpected.length,
      };
      expect(outcome).toEqual({
        state: "succeeded",
        error: null,
        pullRequests: [BRANCH],
        planComments: 1,
        closingReports: 1,
        otherComments: [],
        internalErrors: 0,
        containers: 0,
        jobFolder: false,
        branches: [BRANCH],
        fixPushed: true,
        checks: [{ name: "Droid", onTheHead: true, status: "completed", conclusion: "success" }],
        unexpectedGitHub: [],
        unexpectedModelTurns: 0,
      });
    } finally {
      await site.remove();
    }
  });
});

const PR = 2;
const REVIEW = 501;
const THREAD = 7001;
const FIXED_GREET = FIXTURE["src/greet.js"]?.replace('  if (name.trim() !== "") return name.trim();\n}', '  if (name.trim() !== "") return name.trim();\n  return "stranger";\n}') ?? "";
const DOC_LINE = "/** Greets someone by name. */";

/** Where a revision dies after its push: [moment, the GraphQL operation that marks it, what the stand-in does with it, replies and pending reviews at the kill]. */
const REVISION_MOMENTS: [string, string, RequestAction, { replies: number; pendingReviews: number }][] = [
  // A pending review is left (GitHub allows one per author): the restart deletes it and answers afresh.
  ["after the push, while the review's replies are added", "addPullRequestReviewThreadReply", "hold", { replies: 0, pendingReviews: 1 }],
  // GitHub submitted the review, Droid never heard: the restart finds it by its marker and posts nothing.
  ["after the push, once GitHub submitted the review but before Droid heard back", "submitPullRequestReview", "process-then-hold", { replies: 1, pendingReviews: 0 }],
];

describe("kill -9 of `droid serve` during a review revision, then a restart", () => {
  it.for(REVISION_MOMENTS)("%s: one submitted review with exactly one reply per thread, the revision pushed once", { timeout: 240_000 }, async ([moment, operation, action, repliesAtKill], ctx) => {
    if (!h.available) return ctx.skip();
    const repo = `crash-revise-${REVISION_MOMENTS.findIndex(([m]) => m === moment)}`;
    await h.git.createRepo(repo, FIXTURE, { defaultBranch: "master" });
    h.serveRepo(repo);
    const first = await h.git.commitFiles(repo, BRANCH, { "src/greet.js": FIXED_GREET }, { message: ISSUE.title, author: BOT_LOGIN, from: "master" });
    h.github.reset({
      droidYml: CRASH_YML,
      issue: { number: 1, title: ISSUE.title, body: ISSUE.body, login: OWNER },
      comments: [seededComment({ id: PLAN_COMMENT_ID, issueNumber: 1, body: planComment(), login: BOT_LOGIN, at: "2026-11-20T10:05:00Z" })],
      pulls: [pullRequestRow({ number: PR, title: ISSUE.title, body: "Closes #1\n\n### Summary\n\nEmpty names greet a stranger.", head: BRANCH, base: "master", draft: false, createdByDroid: false })],
      reviewComments: [
        reviewCommentRow({ id: THREAD, pullNumber: PR, reviewId: REVIEW, body: "Please document `greet` with a one-line JSDoc comment.", path: "src/greet.js", line: 6, diffHunk: "@@ -5,6 +6,6 @@\n function greet(name) {", login: OWNER, at: "2026-11-25T10:00:00Z" }),
      ],
    });
    h.model.script([
      { tool: "str_replace_based_edit_tool", input: { command: "str_replace", path: "src/greet.js", old_str: "function greet(name) {", new_str: `${DOC_LINE}\nfunction greet(name) {` } },
      { tool: "reply_to_comment", input: { comment_id: THREAD, body: "Documented.", changed: true } },
      { tool: "finish", input: { summary: "Documented greet." } },
      { tool: "finish", input: { summary: "Documented greet." } },
    ]);
    const site = await droidSite(h, repo);
    try {
      const payload = reviewSubmitted({ branch: BRANCH });
      payload.repository.default_branch = "master";
      payload.pull_request.number = PR;
      payload.review.id = REVIEW;
      payload.review.body = "";
      const { jobId, killedAfterMs, restartMs, atKill } = await killAtMomentAndRestart(
        site,
        moment,
        () => once((fire) => h.github.onRequest("graphql", (request) => (request.body !== null && operationOf({ query: String(request.body.query) }) === operation ? (fire(), action) : "answer"))),
        async () => (await site.deliver("pull_request_review", payload, repo)).id,
        async () => ({
          commitsPushed: Number((await h.git.git(repo, "rev-list", "--count", `${first}..${BRANCH}`)).trim()),
          replies: h.github.state.reviewComments.filter((c) => c.createdByDroid).length,
          pendingReviews: h.github.reviews.reviews.filter((r) => r.state === "PENDING").length,
        }),
      );
      expect(atKill).toEqual({ commitsPushed: 1, ...repliesAtKill });
      const job = await site.queue.get(jobId);
      console.log(`[crash] revision ${moment}: killed ${seconds(killedAfterMs)} after the webhook; restart to the job's end ${seconds(restartMs)} (${job?.state}, attempts ${job?.attempts})`);

      const replies = h.github.state.reviewComments.filter((c) => c.createdByDroid);
      const onPr = h.github.createdComments(PR);
      const pushed = await h.git.git(repo, "show", `${BRANCH}:src/greet.js`);
      const outcome = {
        state: job?.state,
        reviews: h.github.reviews.reviews.map((r) => `${r.state} ${r.replies.length}`),
        repliesPerThread: replies.filter((c) => c.in_reply_to_id === THREAD).length,
        otherReplies: replies.filter((c) => c.in_reply_to_id !== THREAD).length,
        prComments: onPr.map(gist),
        internalErrors: [...onPr, ...h.github.createdComments(1)].filter((c) => /internal error/i.test(c.body)).length,
        commitsOnTheBranch: Number((await h.git.git(repo, "rev-list", "--count", `${first}..${BRANCH}`)).trim()),
        docLines: pushed.split(DOC_LINE).length - 1,
        checks: h.github.state.checkRuns.map((c) => `${c.name} ${c.status} ${c.conclusion}`),
        containers: (await containersOf(jobId)).length,
        jobFolder: await site.jobFolderExists(jobId),
        unexpectedGitHub: h.github.unexpected.map((r) => `${r.method} ${r.path}`),
        unexpectedModelTurns: h.model.unexpected.length,
      };
      expect(outcome).toEqual({
        state: "succeeded",
        reviews: ["COMMENTED 1"],
        repliesPerThread: 1,
        otherReplies: 0,
        prComments: [],
        internalErrors: 0,
        commitsOnTheBranch: 1,
        docLines: 1,
        checks: ["Droid completed success"],
        containers: 0,
        jobFolder: false,
        unexpectedGitHub: [],
        unexpectedModelTurns: 0,
      });
    } finally {
      await site.remove();
    }
  });
});

describe("kill -9 of `droid serve` on a job's last attempt", () => {
  it("reports the job once, naming the step it kept dying in, and removes what it left", async (ctx) => {
    if (!h.available) return ctx.skip();
    const repo = "crash-last-attempt";
    await setTheScene(repo);
    const site = await droidSite(h, repo);
    // One attempt only: the first crash is the last.
    site.env.DROID_MAX_ATTEMPTS = "1";
    try {
      const payload = issueComment("/droid fix");
      payload.comment.id = TRIGGER_COMMENT_ID;
      const { jobId } = await killAtMomentAndRestart(
        site,
        "during setup",
        (id) => ({ reached: id.then((job) => waitForProcess(job, SETUP, 90_000)), disarm: () => {} }),
        async () => (await site.deliver("issue_comment", payload, `crash-${repo}`)).id,
        async () => null,
      );
      const job = await site.queue.get(jobId);
      const created = h.github.createdComments(1).map((c) => c.body);
      expect({
        state: job?.state,
        step: job?.links.step,
        comments: created.length,
        containers: (await containersOf(jobId)).length,
        jobFolder: await site.jobFolderExists(jobId),
        pullRequests: h.github.state.pulls.length,
        unexpectedGitHub: h.github.unexpected.map((r) => `${r.method} ${r.path}`),
      }).toEqual({ state: "interrupted", step: "setup", comments: 1, containers: 0, jobFolder: false, pullRequests: 0, unexpectedGitHub: [] });
      expect(created[0]).toContain("It was interrupted once (the last time while running the repository's setup), so I stopped retrying it.");
      expect(created[0]).toContain("Comment `/droid fix` to continue.");
    } finally {
      await site.remove();
    }
  }, 240_000);
});
