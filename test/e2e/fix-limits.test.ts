/**
 * Runs that end before the plan is done, end to end (real server, worker, sandbox and
 * git server; scripted model): the budget, the turn limit, and a model that stops
 * calling tools. Each ends cleanly: the work so far as a draft PR when files changed,
 * a clear comment otherwise, and the closing comment names what ended the run.
 */
import { describe, expect, it } from "vitest";
import { BRANCH, FIX_EDIT, FIXTURE, containersOf, expectFixJob, sendCommand, useFixHarness } from "../helpers/fix-harness.ts";
import { scriptModel, type Turn } from "../helpers/scripted-model.ts";

const h = useFixHarness("e2e-limits");

async function runFix(repo: string, droidYml: string, turns: Turn[], options: { pr: boolean; steeringPolls: number }) {
  await h.git.createRepo(repo, FIXTURE, { defaultBranch: "master" });
  await h.startWorker();
  const ended = expectFixJob({ droidYml, pr: options.pr, steering: options.steeringPolls });
  const model = scriptModel(turns);
  const hook = await sendCommand(h, "/droid fix", { commentId: 5001, droidYml, repo });
  const [job] = await h.settled();
  expect(h.crashes).toEqual([]);
  for (const s of [hook, ended.work, model.scope]) expect(s.pendingMocks()).toEqual([]);
  expect(await containersOf(job?.id)).toEqual([]);
  return { ...ended, job, model };
}

describe("/droid fix limits", () => {
  it("a budget too small for one request: no model call, no push, a comment naming the budget", async (ctx) => {
    if (!h.available) return ctx.skip();
    const yml = "setup: []\ntest: node --test\nbudget:\n  usd: 0.01\n";
    const { job, model, comments, planEdits } = await runFix("hello-budget-none", yml, [], { pr: false, steeringPolls: 0 });

    expect(model.requests).toHaveLength(0);
    expect(job?.state).toBe("failed");
    expect(job?.error).toMatch(/^limit reached: the job's budget of \$0\.01 \(spent \$0\.00, 0 tokens; the next model request, estimated at (\$0\.\d\d|< \$0\.01), would cross it\)$/);
    expect(comments[0]).toContain("The run stopped at its limit: the job's budget of $0.01");
    expect(comments[0]).toContain("Nothing was pushed: the agent changed no files.");
    expect(comments[0]).toContain("raise `budget.usd` (or `budget.tokens`) in `.github/droid.yml`");
    const plan = planEdits.at(-1) ?? "";
    expect(plan).toMatch(/\n⚠️ Budget reached · \d+ s · \$0\.00 · job `[0-9a-f]{8}`\n/);
    expect(plan).toContain("**Next:** Nothing was changed. `/droid fix [instructions]` tries again with your guidance once you raise `budget.usd` (or `budget.tokens`) in `.github/droid.yml`");
    expect(plan).not.toContain("cancels the run");
    expect((await h.git.git("hello-budget-none", "branch", "--list", "droid/*")).trim()).toBe("");
  }, 180_000);

  it("a budget crossed mid-run: the work so far as a draft PR, the limit named", async (ctx) => {
    if (!h.available) return ctx.skip();
    const yml = "setup: []\ntest: node --test\nbudget:\n  usd: 0.1\n";
    const { job, model, comments, prs } = await runFix(
      "hello-budget",
      yml,
      [
        { tool: "update_plan", input: { reason: "Fixing first", updates: [{ id: "S2", state: "in-progress" }] } },
        { tool: "str_replace_based_edit_tool", input: FIX_EDIT },
        // An expensive answer: recorded, then the budget is found crossed and its tool call not run.
        { tool: "run_tests", input: {}, usage: { input: 2000, output: 20_000 } },
      ],
      { pr: true, steeringPolls: 1 },
    );

    expect(model.requests).toHaveLength(3);
    expect(job).toMatchObject({ state: "failed", links: { pullRequestNumber: 7 } });
    expect(job?.error).toMatch(/^limit reached: the job's budget of \$0\.10 \(spent \$0\.\d+, [\d,]+ tokens\)$/);
    expect(prs[0]).toMatchObject({ head: BRANCH, draft: true });
    // Partial work: Refs, not Closes; the limit stated once, with the setting to raise; the cut-off subtask not finished.
    const body = String(prs[0]?.body);
    expect(body).toMatch(/^⚠️ Budget reached · \d+ s · \$0\.\d\d · job `[0-9a-f]{8}`\n\nRefs #1 — not complete\. The run stopped at the job's budget of \$0\.10 /);
    expect(body).not.toContain("Closes #");
    expect(body.split("budget of $0.10")).toHaveLength(2);
    expect(body).toContain("with 0 of 2 subtasks done. Raise `budget.usd` (or `budget.tokens`) in `.github/droid.yml`, then comment `/droid fix` on #1 to continue.");
    expect(body).toMatch(/\*\*Not finished \(2\):\*\*\n\n- ⬜ \*\*S1\*\* .*\n- ⬜ \*\*S2\*\* /);
    expect(body).not.toContain("❌");
    expect(body).toContain("### Open questions");
    expect(body).toContain("`src/greet.js` (modified)");
    expect(comments[0]).toContain("Opened #7 (a draft).");
    expect(comments[0]).toMatch(/^⚠️ Budget reached · \d+ s · \$0\.\d\d · draft PR #7\n/);
    expect(comments[0]).toContain("The run stopped at its limit: the job's budget of $0.10");
    expect(comments[0]).toMatch(/\*\*Not finished:\*\* S1 .*; S2 /);
    expect(comments[0]).not.toContain("failed");
    expect(comments[0]).toContain("**Next:** #7 is a draft with the partial work. The plan is not finished.");
    expect(await h.git.git("hello-budget", "show", `${BRANCH}:src/greet.js`)).toContain('return "stranger";');
    expect(await h.git.git("hello-budget", "log", "-1", "--format=%s", BRANCH)).toContain("(partial)");
  }, 180_000);

  it("the turn limit: a draft PR with the work so far and the limit named", async (ctx) => {
    if (!h.available) return ctx.skip();
    const yml = "setup: []\ntest: node --test\nfix:\n  maxTurns: 3\n";
    const { job, model, comments, prs } = await runFix(
      "hello-turns",
      yml,
      [
        { tool: "update_plan", input: { reason: "Fixing first", updates: [{ id: "S2", state: "in-progress" }] } },
        { tool: "str_replace_based_edit_tool", input: FIX_EDIT },
        { tool: "run_tests", input: {} },
      ],
      { pr: true, steeringPolls: 1 },
    );

    expect(model.requests).toHaveLength(3);
    expect(job).toMatchObject({ state: "failed", error: "limit reached: the turn limit (3 turns)", links: { pullRequestNumber: 7 } });
    expect(prs[0]).toMatchObject({ head: BRANCH, draft: true });
    expect(String(prs[0]?.body)).toMatch(/✅ tests \(tap\): 0 failed, 2 passed/);
    expect(comments[0]).toContain("The run stopped at its limit: the turn limit (3 turns).");
    expect(comments[0]).toContain("Opened #7 (a draft).");
    expect(comments[0]).toContain("raise `fix.maxTurns`");
    expect(String(prs[0]?.body)).toContain("Refs #1 — not complete. The run stopped at the turn limit (3 turns) with 0 of 2 subtasks done. Raise `fix.maxTurns`");
  }, 180_000);

  it("a model that stops calling tools: failed after three prose answers, with a clear comment", async (ctx) => {
    if (!h.available) return ctx.skip();
    const yml = "setup: []\ntest: node --test\n";
    const { job, model, comments, planEdits } = await runFix(
      "hello-idle",
      yml,
      [{ text: "I think the bug is in normalizeName." }, { text: "It returns undefined for empty names." }, { text: "Someone should fix it." }],
      { pr: false, steeringPolls: 1 },
    );

    expect(model.requests).toHaveLength(3);
    const nudge = "Use the tools to carry out the plan. When it is done, call `finish`.";
    expect(JSON.stringify(model.requests[1]?.messages.at(-1))).toContain(nudge);
    expect(JSON.stringify(model.requests[2]?.messages.at(-1))).toContain(nudge);
    expect(job).toMatchObject({ state: "failed", error: "the model stopped calling tools without finishing" });
    expect(comments[0]).toContain("The run failed: the model stopped calling tools without finishing.");
    expect(comments[0]).toContain("Nothing was pushed: the agent changed no files.");
    expect(comments[0]).toContain("**Done:** no subtask yet.");
    expect(planEdits.at(-1)).toContain("\n❌ Failed · ");
    expect((await h.git.git("hello-idle", "branch", "--list", "droid/*")).trim()).toBe("");
  }, 180_000);
});
