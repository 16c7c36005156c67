/**
 * `/droid stop` at each moment of a `/droid fix` (issue 19): the real `droid serve` process,
 * the real Docker sandbox, the git server and the GitHub and Anthropic stand-ins over HTTP.
 * Whatever the job is doing — cloning, starting its sandbox, running setup, waiting for the
 * model, running a command, pushing — the sandbox (and every process in it) is gone within
 * 2 s of the stop, and the job ends with one comment saying so and naming who stopped it. A push is never cut halfway:
 * a stop that arrives while the finished work is being pushed lets it complete.
 */
import { describe, expect, it } from "vitest";
import { BOT_LOGIN } from "../fixtures/github.ts";
import { containerStarted, droidSite, once, reachedWithin, stopGracefully, useCrashHarness, warnings, type ArmedMoment, type CrashHarness, type DroidSite } from "../helpers/crash-harness.ts";
import { BRANCH, FIX_EDIT, FIXTURE, ISSUE, PLAN_COMMENT_ID, containersOf, planComment, waitForProcess } from "../helpers/fix-harness.ts";
import { seededComment } from "../helpers/github-state.ts";
import type { ModelTurn } from "../helpers/model-server.ts";
import { issueComment, OWNER } from "../helpers/payloads.ts";

const h = useCrashHarness();

const LONG_SETUP = "sleep 30";
const LONG_COMMAND = "sleep 60 && echo ok";
const FIX_COMMENT_ID = 5001;
const STOP_COMMENT_ID = 5002;

const WORKING: ModelTurn[] = [
  { tool: "str_replace_based_edit_tool", input: FIX_EDIT },
  { tool: "bash", input: { command: LONG_COMMAND } },
];
const FINISHING: ModelTurn[] = [
  { tool: "str_replace_based_edit_tool", input: FIX_EDIT },
  { tool: "finish", input: { summary: "Return `stranger` for empty names." } },
  { tool: "finish", input: { summary: "`normalizeName` returns `stranger` for empty names." } },
];

interface StopMoment {
  name: string;
  setup: string[];
  turns: ModelTurn[];
  arm: (c: { h: CrashHarness; site: DroidSite; repo: string; jobId: Promise<string> }) => ArmedMoment;
  /** How the job ends: stopped, or (a stop during the push of finished work) succeeded with its PR. */
  ends: "cancelled" | "succeeded";
}

const MOMENTS: StopMoment[] = [
  {
    name: "during clone",
    setup: [],
    turns: WORKING,
    arm: ({ h, repo }) => once((fire) => h.git.onRequest((r) => (r.repo === repo && r.method === "POST" && r.service === "git-upload-pack" ? (fire(), "hold") : "answer"))),
    ends: "cancelled",
  },
  { name: "after the container started, before setup", setup: [LONG_SETUP], turns: WORKING, arm: ({ site }) => containerStarted(site.instance), ends: "cancelled" },
  { name: "during setup", setup: [LONG_SETUP], turns: WORKING, arm: ({ jobId }) => ({ reached: jobId.then((id) => waitForProcess(id, LONG_SETUP, 90_000)), disarm: () => {} }), ends: "cancelled" },
  { name: "while a model request is in flight", setup: [], turns: WORKING, arm: ({ h }) => once((fire) => h.model.onTurn(1, () => (fire(), "hold"))), ends: "cancelled" },
  { name: "while a command runs in the sandbox", setup: [], turns: WORKING, arm: ({ jobId }) => ({ reached: jobId.then((id) => waitForProcess(id, "sleep 60", 90_000)), disarm: () => {} }), ends: "cancelled" },
  {
    name: "while the finished work is pushed",
    setup: [],
    turns: FINISHING,
    arm: ({ h, repo }) => once((fire) => h.git.onRequest((r) => (r.repo === repo && r.method === "POST" && r.service === "git-receive-pack" ? (fire(), { delayMs: 1000 }) : "answer"))),
    ends: "succeeded",
  },
];

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

describe("/droid stop during a /droid fix, at each moment", () => {
  it.for(MOMENTS.map((m) => [m.name, m] as const))("%s: the command and the sandbox are gone within 2 s, the job ends with one comment", { timeout: 180_000 }, async ([, moment], ctx) => {
    if (!h.available) return ctx.skip();
    const repo = `stop-${MOMENTS.indexOf(moment)}`;
    await h.git.createRepo(repo, FIXTURE, { defaultBranch: "master" });
    h.serveRepo(repo);
    h.github.reset({
      droidYml: `setup: ${JSON.stringify(moment.setup)}\ntest: node --test\n`,
      issue: { number: 1, title: ISSUE.title, body: ISSUE.body, login: OWNER },
      comments: [
        seededComment({ id: PLAN_COMMENT_ID, issueNumber: 1, body: planComment(), login: BOT_LOGIN, at: "2026-11-20T10:05:00Z" }),
        seededComment({ id: FIX_COMMENT_ID, issueNumber: 1, body: "/droid fix", login: OWNER, at: new Date().toISOString() }),
      ],
    });
    h.model.script(moment.turns);
    const site = await droidSite(h, repo);
    const jobId = Promise.withResolvers<string>();
    const armed = moment.arm({ h, site, repo, jobId: jobId.promise });
    const droid = await site.start();
    try {
      const fix = issueComment("/droid fix");
      fix.comment.id = FIX_COMMENT_ID;
      const job = await site.deliver("issue_comment", fix, `stop-fix-${repo}`);
      jobId.resolve(job.id);
      await reachedWithin(armed, moment.name, site, job.id, droid);

      const stop = issueComment("/droid stop");
      stop.comment.id = STOP_COMMENT_ID;
      h.github.state.comments.push(seededComment({ id: STOP_COMMENT_ID, issueNumber: 1, body: "/droid stop", login: OWNER, at: new Date().toISOString() }));
      const stoppedAt = Date.now();
      await site.deliver("issue_comment", stop, `stop-stop-${repo}`).catch(() => null);
      let sandboxGoneMs: number | null = null;
      let endedMs: number | null = null;
      while (Date.now() - stoppedAt < 30_000 && (sandboxGoneMs === null || endedMs === null)) {
        if (sandboxGoneMs === null && (await containersOf(job.id)).length === 0) sandboxGoneMs = Date.now() - stoppedAt;
        const now = await site.queue.get(job.id);
        if (endedMs === null && now && now.state !== "queued" && now.state !== "running") endedMs = Date.now() - stoppedAt;
        await new Promise((r) => setTimeout(r, 25));
      }
      armed.disarm();
      console.log(`[stop] ${moment.name}: sandbox gone ${seconds(sandboxGoneMs ?? Number.NaN)}, job ended ${seconds(endedMs ?? Number.NaN)} after the stop`);

      const ended = await site.queue.get(job.id);
      expect(ended?.state).toBe(moment.ends);
      // The store records who asked, even when the push it let finish made the job succeed.
      expect(ended?.stoppedBy).toBe(OWNER);
      expect(sandboxGoneMs).not.toBeNull();
      expect(sandboxGoneMs ?? Infinity).toBeLessThanOrEqual(2_000);
      // The job ends once its comments are written (GitHub writes go out ~1 s apart); a push is
      // never cut halfway: that job ends when its (slowed) push and its PR are done.
      expect(endedMs ?? Infinity).toBeLessThanOrEqual(moment.ends === "cancelled" ? 4_000 : 8_000);
      expect(await stopGracefully(droid)).toBe(0);
      expect(warnings(droid.output())).toBe("");

      // One comment: the job's own (what was done before it stopped, or the closing report); the stop is acknowledged with 👀.
      const comments = h.github.createdComments(1).map((c) => c.body);
      const stopped = moment.ends === "cancelled";
      expect({
        stopAcknowledged: h.github.state.reactions.some((r) => r.commentId === STOP_COMMENT_ID && r.content === "eyes"),
        jobComments: comments.length,
        jobCommentSaysStopped: /stop/i.test(comments[0] ?? ""),
        // Named in code (no notification): "Stopped by `Codertocat` (`/droid stop`) before …" or "The run was stopped by `Codertocat` (`/droid stop`)."
        jobCommentNamesStopper: new RegExp(`stopped by \`${OWNER}\` \\(\`/droid stop\`\\)`, "i").test(comments[0] ?? ""),
        internalErrors: comments.filter((b) => /internal error/i.test(b)).length,
        pullRequests: h.github.state.pulls.map((p) => p.head.ref),
        branches: (await h.git.git(repo, "branch", "--list", "droid/*", "--format=%(refname:short)")).trim(),
        jobFolder: await site.jobFolderExists(job.id),
        unexpectedGitHub: h.github.unexpected.map((r) => `${r.method} ${r.path}`),
      }).toEqual({
        stopAcknowledged: true,
        jobComments: 1,
        jobCommentSaysStopped: stopped,
        jobCommentNamesStopper: stopped,
        internalErrors: 0,
        pullRequests: stopped ? [] : [BRANCH],
        branches: stopped ? "" : BRANCH,
        jobFolder: false,
        unexpectedGitHub: [],
      });
    } finally {
      armed.disarm();
      await site.remove();
    }
  });
});
