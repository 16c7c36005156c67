/**
 * What every end-to-end `/droid fix` test shares: the real server and worker, a real
 * git smart-HTTP server, the real Docker engine, the fixture repository with its buggy
 * greeting, the plan comment, and the GitHub calls a fix job makes (nocked strictly).
 */
import type Docker from "dockerode";
import nock from "nock";
import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
import { renderPlanComment } from "../../src/github/plan-comment.ts";
import { MemoryJobQueue } from "../../src/jobs/memory-queue.ts";
import type { Job, Target } from "../../src/jobs/types.ts";
import { jiraIntake, type JiraConnection } from "../../src/jira/setup.ts";
import type { TranscriptStore } from "../../src/jobs/transcript.ts";
import type { RunPagesRoute } from "../../src/pages/index.ts";
import type { Worker } from "../../src/jobs/worker.ts";
import type { RunnerServices } from "../../src/runs/site.ts";
import type { RunTracer } from "../../src/runs/job-trace.ts";
import type { DroidMetrics } from "../../src/metrics/metrics.ts";
import { ModelPlanSchema, type Plan } from "../../src/planning/schema.ts";
import { LABELS, POOL_JOB_ID, containerNamePrefix } from "../../src/sandbox/index.ts";
import { BOT_LOGIN } from "../fixtures/github.ts";
import { bugFixInput, storedPlan } from "../fixtures/plans.ts";
import { docker, dockerAnswers } from "./docker.ts";
import { startGitServer, type GitServer } from "./git-server.ts";
import { INSTALLATION_TOKEN, expectInstallationToken, expectPermission, testProbot, WEBHOOK_SECRET } from "./github.ts";
import { issueComment, OWNER, REPO } from "./payloads.ts";
import { startTestServer, type TestServer } from "./server.ts";
import { sendWebhook } from "./webhook.ts";
import { startE2eWorker } from "./e2e-worker.ts";
import type { Turn } from "./scripted-model.ts";

export const GREET_BUGGY = `function normalizeName(name) {
  if (name.trim() !== "") return name.trim();
}

function greet(name) {
  return \`Hello, \${normalizeName(name).toUpperCase()}!\`;
}

module.exports = { greet };
`;

export const FIXTURE: Record<string, string> = {
  "package.json": JSON.stringify({ name: "hello", version: "1.0.0", scripts: { test: "node --test" } }, null, 2),
  "src/greet.js": GREET_BUGGY,
  "test/greet.test.js": `const test = require("node:test");
const assert = require("node:assert");
const { greet } = require("../src/greet.js");

test("greets by name", () => assert.strictEqual(greet("ada"), "Hello, ADA!"));
test("greets a stranger", () => assert.strictEqual(greet(""), "Hello, STRANGER!"));
`,
  ".gitignore": "node_modules/\n",
};

/** The edit that fixes the fixture's bug. */
export const FIX_EDIT = {
  command: "str_replace",
  path: "src/greet.js",
  old_str: '  if (name.trim() !== "") return name.trim();\n}',
  new_str: '  if (name.trim() !== "") return name.trim();\n  return "stranger";\n}',
};

/** A model that fixes the greeting: reproduces, edits, tests, updates the plan and finishes (its summary reviewed once). */
export const GREETING_FIX_TURNS: Turn[] = [
  { tool: "update_plan", input: { reason: "Starting with the reproduction", updates: [{ id: "S1", state: "in-progress" }] } },
  { tool: "run_tests", input: {} },
  { tool: "str_replace_based_edit_tool", input: FIX_EDIT },
  { tool: "run_tests", input: {} },
  { tool: "update_plan", input: { reason: "Both tests pass", updates: [{ id: "S1", state: "done" }, { id: "S2", state: "done" }] } },
  { tool: "finish", input: { summary: "Empty names greet a stranger." } },
  { tool: "finish", input: { summary: "`normalizeName` returns `stranger` for empty names." } },
];

export const DROID_YML = "setup: []\ntest: node --test\n";
export const REPO_API = `/repos/${OWNER}/${REPO}`;
export const PLAN_COMMENT_ID = 9001;
export const BRANCH = "droid/1-greeting-crashes-on-an-empty-name";

export type Tuning = NonNullable<RunnerServices["tuning"]>;

export interface FixHarness {
  /** False when no Docker engine answers outside CI (the test then skips). */
  readonly available: boolean;
  readonly git: GitServer;
  readonly server: TestServer;
  readonly queue: MemoryJobQueue;
  /** Errors the worker reported as crashes. */
  readonly crashes: unknown[];
  /** Starts the worker with the given tuning (live comment edits and steering polls rarely by default). */
  startWorker(tuning?: Tuning): Promise<Worker>;
  /** Waits until every job on the target (issue #1 by default) has ended and the worker is idle. */
  settled(target?: Target): Promise<Job[]>;
}

/** What a test adds to the harness's server and worker: the run pages, on a known port. */
export interface FixHarnessExtras {
  port?: number;
  publicUrl?: string;
  transcripts?: TranscriptStore;
  runPages?: (queue: MemoryJobQueue) => RunPagesRoute;
  /** The server serves `/metrics` of these, and the worker reports to them. */
  metrics?: DroidMetrics;
  tracer?: RunTracer;
  /** A Jira site: the server takes its webhooks, the worker runs jobs on its tickets. */
  jira?: JiraConnection;
}

/** Registers the hooks that start and stop the servers; call once at the top of a test file. */
export function useFixHarness(instance: string, extras: () => FixHarnessExtras = () => ({})): FixHarness {
  let available = false;
  let git: GitServer | undefined;
  let server: TestServer | undefined;
  let queue: MemoryJobQueue | undefined;
  let worker: Worker | undefined;
  const crashes: unknown[] = [];

  beforeAll(async () => {
    available = await dockerAnswers();
    git = await startGitServer(INSTALLATION_TOKEN);
  });
  afterAll(async () => {
    await git?.close();
  });
  beforeEach(async () => {
    crashes.length = 0;
    queue = new MemoryJobQueue();
    const e = extras();
    server = await startTestServer(queue, {
      ...(e.port ? { port: e.port } : {}),
      ...(e.runPages ? { runPages: e.runPages(queue) } : {}),
      ...(e.metrics ? { operator: { metrics: e.metrics, token: null, checks: [] } } : {}),
      ...(e.jira ? { jira: jiraRoute(e.jira) } : {}),
    });
  });
  afterEach(async () => {
    await worker?.stop(5000);
    worker = undefined;
    await server?.stop();
  });

  const harness: FixHarness = {
    get available() {
      return available;
    },
    get git() {
      return need(git, "git server");
    },
    get server() {
      return need(server, "server");
    },
    get queue() {
      return need(queue, "queue");
    },
    crashes,
    async startWorker(tuning = {}) {
      const e = extras();
      worker = await startE2eWorker({
        queue: need(queue, "queue"),
        server: need(server, "server"),
        env: need(git, "git server").env,
        instance,
        concurrency: 1,
        crashes,
        tuning: { liveUpdateMs: 3_600_000, steeringPollMs: 3_600_000, ...tuning },
        ...(e.transcripts ? { transcripts: e.transcripts } : {}),
        ...(e.publicUrl ? { publicUrl: e.publicUrl } : {}),
        ...(e.metrics ? { metrics: e.metrics } : {}),
        ...(e.tracer ? { tracer: e.tracer } : {}),
        ...(e.jira ? { jira: e.jira } : {}),
      });
      return worker;
    },
    async settled(target = { kind: "issue", number: 1 }) {
      const q = need(queue, "queue");
      for (let i = 0; i < 1200; i++) {
        const jobs = await q.listForTarget({ owner: OWNER, name: REPO }, target);
        const ended = jobs.length > 0 && jobs.every((j) => j.state !== "queued" && j.state !== "running");
        if (ended && (worker?.runningJobIds.length ?? 0) === 0) {
          await need(server, "server").outbox.drain();
          return jobs;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error("the fix job did not end");
    },
  };
  return harness;
}

/** The server's Jira route, on its own queue and gate. */
function jiraRoute(jira: JiraConnection): NonNullable<Parameters<typeof startTestServer>[1]>["jira"] {
  return ({ queue, gate }) => ({ settings: jira.settings, intake: jiraIntake(jira, { queue, gate, app: testProbot() }) });
}

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`the fix harness has no ${what} yet`);
  return value;
}

/** The plan comment Droid posted earlier: the bug-fix plan with subtasks S1 and S2. */
export function planComment(): string {
  const plan: Plan = { ...ModelPlanSchema.parse(bugFixInput()), template: { kind: "bug-fix", title: "Bug fix", source: "built-in", chosenBy: "label" } };
  return renderPlanComment({
    stored: storedPlan(plan),
    changes: null,
    contextNotes: ["Issue #1: title, body, 0 comments"],
    footer: { jobId: "job-plan-1", model: "claude-sonnet-5-5", usage: { input: 1, output: 1, cacheWrite: 0, cacheRead: 0 }, costUsd: 0.01, durationMs: 1000 },
    commandWord: "droid",
  });
}

/** Serves `.github/droid.yml` `times` times (once per webhook, once for the job). */
export function expectDroidYml(scope: nock.Scope, yaml: string, times: number): nock.Scope {
  return scope
    .get(`${REPO_API}/contents/.github%2Fdroid.yml`)
    .times(times)
    .reply(200, yaml, { "content-type": "application/vnd.github.v3.raw; charset=utf-8" });
}

/** Issue #1 as GitHub returns it to the fix job. */
export interface FixIssue {
  title: string;
  body: string;
  /** Its author (a writer, whose permission the gate has cached, unless the test declares another). */
  login: string;
}

export const ISSUE: FixIssue = { title: "Greeting crashes on an empty name", body: "`greet(\"\")` throws a TypeError.", login: OWNER };

/**
 * GitHub as the fix job sees it: the plan comment, the issue, no PR yet, and the first
 * look for steering comments (none). The config is served separately (`expectDroidYml`).
 */
export function expectFixJobReads(scope: nock.Scope, issue: FixIssue = ISSUE): nock.Scope {
  return scope
    .get(`${REPO_API}/issues/1/comments`)
    .query({ per_page: 100 })
    .reply(200, [{ id: PLAN_COMMENT_ID, body: planComment(), user: { login: BOT_LOGIN } }])
    .get(`${REPO_API}/issues/1`)
    .reply(200, { number: 1, title: issue.title, body: issue.body, user: { login: issue.login, type: "User" }, html_url: `https://github.com/${OWNER}/${REPO}/issues/1` })
    .get(`${REPO_API}/pulls`)
    .query({ state: "open", per_page: 100 })
    .reply(200, []);
}

/** A comment on the issue; made "now" (when listed) unless `at` says when. */
export interface IssueComment {
  id: number;
  body: string;
  login: string;
  at?: () => Date;
}

/** One look for steering comments, answered with `comments`. */
export function expectSteeringPoll(scope: nock.Scope, comments: IssueComment[] = []): nock.Scope {
  return scope
    .get(`${REPO_API}/issues/1/comments`)
    .query((q) => typeof q.since === "string")
    .reply(200, () =>
      comments.map((c) => ({ id: c.id, body: c.body, user: { login: c.login, type: "User" }, created_at: (c.at?.() ?? new Date()).toISOString() })),
    );
}

/** Every edit of the plan comment, and how many were in flight at once at most. */
export interface PlanEdits {
  bodies: string[];
  maxInFlight: number;
}

/** Records `times` edits of the plan comment, each answered after `replyAfterMs`. */
export function expectPlanEdits(scope: nock.Scope, times: number, replyAfterMs = 0): PlanEdits {
  const edits: PlanEdits = { bodies: [], maxInFlight: 0 };
  let inFlight = 0;
  scope
    .patch(`${REPO_API}/issues/comments/${PLAN_COMMENT_ID}`, (b: { body: string }) => {
      edits.bodies.push(b.body);
      return true;
    })
    .times(times)
    .reply((_uri, _body, answer) => {
      inFlight++;
      edits.maxInFlight = Math.max(edits.maxInFlight, inFlight);
      setTimeout(() => {
        inFlight--;
        answer(null, [200, {}]);
      }, replyAfterMs);
    });
  return edits;
}

/** The commit's author and co-author lookups. */
export function expectPeople(scope: nock.Scope): nock.Scope {
  return scope
    .get(/\/users\/droid-app/)
    .reply(200, { login: BOT_LOGIN, id: 41898282, name: null })
    .get(`/users/${OWNER}`)
    .reply(200, { login: OWNER, id: 21031067, name: "Codertocat" });
}

/** Opening pull request #7 and labelling it; returns the request bodies. */
export function expectPullRequest(scope: nock.Scope): Record<string, unknown>[] {
  const prs: Record<string, unknown>[] = [];
  scope
    .post(`${REPO_API}/pulls`, (b: Record<string, unknown>) => (prs.push(b), true))
    .reply(201, { number: 7, node_id: "PR_7", html_url: `https://github.com/${OWNER}/${REPO}/pull/7` })
    .post(`${REPO_API}/issues/7/labels`, { labels: ["droid"] })
    .reply(200, []);
  return prs;
}

/** Comments posted on issue #1 (`times` of them); returns their bodies. */
export function expectIssueComments(scope: nock.Scope, times = 1): string[] {
  const bodies: string[] = [];
  scope.post(`${REPO_API}/issues/1/comments`, (b: { body: string }) => (bodies.push(b.body), true)).times(times).reply(201, { id: 9100 });
  return bodies;
}

/** The `Droid` check run's requests: its creation (in progress) and its completion. */
export interface CheckRunCalls {
  created: Record<string, unknown>[];
  completed: Record<string, unknown>[];
}

export const CHECK_RUN_ID = 4242;

/** The `Droid` check run on the pushed commit: created in progress, then completed. */
export function expectCheckRun(scope: nock.Scope): CheckRunCalls {
  const calls: CheckRunCalls = { created: [], completed: [] };
  scope
    .post(`${REPO_API}/check-runs`, (b: Record<string, unknown>) => (calls.created.push(b), true))
    .reply(201, { id: CHECK_RUN_ID, name: "Droid", status: "in_progress" })
    .patch(`${REPO_API}/check-runs/${CHECK_RUN_ID}`, (b: Record<string, unknown>) => (calls.completed.push(b), true))
    .reply(200, { id: CHECK_RUN_ID, name: "Droid", status: "completed" });
  return calls;
}

export interface FixJobCalls {
  /** The worker's GitHub scope. */
  work: nock.Scope;
  /** The plan comment's edits, in the order they were sent. */
  planEdits: string[];
  planEditsMaxInFlight: () => number;
  prs: Record<string, unknown>[];
  comments: string[];
  /** The check run's requests (declared with the PR). */
  checks: CheckRunCalls;
}

/**
 * Every GitHub call of one fix job on the worker's side: the token, the config, the
 * job's reads, the looks for steering comments (a count of empty ones, or declared by
 * the test), the plan comment's edits (start and end by default), the commit's people, the
 * `Droid` check run and the PR when `pr`, and `comments` comments on the issue.
 */
export function expectFixJob(
  options: {
    droidYml?: string;
    steering?: number | ((scope: nock.Scope) => void);
    pr?: boolean;
    comments?: number;
    /** Edits of the plan comment (2: the start and the end), and how long GitHub takes to answer each. */
    planEdits?: { times: number; replyAfterMs: number };
    issue?: FixIssue;
  } = {},
): FixJobCalls {
  const work = expectInstallationToken();
  expectDroidYml(work, options.droidYml ?? DROID_YML, 1);
  expectFixJobReads(work, options.issue);
  const steering = options.steering ?? 1;
  if (typeof steering === "number") for (let i = 0; i < steering; i++) expectSteeringPoll(work);
  else steering(work);
  const edits = expectPlanEdits(work, options.planEdits?.times ?? 2, options.planEdits?.replyAfterMs ?? 0);
  let prs: Record<string, unknown>[] = [];
  let checks: CheckRunCalls = { created: [], completed: [] };
  if (options.pr) {
    expectPeople(work);
    checks = expectCheckRun(work);
    prs = expectPullRequest(work);
  }
  const comments = expectIssueComments(work, options.comments ?? 1);
  return { work, planEdits: edits.bodies, planEditsMaxInFlight: () => edits.maxInFlight, prs, comments, checks };
}

/**
 * Sends `/droid …` on issue #1 from the repo owner (a writer). The webhook side is
 * declared: the installation token (when `withToken`), the permission check (when not
 * cached yet), the config and 👀 on the comment. `repo` names the fixture repository the
 * git server answers with for the payload's repository (whose `clone_url` stays the real
 * example's github.com URL: Droid clones from its configured host, never from the payload).
 */
export async function sendCommand(
  harness: FixHarness,
  body: string,
  options: { commentId: number; droidYml: string; withToken?: boolean; askPermission?: boolean; repo?: string; login?: string; adjust?: (payload: ReturnType<typeof issueComment>) => void },
): Promise<nock.Scope> {
  const hook = options.withToken === false ? nock("https://api.github.com") : expectInstallationToken();
  if (options.askPermission !== false) expectPermission(hook, options.login ?? OWNER, "write");
  expectDroidYml(hook, options.droidYml, 1);
  hook.post(`${REPO_API}/issues/comments/${options.commentId}/reactions`, { content: "eyes" }).reply(201, { id: 1 });
  const payload = issueComment(body, options.login ? { login: options.login } : {});
  payload.comment.id = options.commentId;
  if (options.repo) harness.git.serve(`${OWNER}/${REPO}`, options.repo);
  options.adjust?.(payload);
  const response = await sendWebhook(harness.server.url, "issue_comment", payload, { secret: WEBHOOK_SECRET });
  if (response.status !== 200) throw new Error(`the webhook was answered ${response.status}`);
  return hook;
}

/** The job's sandbox containers still present (none once the job has ended), a pooled one it took included. */
export async function containersOf(jobId: string | undefined): Promise<Docker.ContainerInfo[]> {
  const labelled = await docker.listContainers({ all: true, filters: JSON.stringify({ label: [`${LABELS.job}=${jobId}`] }) });
  if (jobId === undefined) return labelled;
  const pooled = await docker.listContainers({ all: true, filters: JSON.stringify({ label: [`${LABELS.job}=${POOL_JOB_ID}`], name: [containerNamePrefix(jobId)] }) });
  return [...labelled, ...pooled];
}

/** Waits until a process whose command line contains `needle` runs in the job's sandbox. */
export async function waitForProcess(jobId: string | undefined, needle: string, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const [info] = await containersOf(jobId);
    if (info) {
      const top = (await docker.getContainer(info.Id).top({ ps_args: "-eo pid,args" }).catch(() => null)) as { Processes?: string[][] } | null;
      if (top?.Processes?.some((p) => p.some((col) => col.includes(needle)))) return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no process "${needle}" started in the sandbox of job ${jobId}`);
}
