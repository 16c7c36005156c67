/**
 * Droid's metrics for operators, in one prom-client registry per process: webhooks and how
 * fast they are acknowledged, jobs by kind and outcome, how long they waited and ran, the
 * queue's depth (read from the job store when scraped), model tokens and cost by
 * repository, sandbox start and setup times, and Node's own process metrics. Served on
 * `/metrics` (`endpoints.ts`). Everything here is told, never asked: the worker, the runs
 * and the HTTP server call in through small structural interfaces, so nothing else imports
 * prom-client.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { Job, JobOutcome } from "../jobs/types.ts";
import type { TokenUsage } from "../llm/ledger.ts";

/** Seconds, from a fast webhook acknowledgement to a long fix run. */
const SHORT = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const LONG = [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600];

/** The job store's current counts, read at each scrape. */
export type QueueDepth = () => Promise<{ queued: number; running: number }>;

export class DroidMetrics {
  readonly registry = new Registry();
  readonly #webhooks: Counter<"event" | "status">;
  readonly #ack: Histogram<"event">;
  readonly #jobs: Counter<"kind" | "outcome">;
  readonly #duration: Histogram<"kind" | "outcome">;
  readonly #wait: Histogram<"kind">;
  readonly #tokens: Counter<"repo" | "type">;
  readonly #cost: Counter<"repo">;
  readonly #sandboxStart: Histogram;
  readonly #setup: Histogram<"result">;
  readonly #queue: Gauge<"state"> | null;

  constructor(options: { queueDepth?: QueueDepth; process?: string } = {}) {
    const registers = [this.registry];
    this.registry.setDefaultLabels({ process: options.process ?? "serve" });
    collectDefaultMetrics({ register: this.registry });
    this.#webhooks = new Counter({ name: "droid_webhook_deliveries_total", help: "GitHub webhook deliveries answered, by event and HTTP status", labelNames: ["event", "status"], registers });
    this.#ack = new Histogram({ name: "droid_webhook_ack_seconds", help: "Time from a delivery's arrival to its answer", labelNames: ["event"], buckets: SHORT, registers });
    this.#jobs = new Counter({ name: "droid_jobs_total", help: "Jobs ended here, by kind and outcome", labelNames: ["kind", "outcome"], registers });
    this.#duration = new Histogram({ name: "droid_job_duration_seconds", help: "How long a job ran, by kind and outcome", labelNames: ["kind", "outcome"], buckets: LONG, registers });
    this.#wait = new Histogram({ name: "droid_job_wait_seconds", help: "How long a job waited in the queue before it started, by kind", labelNames: ["kind"], buckets: LONG, registers });
    this.#tokens = new Counter({ name: "droid_model_tokens_total", help: "Model tokens used, by repository and type (input, output, cache_read, cache_write)", labelNames: ["repo", "type"], registers });
    this.#cost = new Counter({ name: "droid_model_cost_usd_total", help: "Model cost in US dollars, by repository", labelNames: ["repo"], registers });
    this.#sandboxStart = new Histogram({ name: "droid_sandbox_start_seconds", help: "Time to create and start a sandbox and copy the work tree in", buckets: SHORT.concat([30, 60]), registers });
    this.#setup = new Histogram({ name: "droid_setup_duration_seconds", help: "Time the repository's setup took in the sandbox, by result", labelNames: ["result"], buckets: LONG, registers });
    const queueDepth = options.queueDepth;
    this.#queue = !queueDepth
      ? null
      : new Gauge({
        name: "droid_queue_jobs",
        help: "Jobs in the job store by state (queued, running), read when scraped",
        labelNames: ["state"],
        registers,
        async collect() {
          const depth = await queueDepth();
          this.set({ state: "queued" }, depth.queued);
          this.set({ state: "running" }, depth.running);
        },
      });
  }

  /** Whether the queue's depth is read at each scrape. */
  get readsQueueDepth(): boolean {
    return this.#queue !== null;
  }

  /** The Prometheus text exposition of every metric. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  webhookAnswered(event: string, status: number, seconds: number): void {
    this.#webhooks.inc({ event, status: String(status) });
    this.#ack.observe({ event }, seconds);
  }

  jobStarted(job: Job, waitedMs: number): void {
    this.#wait.observe({ kind: job.request.kind }, Math.max(0, waitedMs) / 1000);
  }

  jobEnded(job: Job, outcome: JobOutcome, durationMs: number): void {
    const labels = { kind: job.request.kind, outcome: outcome.kind };
    this.#jobs.inc(labels);
    this.#duration.observe(labels, durationMs / 1000);
  }

  modelUsage(repo: string, usage: TokenUsage, costUsd: number): void {
    this.#tokens.inc({ repo, type: "input" }, usage.input);
    this.#tokens.inc({ repo, type: "output" }, usage.output);
    this.#tokens.inc({ repo, type: "cache_read" }, usage.cacheRead);
    this.#tokens.inc({ repo, type: "cache_write" }, usage.cacheWrite);
    this.#cost.inc({ repo }, costUsd);
  }

  sandboxStarted(seconds: number): void {
    this.#sandboxStart.observe(seconds);
  }

  setupFinished(seconds: number, result: "succeeded" | "failed" | "stopped"): void {
    this.#setup.observe({ result }, seconds);
  }
}
