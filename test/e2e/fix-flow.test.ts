/**
 * End to end, for real where it can be: `/droid fix` as a signed webhook into the real
 * server, the job through the worker, the repository cloned from and pushed to a real
 * git smart-HTTP server, the work done in a real Docker sandbox by a scripted model
 * (Anthropic nocked), and the pull request opened on (nocked) GitHub.
 */
import nock from "nock";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { renderPlanComment } from "../../src/github/plan-comment.ts";
import { MemoryJobQueue } from "../../src/jobs/memory-queue.ts";
import type { Job } from "../../src/jobs/types.ts";
import { Worker } from "../../src/jobs/worker.ts";
import { ModelPlanSchema, type Plan } from "../../src/planning/schema.ts";
import { LABELS } from "../../src/sandbox/index.ts";
import { BOT_LOGIN } from "../fixtures/github.ts";
import { bugFixInput, storedPlan } from "../fixtures/plans.ts";
import { docker, dockerAnswers } from "../helpers/docker.ts";
import { startGitServer, type GitServer } from "../helpers/git-server.ts";
import { INSTALLATION_TOKEN, expectInstallationToken, expectPermission, WEBHOOK_SECRET } from "../helpers/github.ts";
import { issueComment, OWNER, REPO } from "../helpers/payloads.ts";
import { scriptModel } from "../helpers/scripted-model.ts";
import { startE2eWorker } from "../helpers/e2e-worker.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { sendWebhook } from "../helpers/webhook.ts";

const GREET_BUGGY = `function normalizeName(name) {
  if (name.trim() !== "") return name.trim();
}

function greet(name) {
  return \`Hello, \${normalizeName(name).toUpperCase()}!\`;
}

module.exports = { greet };
`;

const FIXTURE = {
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

const DROID_YML = "setup: []\ntest: node --test\n";
const REPO_API = `/repos/${OWNER}/${REPO}`;
const PLAN_COMMENT_ID = 9001;

let available = false;
let git: GitServer;
let server: TestServer;
let worker: Worker;
let queue: MemoryJobQueue;
const crashes: unknown[] = [];

beforeAll(async () => {
  available = await dockerAnswers();
  git = await startGitServer(INSTALLATION_TOKEN);
});

afterAll(async () => {
  await git?.close();
});

beforeEach(async () => {
  queue = new MemoryJobQueue();
  server = await startTestServer(queue);
  worker = await startE2eWorker({ queue, server, instance: "e2e-fix", concurrency: 1, crashes, tuning: { liveUpdateMs: 3_600_000, steeringPollMs: 3_600_000 } });
});

afterEach(async () => {
  await worker.stop(5000);
  await server.stop();
});

function planComment(): string {
  const plan: Plan = { ...ModelPlanSchema.parse(bugFixInput()), template: { kind: "bug-fix", title: "Bug fix", source: "built-in", chosenBy: "label" } };
  return renderPlanComment({
    stored: storedPlan(plan),
    changes: null,
    contextNotes: [],
    footer: { jobId: "job-plan-1", model: "claude-sonnet-5-5", usage: { input: 1, output: 1, cacheWrite: 0, cacheRead: 0 }, costUsd: 0.01, durationMs: 1000 },
  });
}

async function settled(): Promise<Job[]> {
  for (let i = 0; i < 1200; i++) {
    const jobs = await queue.listForTarget({ owner: OWNER, name: REPO }, { kind: "issue", number: 1 });
    if (jobs.length > 0 && jobs.every((j) => j.state !== "queued" && j.state !== "running")) return jobs;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("the fix job did not end");
}

/** GitHub as the fix job sees it: config, the plan comment, the issue, no PR yet, the people. */
function expectFixJobReads(scope: nock.Scope) {
  scope
    .get(`${REPO_API}/contents/.github%2Fdroid.yml`)
    .times(2)
    .reply(200, DROID_YML, { "content-type": "application/vnd.github.v3.raw; charset=utf-8" })
    .get(`${REPO_API}/issues/1/comments`)
    .query({ per_page: 100 })
    .reply(200, [{ id: PLAN_COMMENT_ID, body: planComment(), user: { login: BOT_LOGIN } }])
    .get(`${REPO_API}/issues/1`)
    .reply(200, { number: 1, title: "Greeting crashes on an empty name", body: "`greet(\"\")` throws a TypeError." })
    .get(`${REPO_API}/pulls`)
    .query({ state: "open", per_page: 100 })
    .reply(200, [])
    .get(`${REPO_API}/issues/1/comments`)
    .query((q) => typeof q.since === "string")
    .reply(200, []);
}

describe("/droid fix", () => {
  it("fixes a bug: a failing test run, an edit, a passing run, a reviewed finish, a pushed branch and a ready PR", async (ctx) => {
    if (!available) return ctx.skip();
    await git.createRepo("hello-fix", FIXTURE, { defaultBranch: "master" });
    const payload = issueComment("/droid fix keep the change small");
    payload.repository.clone_url = git.cloneUrl("hello-fix");

    const hook = expectInstallationToken();
    expectPermission(hook, OWNER, "write");
    hook.post(`${REPO_API}/issues/comments/${payload.comment.id}/reactions`, { content: "eyes" }).reply(201, { id: 1 });
    const work = expectInstallationToken();
    expectFixJobReads(work);
    const planEdits: string[] = [];
    work.patch(`${REPO_API}/issues/comments/${PLAN_COMMENT_ID}`, (b: { body: string }) => (planEdits.push(b.body), true)).times(2).reply(200, {});
    work.get(/\/users\/droid-app/).reply(200, { login: BOT_LOGIN, id: 41898282, name: null });
    work.get(`/users/${OWNER}`).reply(200, { login: OWNER, id: 21031067, name: "Codertocat" });
    const prs: Record<string, unknown>[] = [];
    work.post(`${REPO_API}/pulls`, (b: Record<string, unknown>) => (prs.push(b), true)).reply(201, { number: 7, node_id: "PR_7", html_url: "https://github.com/Codertocat/Hello-World/pull/7" });
    work.post(`${REPO_API}/issues/7/labels`, { labels: ["droid"] }).reply(200, []);
    const results: string[] = [];
    work.post(`${REPO_API}/issues/1/comments`, (b: { body: string }) => (results.push(b.body), true)).reply(201, { id: 9100 });

    const model = scriptModel([
      { tool: "update_plan", input: { reason: "Starting with the reproduction", updates: [{ id: "S1", state: "in-progress" }] } },
      { tool: "run_tests", input: {} },
      { tool: "search_code", input: { pattern: "normalizeName", show_lines: true } },
      {
        tool: "str_replace_based_edit_tool",
        input: {
          command: "str_replace",
          path: "src/greet.js",
          old_str: '  if (name.trim() !== "") return name.trim();\n}',
          new_str: '  if (name.trim() !== "") return name.trim();\n  return "stranger";\n}',
        },
      },
      { tool: "run_tests", input: {} },
      { tool: "update_plan", input: { reason: "Both tests pass", updates: [{ id: "S1", state: "done" }, { id: "S2", state: "done" }] } },
      { tool: "finish", input: { summary: "Return `stranger` from normalizeName for empty names." } },
      { tool: "finish", input: { summary: "`normalizeName` now returns `stranger` for empty or blank names, so `greet(\"\")` greets a stranger instead of throwing." } },
    ]);

    const response = await sendWebhook(server.url, "issue_comment", payload, { secret: WEBHOOK_SECRET });
    expect(response.status).toBe(200);
    const [job] = await settled();
    await server.outbox.drain();
    expect(crashes).toEqual([]);
    expect(job?.error ?? null).toBeNull();
    expect(job).toMatchObject({ state: "succeeded", links: { pullRequestNumber: 7, planCommentId: PLAN_COMMENT_ID, pushed: true } });
    for (const s of [hook, work, model.scope]) expect(s.pendingMocks()).toEqual([]);

    // What the model was shown.
    expect(model.requests[0]?.messages[0]?.content).toEqual([expect.objectContaining({ cache_control: { type: "ephemeral" } })]);
    expect(JSON.stringify(model.requests[0]?.messages[0])).toContain("keep the change small");
    expect(model.toolResults(2)[0]).toMatch(/1 failed/);
    expect(model.toolResults(3)[0]).toContain("src/greet.js: 2");
    expect(model.toolResults(4)[0]).toContain('return "stranger";');
    expect(model.toolResults(5)[0]).toMatch(/0 failed, 2 passed/);
    expect(model.toolResults(7)[0]).toContain('+  return "stranger";');
    expect(model.toolResults(7)[0]).toContain("call finish again");

    // What was pushed.
    const branches = await git.git("hello-fix", "branch", "--list", "droid/*");
    expect(branches.trim()).toBe("droid/1-greeting-crashes-on-an-empty-name");
    const pushed = await git.git("hello-fix", "show", "droid/1-greeting-crashes-on-an-empty-name:src/greet.js");
    expect(pushed).toContain('return "stranger";');
    const message = await git.git("hello-fix", "log", "-1", "--format=%an%n%B", "droid/1-greeting-crashes-on-an-empty-name");
    expect(message).toContain(BOT_LOGIN);
    expect(message).toContain("Co-authored-by: Codertocat <21031067+Codertocat@users.noreply.github.com>");

    // What GitHub was told.
    expect(prs[0]).toMatchObject({ head: "droid/1-greeting-crashes-on-an-empty-name", base: "master", draft: false, title: "Greeting crashes on an empty name" });
    expect(String(prs[0]?.body)).toContain("Closes #1");
    expect(String(prs[0]?.body)).toMatch(/✅ tests \(tap\): 0 failed, 2 passed/);
    expect(String(prs[0]?.body)).toContain("`src/greet.js` (modified)");
    expect(planEdits.at(-1)).toContain("✅ Done");
    expect(planEdits.at(-1)).toContain("- [x] **S1**");
    expect(results[0]).toContain("Opened #7 (ready for review)");

    // Nothing left behind.
    const left = await docker.listContainers({ all: true, filters: JSON.stringify({ label: [`${LABELS.job}=${job?.id}`] }) });
    expect(left).toEqual([]);
  }, 180_000);
});
