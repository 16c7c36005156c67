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
import { describe, expect, it } from "vitest";
import { parsePlanComment } from "../../src/github/plan-comment.ts";
import { bugFixInput, type SubtaskInput } from "../fixtures/plans.ts";
import { expectLabelledPlan, useCodeServer } from "../helpers/code-server.ts";
import { E2E_DATA_DIR } from "../helpers/e2e-worker.ts";
import { expectComment, INSTALLATION_TOKEN, WEBHOOK_SECRET } from "../helpers/github.ts";
import { issueLabeled } from "../helpers/payloads.ts";
import { scriptModel } from "../helpers/scripted-model.ts";
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

/** The bug-fix plan of the fixtures, about this repository's code. */
function plan(subtasks: SubtaskInput[]) {
  const summary = "The `email` regex in `src/v4/core/regexes.ts` allows consecutive dots in the local part. Tighten it and cover it with tests.";
  return { ...bugFixInput(), summary, subtasks, testing: "Run the email regex tests and the string schema tests." };
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

const h = useCodeServer("zod", zodRepository);

describe("a plan grounded in the code", () => {
  it("reads the relevant code, explores, gets a wrong path repaired, and names only real (or created) files", async () => {
    const repoFiles = new Set(Object.keys(zodRepository()));
    expect(repoFiles.size).toBeGreaterThan(300);
    const { hook, work, context } = expectLabelledPlan({ labels: ["droid", "bug"], ...ISSUE });
    const posted: string[] = [];
    expectComment(work, posted);
    const model = scriptModel([
      { tool: "view_file", input: { path: REGEXES, start_line: 40, end_line: 50 } },
      { tool: "submit_plan", input: plan([reproduce(["src/v4/core/tests/email-consecutive-dots.test.ts"]), fix(["src/v4/core/regex.ts"])]) },
      { tool: "submit_plan", input: plan([reproduce(["src/v4/core/tests/email-consecutive-dots.test.ts"]), fix([REGEXES])]) },
    ]);

    const labeled = await sendWebhook(h.server.url, "issues", issueLabeled("droid"), { secret: WEBHOOK_SECRET });
    expect(labeled.status).toBe(200);
    const [job] = await h.settled();
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
