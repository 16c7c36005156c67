/**
 * The repository's `lint` command after each edit, end to end (real sandbox): an edit
 * that adds a problem is reported back to the model at once, with the linter's
 * message; fixing it is quiet again.
 */
import { describe, expect, it } from "vitest";
import { FIX_EDIT, FIXTURE, containersOf, expectFixJob, sendCommand, useFixHarness } from "../helpers/fix-harness.ts";
import { scriptModel } from "../helpers/scripted-model.ts";

const h = useFixHarness("e2e-lint");

describe("/droid fix lint after edits", () => {
  it("reports the problems an edit adds, and says nothing once they are fixed", async (ctx) => {
    if (!h.available) return ctx.skip();
    // `node --check FILE` is a linter of sorts: it fails on a syntax error, naming the line.
    const yml = "setup: []\ntest: node --test\nlint: node --check\n";
    await h.git.createRepo("hello-lint", FIXTURE, { defaultBranch: "master" });
    await h.startWorker();
    const ended = expectFixJob({ droidYml: yml, pr: true, steering: 1 });
    const broken = { ...FIX_EDIT, new_str: '  if (name.trim() !== "") return name.trim();\n  return "stranger"\n}}' };
    const model = scriptModel([
      { tool: "str_replace_based_edit_tool", input: broken },
      { tool: "str_replace_based_edit_tool", input: { command: "str_replace", path: "src/greet.js", old_str: '  return "stranger"\n}}', new_str: '  return "stranger";\n}' } },
      { tool: "update_plan", input: { reason: "Fixed", updates: [{ id: "S1", state: "done" }, { id: "S2", state: "done" }] } },
      { tool: "finish", input: { summary: "Default name." } },
      { tool: "finish", input: { summary: "Default name for empty input." } },
    ]);
    const hook = await sendCommand(h, "/droid fix", { commentId: 7001, droidYml: yml, repo: "hello-lint" });
    const [job] = await h.settled();
    expect(h.crashes).toEqual([]);
    for (const s of [hook, ended.work, model.scope]) expect(s.pendingMocks()).toEqual([]);
    expect(job?.state).toBe("succeeded");
    expect(await containersOf(job?.id)).toEqual([]);

    const afterBreak = model.toolResults(1)[0] ?? "";
    expect(afterBreak).toMatch(/Lint found \d+ new problem\(s\) after this edit/);
    expect(afterBreak).toContain("SyntaxError");
    const afterFix = model.toolResults(2)[0] ?? "";
    expect(afterFix).toContain("Edited /workspace/src/greet.js");
    expect(afterFix).not.toContain("Lint found");
  }, 180_000);
});
