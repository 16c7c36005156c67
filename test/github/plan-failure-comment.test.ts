import { describe, expect, it } from "vitest";
import { renderPlanFailureComment } from "../../src/github/plan-failure-comment.ts";

const footer = { jobId: "job-1", commandWord: "droid", model: "claude-test", usage: { input: 10, output: 5, cacheWrite: 0, cacheRead: 0 }, costUsd: 0.01 };

describe("the plan-failure comment", () => {
  it("renders the validation errors as one tight list, each error on one line", () => {
    const body = renderPlanFailureComment({ kind: "invalid-plan", errors: ["subtasks: too many", "risks.0:\n  expected a string", "title: empty"] }, footer);
    expect(body).toContain("The last problems were:\n\n- subtasks: too many\n- risks.0: expected a string\n- title: empty\n\nAdding detail to the issue often helps.");
  });

  it("a stopped plan names who stopped it, in code, and stays as before when nobody is known", () => {
    const named = renderPlanFailureComment({ kind: "cancelled", stoppedBy: "alice" }, { ...footer, commandWord: "bot" });
    expect(named).toContain("**Planning was stopped by `alice` (`/bot stop`).** No plan was posted or changed.");
    expect(named).not.toContain("@alice");
    expect(renderPlanFailureComment({ kind: "cancelled", stoppedBy: null }, footer)).toContain("**Planning was cancelled.** No plan was posted or changed.");
  });
});
