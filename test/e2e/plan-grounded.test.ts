/**
 * End to end, a plan grounded in the code: label `droid` on an issue of a repository with
 * hundreds of real source files (zod's TypeScript sources, from node_modules, committed to a
 * real git server that stands for the configured GitHub host). The first planning request
 * holds the ranked relevant code (with the file the issue is about) and the map; the scripted
 * planner opens a file with a read-only tool, submits a plan naming a file that does not
 * exist, is sent back with the nearest real path, and submits a plan whose files all exist
 * (or are created); the comment lists what was read.
 */
import { existsSync, readdirSync, readFileSync, realpathSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parsePlanComment } from "../../src/github/plan-comment.ts";
import { MemoryJobQueue } from "../../src/jobs/memory-queue.ts";
import type { Worker } from "../../src/jobs/worker.ts";
import { nockContext } from "../fixtures/context.ts";
import type { SubtaskInput } from "../fixtures/plans.ts";
import { E2E_DATA_DIR, startE2eWorker } from "../helpers/e2e-worker.ts";
import { startGitServer, type GitServer } from "../helpers/git-server.ts";
import { expectComment, expectConfig, expectInstallationToken, expectPermission, INSTALLATION_TOKEN, WEBHOOK_SECRET } from "../helpers/github.ts";
import { issueLabeled, OWNER, REPO } from "../helpers/payloads.ts";
import { scriptModel } from "../helpers/scripted-model.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { sendWebhook } from "../helpers/webhook.ts";

const ZOD = path.join(path.dirname(realpathSync(createRequire(import.meta.url).resolve("zod/package.json"))), "src");
const REGEXES = "src/v4/core/regexes.ts";

/** zod's sources under `src/`, with the files a team writes around them. */
function zodRepository(): Record<string, string> {
  const files: Record<string, string> = {
    "package.json": JSON.stringify({ name: "zod", version: "4.0.0", type: "module" }, null, 2),
    "README.md": "# Zod\n\nTypeScript-first schema validation with static type inference.\n",
    "CLAUDE.md": "# Notes for agents\n\nEvery regular expression lives in `src/v4/core/regexes.ts`; tests go next to the code in `tests/` folders.\n",
    "docs/adr/0001-one-file-for-regexes.md": "# 1. One file for regexes\n\nAll format regexes are exported from `regexes.ts` so that every schema shares them.\n",
  };
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) files[path.posix.join("src", path.relative(ZOD, full).split(path.sep).join("/"))] = readFileSync(full, "utf8");
    }
  };
  walk(ZOD);
  return files;
}

const ISSUE = {
  title: "z.email() accepts addresses with two consecutive dots",
  body: "`z.string().email()` (and `z.email()` in v4) accepts `john..doe@example.com`, which is not a valid address. The email regex should reject consecutive dots in the local part.",
};

function plan(subtasks: SubtaskInput[]) {
  return {
    summary: "The `email` regex in `src/v4/core/regexes.ts` allows consecutive dots in the local part. Tighten it and cover it with tests.",
    kind: "bug-fix",
    subtasks,
    testing: "Run the email regex tests and the string schema tests.",
    risks: [{ risk: "Rejecting addresses some users rely on", mitigation: "Only consecutive dots are newly rejected; the tests list accepted forms." }],
    rollout: { featureFlag: null, migration: null, deployment: null },
    openQuestions: [],
    checks: ["reproduce", "root-cause", "regression-test", "blast-radius"].map((id) => ({ id, addressedBy: "S1 and S2" })),
  };
}

const reproduce = (files: string[]): SubtaskInput => ({
  id: "S1",
  title: "Reproduce with a failing test",
  change: "Add `john..doe@example.com` to the rejected addresses of the email regex tests.",
  files,
  newFiles: ["src/v4/core/tests/email-consecutive-dots.test.ts"],
  verification: "The new test fails before the fix.",
});
const fix = (files: string[]): SubtaskInput => ({ id: "S2", title: "Reject consecutive dots", change: "Change `email` so the local part cannot hold `..`.", files, verification: "The S1 test passes." });

let git: GitServer;
let repoFiles: Set<string>;
let server: TestServer;
let worker: Worker;
let queue: MemoryJobQueue;

beforeAll(async () => {
  git = await startGitServer(INSTALLATION_TOKEN);
  const files = zodRepository();
  repoFiles = new Set(Object.keys(files));
  await git.createRepo("zod", files, { defaultBranch: "master" });
  git.serve(`${OWNER}/${REPO}`, "zod");
});
afterAll(async () => {
  await git.close();
});
beforeEach(async () => {
  queue = new MemoryJobQueue();
  server = await startTestServer(queue);
  worker = await startE2eWorker({ queue, server, env: git.env, instance: "e2e-plan-grounded", concurrency: 1, crashes: [] });
});
afterEach(async () => {
  await worker.stop(1000);
  await server.stop();
});

describe("a plan grounded in the code", () => {
  it("reads the relevant code, explores, gets a wrong path repaired, and names only real (or created) files", async () => {
    expect(repoFiles.size).toBeGreaterThan(300);
    const hook = expectInstallationToken();
    expectConfig(hook);
    expectPermission(hook, OWNER, "admin");
    hook.post(`/repos/${OWNER}/${REPO}/issues/1/reactions`, { content: "eyes" }).reply(201, { id: 1 });
    const work = expectInstallationToken();
    expectConfig(work);
    const context = nockContext({ labels: ["droid", "bug"], ...ISSUE });
    work.get(`/repos/${OWNER}/${REPO}/issues/1/comments`).query({ per_page: 100 }).reply(200, []);
    const posted: string[] = [];
    expectComment(work, posted);
    const model = scriptModel([
      { tool: "view_file", input: { path: REGEXES, start_line: 40, end_line: 50 } },
      { tool: "submit_plan", input: plan([reproduce(["src/v4/core/tests/email-consecutive-dots.test.ts"]), fix(["src/v4/core/regex.ts"])]) },
      { tool: "submit_plan", input: plan([reproduce(["src/v4/core/tests/email-consecutive-dots.test.ts"]), fix([REGEXES])]) },
    ]);

    const labeled = await sendWebhook(server.url, "issues", issueLabeled("droid"), { secret: WEBHOOK_SECRET });
    expect(labeled.status).toBe(200);
    const job = await settled();
    await server.outbox.drain();
    for (const s of [hook, work, context, model.scope]) expect(s.pendingMocks()).toEqual([]);
    expect(job?.error ?? null).toBeNull();
    expect(job?.state).toBe("succeeded");

    // The first request: the team's notes in the cached prefix, the map, the ranked relevant code with the file the issue is about.
    const first = model.requests[0]?.messages[0]?.content;
    const blocks = (Array.isArray(first) ? first : []).map((b) => (b.type === "text" ? b.text : ""));
    expect(blocks[0]).toContain("CLAUDE.md from `master`");
    expect(blocks[0]).toContain("docs/adr/0001-one-file-for-regexes.md from `master`");
    expect(blocks[1]).toMatch(/^# Repository map\n\nThe repository's code on `master` at commit [0-9a-f]{12} \(\d{3} indexed files\)/);
    expect(blocks[2]).toMatch(/^# Relevant code/);
    expect(blocks[2]).toMatch(new RegExp(`^## ${REGEXES.replaceAll(".", "\\.")}\\nwhy: .*defines .*\`email\``, "m"));
    expect(JSON.stringify(model.requests[0])).not.toContain(INSTALLATION_TOKEN);

    // The planner opened the file; the lines came back numbered, as repository data.
    expect(model.toolResults(1)[0]).toContain(`${REGEXES}, lines 40–50 of`);
    expect(model.toolResults(1)[0]).toMatch(/44│ export const email: RegExp =/);
    // The wrong path was sent back with the nearest real one.
    expect(model.toolResults(2)[0]).toContain("`src/v4/core/regex.ts` (S2) does not exist in the repository. Nearest existing paths: `src/v4/core/regexes.ts`");

    // The plan names only files that exist, or that a subtask creates.
    const stored = parsePlanComment(posted[0] ?? "")?.stored;
    const created = new Set(stored?.plan.subtasks.flatMap((s) => s.newFiles ?? []));
    const named = stored?.plan.subtasks.flatMap((s) => s.files) ?? [];
    expect(named.length).toBeGreaterThan(0);
    for (const file of named) expect(repoFiles.has(file) || created.has(file)).toBe(true);

    // The comment says what was read, and why.
    const comment = posted[0] ?? "";
    expect(comment).toMatch(/- Code: `master` at [0-9a-f]{7}, \d{3} file\(s\) indexed \(cloned in \d+\.\d s, index (built|updated from [0-9a-f]{7}|loaded from the cache)/);
    expect(comment).toMatch(new RegExp(`Relevant code, matched by localization: .*\`${REGEXES.replaceAll(".", "\\.")}\``));
    expect(comment).toContain(`The planner explored the code (1 call(s)): opened \`${REGEXES} lines 40–50\``);
    expect(comment).toContain("Knowledge files from the clone: `CLAUDE.md`, `docs/adr/0001-one-file-for-regexes.md`");
    // The clone was removed with the job.
    expect(existsSync(path.join(E2E_DATA_DIR, "jobs", job?.id ?? "none"))).toBe(false);
  }, 120_000);
});

async function settled() {
  for (let i = 0; i < 1200; i++) {
    const [job] = await queue.listForTarget({ owner: OWNER, name: REPO }, { kind: "issue", number: 1 });
    if (job && job.state !== "queued" && job.state !== "running") return job;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("the plan job did not end");
}
