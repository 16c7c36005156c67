/**
 * Restart recovery: what happens to jobs that a dead or stopped process left behind.
 * A job is re-queued when running it again cannot duplicate anything on GitHub — a plan
 * (its comment is upserted), a fix or revision that has not pushed yet — and it has
 * attempts left; every other interrupted job is returned for the GitHub layer to
 * report on its issue with how to resume. Which kinds are safe to run again is the job
 * kind registry's answer (`runs/registry.ts`), passed in as `resumeBlocker`.
 */
import type { Logger } from "pino";
import type { JobQueue } from "./queue.ts";
import type { Job } from "./types.ts";

export type NotResumedReason =
  /** The job had pushed to its branch: running it again could conflict with what is there. */
  | "pushed"
  /** The job was interrupted `maxAttempts` times. */
  | "attempts-exhausted"
  /** The kind of job is not safe to run twice (an RCA opens an issue). */
  | "not-resumable";

export interface InterruptedJob {
  job: Job;
  reason: NotResumedReason;
}

export interface RecoveryReport {
  /** Re-queued: they run again without anyone asking. */
  requeued: Job[];
  /** To report on their issue or PR (the caller comments `howToResume`). */
  needsAttention: InterruptedJob[];
  /** Not re-queued because the target already has a newer active job of the kind: nothing to say. */
  superseded: Job[];
}

export interface RecoveryOptions {
  /** A job is re-queued only while `attempts < maxAttempts`. */
  maxAttempts: number;
  /** Why this job must not run again on its own (it pushed, or its kind is never re-run), or null. */
  resumeBlocker: (job: Job) => Exclude<NotResumedReason, "attempts-exhausted"> | null;
  log: Logger;
}

export async function recoverInterruptedJobs(queue: JobQueue, options: RecoveryOptions): Promise<RecoveryReport> {
  const report: RecoveryReport = { requeued: [], needsAttention: [], superseded: [] };
  for (const job of await queue.collectInterrupted()) {
    const log = options.log.child({ jobId: job.id, kind: job.request.kind, attempts: job.attempts });
    const blocker = job.attempts >= options.maxAttempts ? "attempts-exhausted" : options.resumeBlocker(job);
    if (blocker) {
      log.warn({ reason: blocker }, "interrupted job needs a human to resume it");
      report.needsAttention.push({ job, reason: blocker });
      continue;
    }
    const requeued = await queue.requeue(job.id);
    if (requeued) {
      log.info("interrupted job re-queued");
      report.requeued.push(requeued);
    } else {
      log.info("interrupted job superseded by a newer one; not re-queued");
      report.superseded.push(job);
    }
  }
  return report;
}

/** Runs recovery now and then every `everyMs` (leases of other hosts' workers lapse while this one runs). */
export function watchInterruptedJobs(
  queue: JobQueue,
  options: RecoveryOptions & {
    everyMs: number;
    /** True when recovery just ran (at start-up): the first sweep waits `everyMs`. */
    skipFirst?: boolean;
    onReport: (report: RecoveryReport) => Promise<void>;
  },
): () => void {
  let stopped = false;
  const sweep = async () => {
    try {
      const report = await recoverInterruptedJobs(queue, options);
      if (!stopped) await options.onReport(report);
    } catch (error) {
      options.log.error({ err: error }, "restart recovery failed; will retry");
    }
  };
  if (!options.skipFirst) void sweep();
  const timer = setInterval(() => void sweep(), options.everyMs);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
