/**
 * Job processing in one process: restart recovery first (so re-queued jobs run), then
 * the worker, then a periodic recovery sweep (a worker on another host may die while
 * this one runs). `stop(graceMs)` is the graceful shutdown: no new jobs, running ones
 * get `graceMs` to finish, the rest end `interrupted` and are recovered on the next start.
 */
import type { Logger } from "pino";
import type { JobQueue } from "./queue.ts";
import { recoverInterruptedJobs, watchInterruptedJobs, type InterruptedJob, type RecoveryOptions } from "./recovery.ts";
import { Worker, type JobRunners, type WorkerOptions } from "./worker.ts";

export interface JobProcessingOptions {
  queue: JobQueue;
  runners: JobRunners;
  concurrency: number;
  workerId: string;
  /** Interrupted jobs are re-queued while `attempts < maxAttempts`. */
  maxAttempts: number;
  resumeBlocker: RecoveryOptions["resumeBlocker"];
  log: Logger;
  onCrash: WorkerOptions["onCrash"];
  crashKind?: WorkerOptions["crashKind"];
  observer?: WorkerOptions["observer"];
  /** Tells the humans about interrupted jobs that were not re-queued (how to resume). Must not throw. */
  onNeedsAttention: (jobs: InterruptedJob[]) => Promise<void>;
  /** How often to look for jobs orphaned by other processes. */
  recoveryEveryMs?: number;
  pollMs?: number;
}

export interface JobProcessing {
  worker: Worker;
  stop(graceMs: number): Promise<void>;
}

export async function startJobProcessing(options: JobProcessingOptions): Promise<JobProcessing> {
  const { queue, log, maxAttempts, resumeBlocker } = options;
  const recoveryLog = log.child({ name: "recovery" });
  const report = async (jobs: InterruptedJob[]) => {
    if (jobs.length > 0) await options.onNeedsAttention(jobs);
  };
  const first = await recoverInterruptedJobs(queue, { maxAttempts, resumeBlocker, log: recoveryLog });
  recoveryLog.info(
    { requeued: first.requeued.length, reported: first.needsAttention.length, superseded: first.superseded.length },
    "restart recovery done",
  );
  await report(first.needsAttention);
  const worker = new Worker({
    queue,
    runners: options.runners,
    concurrency: options.concurrency,
    log: log.child({ name: "worker" }),
    workerId: options.workerId,
    onCrash: options.onCrash,
    ...(options.crashKind ? { crashKind: options.crashKind } : {}),
    ...(options.observer ? { observer: options.observer } : {}),
    ...(options.pollMs ? { pollMs: options.pollMs } : {}),
  });
  worker.start();
  const stopWatching = watchInterruptedJobs(queue, {
    maxAttempts,
    resumeBlocker,
    log: recoveryLog,
    everyMs: options.recoveryEveryMs ?? 60_000,
    skipFirst: true,
    onReport: (sweep) => report(sweep.needsAttention),
  });
  return {
    worker,
    async stop(graceMs) {
      stopWatching();
      await worker.stop(graceMs);
    },
  };
}
