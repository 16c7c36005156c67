/**
 * End to end: CI fails on the head commit of a pull request Droid opened. Real check
 * webhooks (`@octokit/webhooks-examples`, adjusted) into the real server, the failed Actions
 * job's 100,000-line log served through the logs endpoint's redirect, the revision through the
 * worker on the real git server and a real Docker sandbox, a scripted model, and GitHub
 * nocked strictly.
 */
import nock from "nock";
import { describe, expect, it } from "vitest";
import type { Job } from "../../src/jobs/types.ts";
import { BOT_LOGIN } from "../fixtures/github.ts";
import { FIX_EDIT, FIXTURE, PLAN_COMMENT_ID, REPO_API, expectCheckRun, planComment, useFixHarness } from "../helpers/fix-harness.ts";
import { WEBHOOK_SECRET, expectInstallationToken } from "../helpers/github.ts";
import { checkSuiteFailed, example, OWNER, REPO } from "../helpers/payloads.ts";
import { scriptModel } from "../helpers/scripted-model.ts";
import { sendWebhook } from "../helpers/webhook.ts";

const harness = useFixHarness("e2e-ci");
const BRANCH = "droid/1-greeting-crashes-on-an-empty-name";
const PR = 2;
const JOB_ID = 987_654;
const LOG_HOST = "https://pipelines.actions.githubusercontent.com";
const REPO_HTML = `https://github.com/${OWNER}/${REPO}`;
const RAW_YML = { "content-type": "application/vnd.github.v3.raw; charset=utf-8" };
let repoCount = 0;

/** A repository whose Droid branch adds a README line on top of the buggy default branch; returns its head commit. */
async function prRepository(): Promise<{ name: string; head: string }> {
  const name = `hello-ci-${++repoCount}`;
  await harness.git.createRepo(name, FIXTURE, { defaultBranch: "master" });
  harness.git.serve(`${OWNER}/${REPO}`, name);
  const head = await harness.git.commitFiles(name, BRANCH, { "README.md": "# hello\n" }, { message: "Greeting crashes on an empty name", author: "droid-app[bot]", from: "master" });
  return { name, head };
}

/** A CI log of 100,000 lines with the failing test in the middle. */
function bigCiLog(): string {
  const lines: string[] = [];
  for (let i = 0; i < 100_000; i++) {
    if (i === 50_000) {
      lines.push(
        "2026-11-25T10:00:01.0000000Z ✖ greets a stranger (1.3ms)",
        "2026-11-25T10:00:01.0000000Z   TypeError: Cannot read properties of undefined (reading 'toUpperCase')",
        "2026-11-25T10:00:01.0000000Z       at greet (/home/runner/work/hello/src/greet.js:6:39)",
      );
      continue;
    }
    lines.push(`2026-11-25T10:00:00.0000000Z ✔ property case ${i} holds (0.0${i % 10}ms)`);
  }
  lines.push("2026-11-25T10:00:02.0000000Z ℹ tests 100000", "2026-11-25T10:00:02.0000000Z ℹ fail 1", "##[error]Process completed with exit code 1.");
  return lines.join("\n");
}

function checkRunRow(input: { id: number; name: string; sha: string; conclusion: string | null; app?: string }) {
  const row = example("check_run", "completed").check_run;
  row.id = input.id;
  row.name = input.name;
  row.head_sha = input.sha;
  row.status = input.conclusion === null ? "in_progress" : "completed";
  row.conclusion = input.conclusion;
  row.app.slug = input.app ?? "github-actions";
  row.html_url = `${REPO_HTML}/runs/${input.id}`;
  return row;
}

const checkSuitePayload = (sha: string) => checkSuiteFailed(sha, BRANCH);

function checkRunPayload(sha: string, name: string) {
  const payload = example("check_run", "completed");
  payload.repository.default_branch = "master";
  payload.check_run.head_sha = sha;
  payload.check_run.name = name;
  payload.check_run.check_suite.head_branch = BRANCH;
  payload.installation = { id: 1 };
  return payload;
}

function pullRequest(head: string) {
  return {
    number: PR,
    state: "open",
    merged: false,
    title: "Greeting crashes on an empty name",
    body: "Closes #1",
    user: { login: BOT_LOGIN, type: "Bot" },
    head: { ref: BRANCH, sha: head, repo: { full_name: `${OWNER}/${REPO}` } },
    base: { ref: "master", repo: { full_name: `${OWNER}/${REPO}`, html_url: REPO_HTML } },
  };
}

/** The CI of `ref`: its check runs and its (empty) commit statuses. */
function expectChecks(scope: nock.Scope, ref: string, runs: object[]): void {
  scope
    .get(`${REPO_API}/commits/${ref}/check-runs`)
    .query({ filter: "latest", per_page: 100 })
    .reply(200, { total_count: runs.length, check_runs: runs })
    .get(`${REPO_API}/commits/${ref}/status`)
    .query({ per_page: 100 })
    .reply(200, { state: "success", statuses: [] });
}

/** One CI webhook's side: the token, the PR of the commit, the config, the commit's checks. */
function expectSignal(head: string, runs: object[], yml: string, options: { token?: boolean } = {}): nock.Scope {
  const hook = options.token === false ? nock("https://api.github.com") : expectInstallationToken();
  hook.get(`${REPO_API}/commits/${head}/pulls`).reply(200, [pullRequest(head)]);
  hook.get(`${REPO_API}/contents/.github%2Fdroid.yml`).reply(200, yml, RAW_YML);
  expectChecks(hook, head, runs);
  return hook;
}

async function settled(): Promise<Job[]> {
  for (let i = 0; i < 2400; i++) {
    const jobs = await harness.queue.listForTarget({ owner: OWNER, name: REPO }, { kind: "pull_request", number: PR });
    if (jobs.length > 0 && jobs.every((j) => j.state !== "queued" && j.state !== "running")) {
      await harness.server.outbox.drain();
      return jobs;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("the CI revision did not end");
}

const YML = "setup: []\ntest: node --test\n";

describe("CI revisions", () => {
  it("a failing Actions job: one job for duplicate and out-of-order events, the log's digest to the model, one commit, one comment naming the check", async (ctx) => {
    if (!harness.available) return ctx.skip();
    const { name, head } = await prRepository();
    const failing = [checkRunRow({ id: JOB_ID, name: "test (node 24)", sha: head, conclusion: "failure" }), checkRunRow({ id: 11, name: "lint", sha: head, conclusion: "success" })];

    // Out of order: a check run finished while another still ran (nothing yet), then the suite, twice.
    const early = expectSignal(head, [failing[0]!, checkRunRow({ id: 11, name: "lint", sha: head, conclusion: null })], YML);
    await sendWebhook(harness.server.url, "check_run", checkRunPayload(head, "test (node 24)"), { secret: WEBHOOK_SECRET });
    expect(early.pendingMocks()).toEqual([]);
    expect(await harness.queue.listForTarget({ owner: OWNER, name: REPO }, { kind: "pull_request", number: PR })).toHaveLength(0);
    // The server's installation token is cached since the first event.
    const hook = expectSignal(head, failing, YML, { token: false });
    await sendWebhook(harness.server.url, "check_suite", checkSuitePayload(head), { secret: WEBHOOK_SECRET });
    // The duplicate finds the commit's job recorded and asks GitHub nothing; so does Droid's own check.
    await sendWebhook(harness.server.url, "check_suite", checkSuitePayload(head), { secret: WEBHOOK_SECRET });
    await sendWebhook(harness.server.url, "check_run", checkRunPayload(head, "Droid"), { secret: WEBHOOK_SECRET });
    expect(hook.pendingMocks()).toEqual([]);

    const work = expectInstallationToken();
    work.get(`${REPO_API}/contents/.github%2Fdroid.yml`).reply(200, YML, RAW_YML);
    work.get(`${REPO_API}/pulls/${PR}`).reply(200, pullRequest(head));
    expectChecks(work, head, failing);
    expectChecks(work, "master", [checkRunRow({ id: 5, name: "test (node 24)", sha: "f".repeat(40), conclusion: "success" })]);
    work.get(`${REPO_API}/check-runs/${JOB_ID}/annotations`).query({ per_page: 50 }).reply(200, [
      { path: "src/greet.js", start_line: 6, end_line: 6, annotation_level: "failure", message: "TypeError: Cannot read properties of undefined", title: "greets a stranger" },
    ]);
    work.get(`${REPO_API}/actions/jobs/${JOB_ID}`).reply(200, {
      id: JOB_ID,
      run_id: 77,
      name: "test (node 24)",
      conclusion: "failure",
      html_url: `${REPO_HTML}/actions/runs/77/job/${JOB_ID}`,
      steps: [
        { name: "Set up job", status: "completed", conclusion: "success", number: 1 },
        { name: "Run npm test", status: "completed", conclusion: "failure", number: 2 },
      ],
    });
    work.get(`${REPO_API}/actions/jobs/${JOB_ID}/logs`).reply(302, "", { location: `${LOG_HOST}/logs/${JOB_ID}?sig=abc` });
    const logHost = nock(LOG_HOST).get(`/logs/${JOB_ID}`).query({ sig: "abc" }).reply(200, bigCiLog());
    work.get(`${REPO_API}/issues/1/comments`).query({ per_page: 100 }).reply(200, [{ id: PLAN_COMMENT_ID, body: planComment(), user: { login: BOT_LOGIN } }]);
    work.get(`${REPO_API}/pulls/${PR}`).reply(200, "diff --git a/README.md b/README.md\n+# hello\n", { "content-type": "text/plain" });
    work.get(/\/users\/droid-app/).reply(200, { login: BOT_LOGIN, id: 41898282, name: null });
    const checks = expectCheckRun(work);
    const planEdits: string[] = [];
    work.patch(`${REPO_API}/issues/comments/${PLAN_COMMENT_ID}`, (b: { body: string }) => (planEdits.push(b.body), true)).reply(200, {});
    const comments: string[] = [];
    work.post(`${REPO_API}/issues/${PR}/comments`, (b: { body: string }) => (comments.push(b.body), true)).reply(201, { id: 1 });
    const model = scriptModel([
      { tool: "str_replace_based_edit_tool", input: FIX_EDIT },
      { tool: "run_tests", input: {} },
      { tool: "finish", input: { summary: "`normalizeName` returned undefined for a blank name, so `greet` crashed; it now returns `stranger`." } },
      { tool: "finish", input: { summary: "`normalizeName` returned undefined for a blank name, so `greet` crashed; it now returns `stranger`." } },
    ]);

    await harness.startWorker();
    const jobs = await settled();
    expect(harness.crashes).toEqual([]);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ state: "succeeded", outcome: "succeeded", request: { kind: "ci-revision", headSha: head, attempt: 1, failing: ["test (node 24)"] } });
    for (const s of [work, logHost, model.scope]) expect(s.pendingMocks()).toEqual([]);

    // The model read the digest of the 100,000-line log: the failing test and its error, not the log.
    const task = JSON.stringify(model.requests[0]?.messages[0]);
    expect(task).toContain("✖ greets a stranger");
    expect(task).toContain("TypeError: Cannot read properties of undefined (reading 'toUpperCase')");
    expect(task).toContain("Run npm test");
    expect(task).toContain("src/greet.js:6");
    expect(task.length).toBeLessThan(120_000);

    // One commit pushed on the branch, one comment naming the check, the cause and the commit.
    const pushed = (await harness.git.git(name, "rev-parse", BRANCH)).trim();
    expect((await harness.git.git(name, "rev-parse", `${BRANCH}~1`)).trim()).toBe(head);
    expect(await harness.git.git(name, "show", `${BRANCH}:src/greet.js`)).toContain('return "stranger";');
    expect(comments).toHaveLength(1);
    expect(comments[0]).toContain("`test (node 24)`");
    expect(comments[0]).toContain("attempt 1 of 2");
    expect(comments[0]).toContain("returned undefined for a blank name");
    expect(comments[0]).toContain(pushed.slice(0, 7));
    expect(planEdits.at(-1)).toContain(`CI fix in #${PR}`);
    expect(checks.created[0]).toMatchObject({ head_sha: pushed });
  }, 240_000);

  it("after the last attempt: one comment saying what still fails, and no further job", async (ctx) => {
    if (!harness.available) return ctx.skip();
    const { head } = await prRepository();
    // The one attempt this repository allows already ran, on an earlier commit.
    const earlier = await harness.queue.enqueue({
      deliveryId: "ci-revision:earlier",
      repo: { owner: OWNER, name: REPO, installationId: 1, defaultBranch: "master" },
      target: { kind: "pull_request", number: PR },
      requester: BOT_LOGIN,
      triggerCommentId: null,
      request: { kind: "ci-revision", branch: BRANCH, headSha: "a".repeat(40), attempt: 1, failing: ["test (node 24)"] },
    });
    await harness.queue.finish(earlier.job.id, { state: "succeeded", kind: "succeeded" });
    const hook = expectSignal(head, [checkRunRow({ id: JOB_ID, name: "test (node 24)", sha: head, conclusion: "failure" })], "ci:\n  maxAttempts: 1\n");
    hook.get(`${REPO_API}/issues/${PR}/comments`).query({ per_page: 100 }).reply(200, []);
    const comments: string[] = [];
    hook.post(`${REPO_API}/issues/${PR}/comments`, (b: { body: string }) => (comments.push(b.body), true)).reply(201, { id: 2 });
    await sendWebhook(harness.server.url, "check_suite", checkSuitePayload(head), { secret: WEBHOOK_SECRET });
    await harness.server.outbox.drain();
    expect(hook.pendingMocks()).toEqual([]);
    expect(comments).toHaveLength(1);
    expect(comments[0]).toContain("CI still fails");
    expect(comments[0]).toContain("test (node 24)");
    expect(comments[0]).toContain("so I stop here");
    const jobs = await harness.queue.listForTarget({ owner: OWNER, name: REPO }, { kind: "pull_request", number: PR });
    expect(jobs.map((j) => j.id)).toEqual([earlier.job.id]);
  });

  it("a check that also fails on the default branch is reported as pre-existing, and nothing is changed", async (ctx) => {
    if (!harness.available) return ctx.skip();
    const { name, head } = await prRepository();
    const failing = [checkRunRow({ id: 31, name: "integration", sha: head, conclusion: "failure", app: "octocoders-linter" })];
    const hook = expectSignal(head, failing, YML);
    await sendWebhook(harness.server.url, "check_suite", checkSuitePayload(head), { secret: WEBHOOK_SECRET });
    expect(hook.pendingMocks()).toEqual([]);

    const work = expectInstallationToken();
    work.get(`${REPO_API}/contents/.github%2Fdroid.yml`).reply(200, YML, RAW_YML);
    work.get(`${REPO_API}/pulls/${PR}`).reply(200, pullRequest(head));
    expectChecks(work, head, failing);
    expectChecks(work, "master", [checkRunRow({ id: 32, name: "integration", sha: "f".repeat(40), conclusion: "failure", app: "octocoders-linter" })]);
    work.get(`${REPO_API}/check-runs/31/annotations`).query({ per_page: 50 }).reply(200, []);
    work.get(`${REPO_API}/check-runs/31`).reply(200, { id: 31, name: "integration", output: { title: "2 failed", summary: "The staging database is unreachable.", text: null } });
    const comments: string[] = [];
    work.post(`${REPO_API}/issues/${PR}/comments`, (b: { body: string }) => (comments.push(b.body), true)).reply(201, { id: 3 });

    await harness.startWorker();
    const jobs = await settled();
    expect(harness.crashes).toEqual([]);
    expect(jobs[0]).toMatchObject({ state: "succeeded", outcome: "no-change-needed" });
    expect(work.pendingMocks()).toEqual([]);
    expect(comments).toHaveLength(1);
    expect(comments[0]).toContain("Pre-existing, not fixed here: `integration` also fails on `master`");
    expect(comments[0]).not.toMatch(/fixed it|Pushed/);
    expect((await harness.git.git(name, "rev-parse", BRANCH)).trim()).toBe(head);
  }, 120_000);
});
