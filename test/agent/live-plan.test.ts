import { describe, expect, it } from "vitest";
import { LivePlan } from "../../src/agent/live-plan.ts";
import { updatePlanInput } from "../../src/agent/tools/inputs.ts";
import { ModelPlanSchema, type Plan } from "../../src/planning/schema.ts";
import { bugFixInput } from "../fixtures/plans.ts";

const AT = new Date("2026-11-25T12:00:00Z");

function livePlan(): LivePlan {
  const plan: Plan = { ...ModelPlanSchema.parse(bugFixInput()), template: { kind: "bug-fix", title: "Bug fix", source: "built-in", chosenBy: "label" } };
  return new LivePlan(plan, () => AT);
}

/** An update as the model sends it, through the tool's own schema. */
const update = (input: Record<string, unknown>) => updatePlanInput.parse(input);

describe("LivePlan", () => {
  it("marks states without recording a revision; rewriting, adding and removing are revisions with their reason", () => {
    const plan = livePlan();
    let changes = 0;
    plan.onChange(() => changes++);

    const marked = plan.apply(update({ reason: "started", updates: [{ id: "S1", state: "in-progress" }] }));
    expect(marked).toMatchObject({ ok: true, revision: null });
    expect(plan.revisions).toEqual([]);

    const revised = plan.apply(
      update({
        reason: "the reviewer wants blank names covered",
        updates: [{ id: "S2", change: "Return `stranger` for empty and blank names." }],
        add: [{ title: "Cover blank names", change: "A test for `\"  \"`.", verification: "It passes." }],
      }),
    );
    expect(revised).toMatchObject({ ok: true, revision: { at: AT, reason: "the reviewer wants blank names covered", changes: ["S2: change changed", "S3: added (Cover blank names)"] } });
    expect(plan.subtasks.map((s) => [s.id, s.state])).toEqual([
      ["S1", "in-progress"],
      ["S2", "todo"],
      ["S3", "todo"],
    ]);
    expect(revised.text).toContain("- [todo] S3 Cover blank names");

    const removed = plan.apply(update({ reason: "covered by S3", remove: ["S2"] }));
    expect(removed).toMatchObject({ ok: true, revision: { changes: ["S2: removed"] } });
    expect(plan.revisions.map((r) => r.reason)).toEqual(["the reviewer wants blank names covered", "covered by S3"]);
    expect(changes).toBe(3);

    // The next added subtask never reuses an id.
    plan.apply(update({ reason: "one more", add: [{ title: "Docs", change: "README.", verification: "Read it." }] }));
    expect(plan.subtasks.map((s) => s.id)).toEqual(["S1", "S3", "S4"]);
  });

  it("refuses an update whole when it names an unknown subtask, and changes nothing", () => {
    const plan = livePlan();
    const before = plan.plan;
    const refused = plan.apply(update({ reason: "typo", updates: [{ id: "S1", state: "done" }, { id: "S9", state: "done" }] }));
    expect(refused).toEqual({ ok: false, text: "No subtask S9; the subtasks are S1, S2." });
    expect(plan.apply(update({ reason: "typo", remove: ["S7"] }))).toEqual({ ok: false, text: "No subtask S7 to remove; the subtasks are S1, S2." });
    expect(plan.plan).toEqual(before);
  });

  it("keeps done subtasks: no rewriting, no removal", () => {
    const plan = livePlan();
    plan.apply(update({ reason: "done", updates: [{ id: "S1", state: "done" }] }));
    expect(plan.apply(update({ reason: "rewrite", updates: [{ id: "S1", title: "Something else" }] }))).toEqual({
      ok: false,
      text: "S1 is done; add a new subtask instead of rewriting it.",
    });
    expect(plan.apply(update({ reason: "drop", remove: ["S1"] }))).toEqual({ ok: false, text: "S1 is done and stays in the plan." });
    expect(plan.subtasks[0]).toMatchObject({ id: "S1", state: "done", title: "Reproduce the crash in a test" });
  });

  it("lets a subtask be marked done while its verification is set to what was actually checked", () => {
    const plan = livePlan();
    const result = plan.apply(update({ reason: "verified", updates: [{ id: "S2", state: "done", verification: "node --test: 2 passed." }] }));
    expect(result).toMatchObject({ ok: true });
    expect(plan.subtasks[1]).toMatchObject({ state: "done", verification: "node --test: 2 passed." });
  });

  it("says when nothing changed, and settles subtasks left in progress", () => {
    const plan = livePlan();
    expect(plan.apply(update({ reason: "nothing", updates: [{ id: "S1", state: "todo" }] }))).toEqual({ ok: true, text: "The plan is unchanged.", revision: null });
    plan.apply(update({ reason: "go", updates: [{ id: "S1", state: "done" }, { id: "S2", state: "in-progress" }] }));
    plan.settle("todo");
    expect(plan.counts()).toEqual({ todo: 1, "in-progress": 0, done: 1, failed: 0, skipped: 0 });
  });
});
