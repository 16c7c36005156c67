/**
 * The worker loop: claims jobs from a queue, runs each with the runner for its kind,
 * and always writes the final state in a `finally`. Cancellation requests for a
 * running job abort its signal; a runner that throws is reported through `onCrash`
 * (which tells the human on GitHub) and recorded as failed.
 */
import type { Logger } from "pino";
import type { JobPatch, JobQueue } from "./queue.ts";
import type { FailureKind, Job, JobKind, JobOutcome } from "./types.ts";

export interface JobContext {
  signal: AbortSignal;
  log: Logger;
  /** Records progress (cost so far, links) while the job runs. */
  progress(patch: JobPatch): Promise<void>;
}

export type JobRunner = (job: Job, context: JobContext) => Promise<JobOutcome>;

export type JobRunners = Partial<Record<JobKind, JobRunner>>;

export interface WorkerOptions {
  queue: JobQueue;
  runners: JobRunners;
  concurrency: number;
  log: Logger;
  workerId: string;
  /** Tells the human that the job hit an internal error. Must not throw. */
  onCrash: (job: Job, error: unknown) => Promise<void>;
  /** How often to look for work when no event says there is some (durable backends). */
  pollMs?: number;
  /** The outcome kind of a runner that threw (by the error's type; default `internal-error`). */
  crashKind?: (error: unknown) => FailureKind;
  /** Told when a job starts and ends (metrics). Must not throw. */
  observer?: JobObserver;
}

/** What a worker reports about the jobs it runs. */
export interface JobObserver {
  /** A claimed job starts: it waited `waitedMs` in the queue since it was recorded. */
  jobStarted(job: Job, waitedMs: number): void;
  /** A job ended after `durationMs` of running here. */
  jobEnded(job: Job, outcome: JobOutcome, durationMs: number): void;
}

export class Worker {
  readonly #options: WorkerOptions;
  readonly #running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  readonly #unsubscribe: (() => void)[] = [];
  #pumping = false;
  #again = false;
  #stopped = true;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: WorkerOptions) {
    this.#options = options;
  }

  get kinds(): JobKind[] {
    return (Object.keys(this.#options.runners) as JobKind[]).filter((k) => this.#options.runners[k] !== undefined);
  }

  get runningJobIds(): string[] {
    return [...this.#running.keys()];
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    const { queue, pollMs = 1000 } = this.#options;
    this.#unsubscribe.push(queue.onRunnable(() => void this.pump()));
    this.#unsubscribe.push(queue.onCancel((id) => void this.#cancel(id)));
    this.#timer = setInterval(() => void this.pump(), pollMs);
    this.#timer.unref();
    void this.pump();
  }

  /** Stops taking jobs; waits for running ones up to `graceMs`, then aborts them. */
  async stop(graceMs = 0): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    for (const off of this.#unsubscribe.splice(0)) off();
    const all = Promise.all([...this.#running.values()].map((r) => r.done));
    const graceOver = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), graceMs).unref());
    if ((await Promise.race([all, graceOver])) === "timeout") {
      for (const r of this.#running.values()) r.controller.abort(new ShutdownRequested());
      await all;
    }
  }

  /** Aborts a running job for its stop request, naming who asked (recorded with the job before the request is signalled). */
  async #cancel(id: string): Promise<void> {
    if (!this.#running.has(id)) return;
    const stoppedBy = await this.#options.queue.get(id).then(
      (job) => job?.stoppedBy ?? null,
      (error: unknown) => {
        this.#options.log.warn({ err: error, jobId: id }, "could not read who stopped the job; stopping it without a name");
        return null;
      },
    );
    this.#running.get(id)?.controller.abort(new CancelRequested(stoppedBy));
  }

  /** Claims and starts jobs until the concurrency limit is reached or the queue is empty. */
  async pump(): Promise<void> {
    if (this.#pumping) {
      this.#again = true;
      return;
    }
    this.#pumping = true;
    try {
      do {
        this.#again = false;
        while (!this.#stopped && this.#running.size < this.#options.concurrency) {
          const job = await this.#options.queue.claim(this.#options.workerId, this.kinds);
          if (!job) break;
          this.#start(job);
        }
      } while (this.#again && !this.#stopped);
    } catch (error) {
      this.#options.log.error({ err: error }, "could not claim a job; will retry");
    } finally {
      this.#pumping = false;
    }
  }

  #start(job: Job): void {
    const controller = new AbortController();
    const done = this.#run(job, controller).finally(() => {
      this.#running.delete(job.id);
      void this.pump();
    });
    this.#running.set(job.id, { controller, done });
  }

  async #run(job: Job, controller: AbortController): Promise<void> {
    const { queue, runners, onCrash } = this.#options;
    const log = this.#options.log.child({
      jobId: job.id,
      kind: job.request.kind,
      repo: `${job.repo.owner}/${job.repo.name}`,
      number: job.target.number,
    });
    const runner = runners[job.request.kind];
    let outcome: JobOutcome = { state: "failed", error: "internal error", kind: "internal-error" };
    const started = performance.now();
    log.info({ attempt: job.attempts }, "job started");
    this.#options.observer?.jobStarted(job, (job.startedAt ?? new Date()).getTime() - job.createdAt.getTime());
    try {
      if (!runner) throw new Error(`no runner for ${job.request.kind}`);
      outcome = await runner(job, { signal: controller.signal, log, progress: (patch) => queue.update(job.id, patch) });
    } catch (error) {
      if (controller.signal.aborted) {
        outcome = abortOutcome(controller.signal.reason);
      } else {
        log.error({ err: error }, "job crashed");
        outcome = { state: "failed", error: `internal error (job ${job.id})`, kind: this.#options.crashKind?.(error) ?? "internal-error" };
        await onCrash(job, error);
      }
    } finally {
      try {
        await queue.finish(job.id, outcome);
        log.info({ state: outcome.state, outcome: outcome.kind, error: "error" in outcome ? outcome.error : undefined }, "job ended");
      } catch (error) {
        log.error({ err: error, outcome }, "could not record how the job ended");
      }
      this.#options.observer?.jobEnded(job, outcome, performance.now() - started);
    }
  }
}

export class CancelRequested extends Error {
  /** Who asked (`Job.stoppedBy`); null when no person did. */
  readonly stoppedBy: string | null;

  constructor(stoppedBy: string | null = null) {
    super("cancelled by /stop");
    this.name = "CancelRequested";
    this.stoppedBy = stoppedBy;
  }
}

/** Who stopped the job whose signal this is: the person named by its stop request, or null (not stopped, a shutdown, nobody named). */
export function stoppedByOf(signal: AbortSignal): string | null {
  return signal.aborted && signal.reason instanceof CancelRequested ? signal.reason.stoppedBy : null;
}

export class ShutdownRequested extends Error {
  constructor() {
    super("the worker shut down");
    this.name = "ShutdownRequested";
  }
}

function abortOutcome(reason: unknown): JobOutcome {
  if (reason instanceof ShutdownRequested) return { state: "interrupted", error: reason.message, kind: "interrupted" };
  return { state: "cancelled", kind: "stopped-by-user" };
}
