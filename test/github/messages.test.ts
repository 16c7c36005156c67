import { describe, expect, it } from "vitest";
import { describeOutcome } from "../../src/github/fix-report.ts";
import { renderAskFailureComment } from "../../src/github/ask-comment.ts";
import { alreadyActiveMessage, rcaStoppedMessage, statusMessage, stoppedBeforePushMessage, stopMessage } from "../../src/github/messages.ts";
import type { Job } from "../../src/jobs/types.ts";
import { labeledJob } from "../fixtures/github.ts";

const job = (n: number, over: Partial<Job> = {}): Job =>
  labeledJob({ id: `${String(n).padStart(8, "0")}-aaaa-bbbb-cccc-dddddddddddd`, requester: `person-${n}`, createdAt: new Date(Date.UTC(2026, 10, 25, 12, n)), ...over });

describe("/droid status", () => {
  it("is a short list, newest first, one line a job, and mentions nobody", () => {
    const text = statusMessage(
      [
        job(1, { state: "succeeded", endedAt: new Date("2026-11-25T12:09:00Z"), costUsd: 0.0213, request: { kind: "fix", instructions: "" } }),
        job(2, { state: "failed", endedAt: new Date("2026-11-25T12:10:00Z"), error: "the model | kept\nfailing @alice" }),
        job(3, { state: "queued", startedAt: null }),
      ],
      "droid",
    );
    expect(text).toBe(
      [
        "**Droid jobs here**, newest first:",
        "",
        "- `00000003` plan · **queued** · $0.00 · queued 2026-11-25 12:03 UTC · asked by `person-3`",
        "- `00000002` plan · **failed (the model | kept failing @\u200balice)** · $0.00 · ended 2026-11-25 12:10 UTC · asked by `person-2`",
        "- `00000001` fix · **succeeded** · $0.02 · ended 2026-11-25 12:09 UTC · asked by `person-1`",
      ].join("\n"),
    );
    expect(text).not.toMatch(/(^|[^`\u200b])@\w/m);
    expect(text).not.toContain("| ---");
  });

  it("lists the ten newest and counts the rest", () => {
    const text = statusMessage(
      Array.from({ length: 13 }, (_, i) => job(i + 1)),
      "droid",
    );
    expect(text.split("\n").filter((l) => l.startsWith("- "))).toHaveLength(10);
    expect(text).toContain("`00000013`");
    expect(text).not.toContain("`00000003`");
    expect(text.endsWith("…and 3 older.")).toBe(true);
  });
});

describe("/droid stop", () => {
  it("says nothing of a running job (its own comment reports the stop), and names the queued ones it removed", () => {
    expect(stopMessage([job(1, { state: "running" })], "droid")).toBeNull();
    expect(stopMessage([job(1, { state: "running" }), job(2, { state: "queued" })], "droid")).toBe(
      [
        "Removed from the queue (it will not run):",
        "- `plan` job `00000002`",
        "",
        "Stopping the `plan` job `00000001`: its own comment will say what it did before it stopped.",
      ].join("\n"),
    );
    expect(stopMessage([], "droid")).toContain("Nothing to stop");
  });
});

describe("a run that was stopped", () => {
  it("names who stopped it, in code (no notification), and stays as before when nobody is known", () => {
    expect(stoppedBeforePushMessage("droid", "alice")).toBe("Stopped by `alice` (`/droid stop`) before any change was pushed. The sandbox was removed.");
    expect(stoppedBeforePushMessage("droid", null)).toBe("Stopped by `/droid stop` before any change was pushed. The sandbox was removed.");
    const cancelled = { kind: "cancelled", turns: 3, lastTestRun: null } as const;
    expect(describeOutcome(cancelled, "bot", "alice")).toBe("The run was stopped by `alice` (`/bot stop`).");
    expect(describeOutcome(cancelled, "bot", null)).toBe("The run was stopped by `/bot stop`.");
    // A name is never a mention, whatever it holds.
    expect(stoppedBeforePushMessage("droid", "@team `x`")).not.toMatch(/(^|[^`\u200b])@\w/);
  });

  it("a stopped question names who stopped it, and stays as before when nobody is known", () => {
    const footer = { jobId: "3f9c2d1e-aaaa-bbbb-cccc-dddddddddddd", model: "claude-test", usage: { input: 10, output: 5, cacheWrite: 0, cacheRead: 0 }, costUsd: 0.01, durationMs: 4_000 };
    const named = renderAskFailureComment({ kind: "cancelled", stoppedBy: "alice" }, footer, "bot");
    expect(named).toContain("**The question was stopped by `alice` (`/bot stop`).** Nothing was answered or changed.");
    expect(named).not.toContain("@alice");
    expect(renderAskFailureComment({ kind: "cancelled", stoppedBy: null }, footer, "bot")).toContain("**The question was cancelled.** Nothing was answered or changed.");
  });

  it("a stopped root-cause analysis names who stopped it, and stays as before when nobody is known", () => {
    expect(rcaStoppedMessage("droid", "alice")).toBe("The root-cause analysis was stopped by `alice` (`/droid stop`).");
    expect(rcaStoppedMessage("droid", null)).toBe("The root-cause analysis was stopped.");
  });
});

describe("a request while a job is active", () => {
  it("says the request was dropped and what to do; a running fix also takes plain comments", () => {
    const fix = alreadyActiveMessage(job(1, { state: "running", request: { kind: "fix", instructions: "" } }), "bot");
    expect(fix).toBe(
      "A `fix` job (`00000001`) is already running here, so I did not take this request: what it asked is dropped, not queued. " +
        "A comment without the command reaches the running fix as guidance at its next step. " +
        "Ask again once that job has posted its result, or `/bot stop` it and ask again now. `/bot status` shows where it is.",
    );
    expect(alreadyActiveMessage(job(1, { state: "queued" }), "bot")).not.toContain("guidance");
  });
});
