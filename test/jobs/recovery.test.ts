import { afterEach, describe, expect, it } from "vitest";
import { howToResume, interruptedMessage } from "../../src/github/interrupted.ts";
import { MemoryJobQueue } from "../../src/jobs/memory-queue.ts";
import { recoverInterruptedJobs, watchInterruptedJobs, type RecoveryReport } from "../../src/jobs/recovery.ts";
import type { JobLinks, JobRequest } from "../../src/jobs/types.ts";
import { resumeBlocker } from "../../src/runs/registry.ts";
import { silentLog } from "../helpers/github.ts";
import { eventually, FIX, newJob, PLAN, revise } from "./fixtures.ts";

const stops: (() => void)[] = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
});

/** Records a job, runs it `times` times, each run ending interrupted (as a shutdown or crash would). */
async function interrupted(queue: MemoryJobQueue, number: number, request: JobRequest, links: JobLinks = {}, times = 1) {
  const { job } = await queue.enqueue(newJob({ number, request, targetKind: request.kind === "revise" ? "pull_request" : "issue" }));
  for (let run = 1; run <= times; run++) {
    if (run > 1 && !(await queue.requeue(job.id))) throw new Error("could not re-queue");
    await queue.claim("w", [request.kind]);
    await queue.finish(job.id, { state: "interrupted", error: "the worker shut down", kind: "interrupted" }, { links });
  }
  return job.id;
}

describe("recoverInterruptedJobs", () => {
  it("re-queues what is safe to run again and reports the rest with how to resume", async () => {
    const queue = new MemoryJobQueue();
    const plan = await interrupted(queue, 1, PLAN, { planCommentId: 5 });
    const fixBeforePush = await interrupted(queue, 2, FIX, { branch: "droid/issue-2" });
    const fixPushed = await interrupted(queue, 3, FIX, { branch: "droid/issue-3", pushed: true });
    const revisePushed = await interrupted(queue, 4, revise("droid/issue-4"), { pushed: true });
    const exhausted = await interrupted(queue, 5, PLAN, {}, 3);
    const rca = await interrupted(queue, 6, { kind: "rca", source: "issue", sentryIssueId: null });

    const report = await recoverInterruptedJobs(queue, { maxAttempts: 3, resumeBlocker, log: silentLog });

    expect(report.requeued.map((j) => j.id).sort()).toEqual([plan, fixBeforePush].sort());
    expect((await queue.get(plan))?.state).toBe("queued");
    expect(report.needsAttention.map((n) => [n.job.id, n.reason])).toEqual([
      [fixPushed, "pushed"],
      [revisePushed, "pushed"],
      [exhausted, "attempts-exhausted"],
      [rca, "not-resumable"],
    ]);
    const [fix, review, tired] = report.needsAttention;
    expect(howToResume(fix!.job, "droid")).toBe("Comment `/droid fix` to continue. The work so far is on the branch `droid/issue-3`.");
    expect(howToResume(review!.job, "droid")).toMatch(/Submit your review again.*`droid\/issue-4`/);
    expect(howToResume(tired!.job, "droid")).toBe("Comment `/droid plan` to plan again.");
    expect(interruptedMessage(fix!, "droid")).toMatch(/^Droid's `fix` job \(`.+`\) was interrupted: the worker shut down\. It had already pushed/);
    expect(interruptedMessage(tired!, "droid")).toMatch(/interrupted 3 times, so I stopped retrying it/);
    // The short job id, and the rca advice names the command that runs it again.
    expect(interruptedMessage(fix!, "droid")).toContain(`job (\`${fixPushed.slice(0, 8)}\`)`);
    expect(interruptedMessage(fix!, "droid")).not.toContain(fixPushed);
    expect(howToResume(report.needsAttention[3]!.job, "droid")).toBe("Comment `/droid rca` to run the analysis again.");
    // The repository's command word, wherever the text names a command.
    expect(interruptedMessage(fix!, "bot")).toContain("Comment `/bot fix` to continue.");
    expect(howToResume(tired!.job, "bot")).toBe("Comment `/bot plan` to plan again.");
    // Each interrupted job is handled once.
    expect(await recoverInterruptedJobs(queue, { maxAttempts: 3, resumeBlocker, log: silentLog })).toEqual({
      requeued: [],
      needsAttention: [],
      superseded: [],
    });
  });

  it("leaves a job superseded by a newer request alone", async () => {
    const queue = new MemoryJobQueue();
    const old = await interrupted(queue, 1, PLAN);
    const newer = await queue.enqueue(newJob({ number: 1 }));
    const report = await recoverInterruptedJobs(queue, { maxAttempts: 3, resumeBlocker, log: silentLog });
    expect(report.superseded.map((j) => j.id)).toEqual([old]);
    expect((await queue.get(old))?.state).toBe("interrupted");
    expect((await queue.get(newer.job.id))?.state).toBe("queued");
  });

  it("keeps sweeping: jobs interrupted later are recovered by the watch", async () => {
    const queue = new MemoryJobQueue();
    const reports: RecoveryReport[] = [];
    stops.push(
      watchInterruptedJobs(queue, {
        maxAttempts: 3,
        resumeBlocker,
        log: silentLog,
        everyMs: 50,
        onReport: async (report) => void reports.push(report),
      }),
    );
    const id = await interrupted(queue, 9, PLAN);
    await eventually(() => reports.some((r) => r.requeued.some((j) => j.id === id)));
    expect((await queue.get(id))?.state).toBe("queued");
  });
});
