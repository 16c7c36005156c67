import { describe, expect, it } from "vitest";
import { FINISHED, prBody, worstPlan } from "../fixtures/worst-texts.ts";
import { nextAdvice, runFactsSchema, stateLabel, statusLine, type RunFacts } from "../../src/github/run-status.ts";

const facts = (over: Partial<RunFacts>): RunFacts => ({ end: { kind: "finished" }, filesChanged: 2, pushed: true, tests: "passed", ...over });
const job = { id: "3f9c2d1e-8b7a-4c65-9e21-0d4f5a6b7c8d", pageUrl: null };

describe("the status line", () => {
  it("says state · duration · cost · link, the pull request when there is one", () => {
    expect(statusLine({ label: stateLabel({ kind: "finished" }), durationMs: 240_000, costUsd: 0.05, running: false, pullRequest: { number: 7, draft: false }, job })).toBe("✅ Done · 4 min · $0.05 · PR #7");
    expect(statusLine({ label: stateLabel({ kind: "limit", limit: "budget" }), durationMs: 1_083_000, costUsd: 4.62, running: false, pullRequest: { number: 7, draft: true }, job })).toBe(
      "⚠️ Budget reached · 18 min · $4.62 · draft PR #7",
    );
    expect(statusLine({ label: stateLabel({ kind: "cancelled", stoppedBy: null }), durationMs: 30_000, costUsd: 0.004, running: false, pullRequest: null, job })).toBe("⏹ Stopped · 30 s · < $0.01 · job `3f9c2d1e`");
  });

  it("names who stopped the run, in code so that they are not notified; nobody when no person is known", () => {
    expect(statusLine({ label: stateLabel({ kind: "cancelled", stoppedBy: "alice" }), durationMs: 240_000, costUsd: 0.05, running: false, pullRequest: null, job })).toBe(
      "⏹ Stopped by `alice` · 4 min · $0.05 · job `3f9c2d1e`",
    );
    expect(statusLine({ label: stateLabel({ kind: "cancelled", stoppedBy: "alice" }), durationMs: 240_000, costUsd: 0.05, running: false, pullRequest: { number: 7, draft: true }, job })).toBe(
      "⏹ Stopped by `alice` · 4 min · $0.05 · draft PR #7",
    );
    // Facts recorded before stops were attributed (a retry's checkpoint) name nobody.
    expect(runFactsSchema.parse({ end: { kind: "cancelled" }, filesChanged: 1, pushed: false, tests: "not-run" }).end).toEqual({ kind: "cancelled", stoppedBy: null });
  });

  it("says 'so far' only while the run goes on", () => {
    const running = statusLine({ label: stateLabel("running"), durationMs: 65_000, costUsd: 0.2, running: true, pullRequest: null, job: { ...job, pageUrl: "https://droid.example.com/runs/x" } });
    expect(running).toBe("⏳ Running · 1 min · $0.20 so far · [job `3f9c2d1e`](https://droid.example.com/runs/x)");
  });

  it("names each limit", () => {
    expect(stateLabel({ kind: "limit", limit: "turns" })).toBe("⚠️ Turn limit reached");
    expect(stateLabel({ kind: "limit", limit: "time" })).toBe("⚠️ Time limit reached");
    expect(stateLabel({ kind: "failed" })).toBe("❌ Failed");
    expect(stateLabel("not-pushed")).toBe("⛔ Not pushed");
  });
});

describe("Next, from what the run left", () => {
  it("a ready pull request with green tests: review it", () => {
    expect(nextAdvice(facts({}), { number: 7, draft: false }, "droid")).toBe("Review #7; review comments there steer the next revision.");
  });

  it("a finished run whose tests are red: the draft, and that its tests fail — never 'review'", () => {
    const next = nextAdvice(facts({ tests: "failed" }), { number: 7, draft: true }, "droid");
    expect(next).toBe("#7 is a draft with the partial work. Its tests are failing. `/droid fix [instructions]` continues it; review comments on #7 steer it.");
  });

  it("a limit with a draft: continue, after raising the limit's setting", () => {
    const next = nextAdvice(facts({ end: { kind: "limit", limit: "turns" }, tests: "not-run" }), { number: 7, draft: true }, "bot");
    expect(next).toBe("#7 is a draft with the partial work. The plan is not finished. `/bot fix [instructions]` continues it once you raise `fix.maxTurns` in `.github/droid.yml`; review comments on #7 steer it.");
  });

  it("changes that were not pushed: no pull request is mentioned", () => {
    const next = nextAdvice(facts({ end: { kind: "cancelled", stoppedBy: null }, pushed: false }), null, "droid");
    expect(next).toBe("The changes were not pushed. `/droid fix [instructions]` starts again, or `/droid plan <feedback>` changes the plan first.");
    expect(next).not.toMatch(/pull request|#\d/);
  });

  it("changes not pushed while an earlier run's pull request exists: says which work the PR holds", () => {
    const next = nextAdvice(facts({ end: { kind: "cancelled", stoppedBy: null }, pushed: false }), { number: 7, draft: true }, "droid");
    expect(next).toBe("This run's changes were not pushed; #7 holds the earlier work. `/droid fix [instructions]` starts again, or `/droid plan <feedback>` changes the plan first.");
  });

  it("nothing changed, even though the agent said it finished: no review advice", () => {
    const next = nextAdvice(facts({ filesChanged: 0, pushed: false }), null, "droid");
    expect(next).toBe("Nothing was changed. `/droid fix [instructions]` tries again with your guidance, or `/droid plan <feedback>` changes the plan first.");
  });
});

describe("the PR body of a finished run that is not complete", () => {
  it("says why it does not close the issue: tests red, or tests not run", () => {
    const red = prBody({ ...FINISHED, lastTestRun: { command: "npm test", exitCode: 1, line: "tests: 1 failed", summary: { runner: "unknown", ok: false, exitCode: 1 } } }, worstPlan(20), 1);
    expect(red).toContain("Refs #12 — not complete. The agent finished the plan, but the tests do not pass yet");
    const notRun = prBody({ ...FINISHED, lastTestRun: null }, worstPlan(20), 1);
    expect(notRun).toContain("Refs #12 — not complete. The agent finished the plan, but the tests were not run");
    expect(prBody(FINISHED, worstPlan(20), 1)).toContain("\n\nCloses #12\n");
  });
});
