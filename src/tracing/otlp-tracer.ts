/**
 * OpenTelemetry traces of Droid's jobs, exported over OTLP/HTTP (JSON) when an endpoint is
 * configured (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, or `OTEL_EXPORTER_OTLP_ENDPOINT` +
 * `/v1/traces`): one trace per job attempt, its root span `droid.job` (kind, repository,
 * target, outcome kind, state, cost), a child span per step of a code run (`droid.step
 * clone`, …) and a span per model request (`chat <model>`, GenAI attributes: tokens, cost)
 * under the step it was made in. Spans are batched and sent in the background; `shutdown()`
 * sends what is left. Nothing else imports the OpenTelemetry SDK: the runs report through
 * the structural `RunTracer` (`runs/job-trace.ts`).
 */
import { ROOT_CONTEXT, SpanStatusCode, trace, type Attributes, type Context, type Span, type Tracer } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import type { Job, JobOutcome } from "../jobs/types.ts";
import type { TokenUsage } from "../llm/index.ts";

export interface OtlpTracingOptions {
  /** Where spans are posted (the full `/v1/traces` URL). */
  url: string;
  /** `service.name` (`OTEL_SERVICE_NAME`, default `droid`). */
  serviceName: string;
  /** `service.instance.id`: `DROID_INSTANCE`. */
  instance: string;
  /** How long spans wait to be sent in a batch (the SDK's default is 5 s). */
  scheduledDelayMs?: number;
}

type ModelRequestEnd = { usage: TokenUsage; costUsd: number } | { error: string };

export class OtlpJobTracer {
  readonly #provider: TracerProvider;
  readonly #tracer: Tracer;

  constructor(options: OtlpTracingOptions) {
    const exporter = new OTLPTraceExporter({ url: options.url });
    this.#provider = new TracerProvider({
      resource: resourceFromAttributes({ "service.name": options.serviceName, "service.instance.id": options.instance }),
      spanProcessors: [new BatchSpanProcessor({ exporter, scheduledDelayMillis: options.scheduledDelayMs ?? 5000 })],
    });
    this.#tracer = this.#provider.getTracer("droid");
  }

  startJob(job: Job) {
    const tracer = this.#tracer;
    const root = tracer.startSpan("droid.job", {
      root: true,
      attributes: {
        "droid.job.id": job.id,
        "droid.job.kind": job.request.kind,
        "droid.job.attempt": job.attempts,
        "droid.repository": `${job.repo.owner}/${job.repo.name}`.toLowerCase(),
        "droid.target": job.target.kind === "jira_issue" ? `Jira issue ${job.target.number}` : `${job.target.kind === "issue" ? "issue" : "pull request"} #${job.target.number}`,
        "droid.requester": job.requester,
      },
    });
    let step: Span | null = null;
    return {
      step(name: string) {
        step?.end();
        step = tracer.startSpan(`droid.step ${name}`, { attributes: { "droid.step": name } }, within(root));
      },
      modelRequest(model: string) {
        const span = tracer.startSpan(`chat ${model}`, { attributes: { "gen_ai.operation.name": "chat", "gen_ai.request.model": model } }, within(step ?? root));
        return (end: ModelRequestEnd) => {
          if ("error" in end) span.setStatus({ code: SpanStatusCode.ERROR, message: end.error });
          else span.setAttributes(usageAttributes(end.usage, end.costUsd));
          span.end();
        };
      },
      end(outcome: JobOutcome, costUsd: number) {
        step?.end();
        step = null;
        root.setAttributes({ "droid.outcome": outcome.kind, "droid.job.state": outcome.state, "droid.cost_usd": costUsd });
        if (outcome.state === "failed") root.setStatus({ code: SpanStatusCode.ERROR, message: outcome.error });
        root.end();
      },
    };
  }

  /** Sends the spans still waiting. */
  forceFlush(): Promise<void> {
    return this.#provider.forceFlush();
  }

  /** Sends what is left and stops. */
  shutdown(): Promise<void> {
    return this.#provider.shutdown();
  }
}

/** A context whose active span is `span`: children are started in it explicitly (no context manager is needed). */
function within(span: Span): Context {
  return trace.setSpan(ROOT_CONTEXT, span);
}

function usageAttributes(usage: TokenUsage, costUsd: number): Attributes {
  return {
    "gen_ai.usage.input_tokens": usage.input + usage.cacheRead + usage.cacheWrite,
    "gen_ai.usage.output_tokens": usage.output,
    "gen_ai.usage.cache_read.input_tokens": usage.cacheRead,
    "gen_ai.usage.cache_creation.input_tokens": usage.cacheWrite,
    "droid.cost_usd": costUsd,
  };
}
