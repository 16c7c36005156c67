/**
 * What runs tell a tracer (OpenTelemetry, when an OTLP endpoint is configured): one trace per
 * job — its start and how it ended — with the steps of a code run and each model request
 * inside it. Structural, like `RunMetrics`: the implementation lives at the edge
 * (`src/tracing/`), and the runs and the core never import it.
 */
import type { Job, JobOutcome } from "../jobs/types.ts";
import { ZERO_USAGE, addUsage, type LlmClient, type TokenUsage } from "../llm/index.ts";

/** Starts a job's trace; one per attempt of a job. */
export interface RunTracer {
  startJob(job: Job): JobTrace;
}

/** How a model request ended: what it used and cost, or why it failed. */
export type ModelRequestEnd = { usage: TokenUsage; costUsd: number } | { error: string };

export interface JobTrace {
  /** The run entered `step` (a code run's `RunStep`): the previous step ends here. */
  step(step: string): void;
  /** A model request starts; call the answer once it ended. */
  modelRequest(model: string): (end: ModelRequestEnd) => void;
  /** The job ended: the open step and the job's own span end. */
  end(outcome: JobOutcome, costUsd: number): void;
}

/** What the model client reports to, per job: the metrics (usage and cost by repository) and the trace. */
export interface ModelObservers {
  repo: string;
  metrics?: { modelUsage(repo: string, usage: TokenUsage, costUsd: number): void } | undefined;
  trace?: JobTrace | undefined;
}

/** The model client, telling `metrics` what each request cost (the entries it added to the job's ledger) and the trace when it ran. */
export function observedLlm(client: LlmClient, observers: ModelObservers): LlmClient {
  const { repo, metrics, trace } = observers;
  if (!metrics && !trace) return client;
  return {
    provider: client.provider,
    model: client.model,
    async createMessage(request, options) {
      const before = options.ledger.entries.length;
      const ended = trace?.modelRequest(request.model ?? client.model);
      let error: unknown = null;
      try {
        return await client.createMessage(request, options);
      } catch (thrown) {
        error = thrown;
        throw thrown;
      } finally {
        const added = options.ledger.entries.slice(before);
        for (const entry of added) metrics?.modelUsage(repo, entry.usage, entry.costUsd);
        if (error !== null) ended?.({ error: error instanceof Error ? error.name : "error" });
        else ended?.({ usage: added.reduce((sum, e) => addUsage(sum, e.usage), ZERO_USAGE), costUsd: added.reduce((sum, e) => sum + e.costUsd, 0) });
      }
    },
  };
}
