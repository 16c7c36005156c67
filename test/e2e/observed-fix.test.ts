/**
 * A real `/droid fix` run as an operator sees it (the e2e fix harness: real server, worker,
 * git server and Docker sandbox, a scripted model): `/metrics` of the server whose worker
 * ran the job, read with a real Prometheus text parser, counts it under its outcome with its
 * duration, the model's tokens and cost by repository and the sandbox's start; and its
 * OpenTelemetry trace reaches an OTLP/HTTP receiver the test starts on loopback — the job's
 * root span with its outcome and cost, a span per step and one per model request.
 */
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DroidMetrics } from "../../src/metrics/metrics.ts";
import { OtlpJobTracer } from "../../src/tracing/otlp-tracer.ts";
import { DROID_YML, FIXTURE, GREETING_FIX_TURNS, expectFixJob, sendCommand, useFixHarness } from "../helpers/fix-harness.ts";
import { startOtlpReceiver, type OtlpReceiver } from "../helpers/otlp-receiver.ts";
import { OWNER, REPO } from "../helpers/payloads.ts";
import { histogram, sample } from "../helpers/prometheus.ts";
import { scriptModel } from "../helpers/scripted-model.ts";
import { TEST_MODEL } from "../fixtures/anthropic.ts";

let receiver: OtlpReceiver | undefined;
let tracer: OtlpJobTracer | undefined;
const metrics = new DroidMetrics();

const h = useFixHarness("e2e-observed", () => ({ metrics, ...(tracer ? { tracer } : {}) }));

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  tracer = new OtlpJobTracer({ url: receiver.url, serviceName: "droid-test", instance: "e2e-observed", scheduledDelayMs: 200 });
});

afterAll(async () => {
  await tracer?.shutdown();
  await receiver?.close();
});

const REPO_LABEL = `${OWNER}/${REPO}`.toLowerCase();
const TURNS = GREETING_FIX_TURNS.length;

describe("a fix run, observed", () => {
  it("is counted by /metrics under its outcome and traced step by step over OTLP", async (ctx) => {
    if (!h.available) return ctx.skip();
    await h.git.createRepo("hello-observed", FIXTURE, { defaultBranch: "master" });
    await h.startWorker();
    const { work } = expectFixJob({ pr: true });
    const model = scriptModel(GREETING_FIX_TURNS);
    const hook = await sendCommand(h, "/droid fix", { commentId: 5201, droidYml: DROID_YML, repo: "hello-observed" });
    const [job] = await h.settled();
    expect(h.crashes).toEqual([]);
    expect(job).toMatchObject({ state: "succeeded", outcome: "succeeded", error: null });
    for (const s of [hook, work, model.scope]) expect(s.pendingMocks()).toEqual([]);

    // /metrics of the server whose worker ran the job.
    const response = await fetch(`${h.server.url}/metrics`);
    expect(response.status).toBe(200);
    const text = await response.text();
    const families = parsePrometheusTextFormat(text);
    expect(sample(families, "droid_jobs_total", { kind: "fix", outcome: "succeeded" })?.value).toBe("1");
    expect(family(families).filter((m) => m.labels?.outcome !== "succeeded")).toEqual([]);
    const duration = histogram(text, "droid_job_duration_seconds", { kind: "fix", outcome: "succeeded" });
    expect(duration.count).toBe("1");
    const seconds = Number(duration.sum);
    expect(seconds).toBeGreaterThan(0);
    expect(seconds * 1000).toBeLessThanOrEqual((job?.endedAt?.getTime() ?? 0) - (job?.startedAt?.getTime() ?? 0) + 1000);
    expect(histogram(text, "droid_job_wait_seconds", { kind: "fix" }).count).toBe("1");
    // Every model turn of the script: 1,200 input, 300 output and 3,000 cached tokens each.
    expect(sample(families, "droid_model_tokens_total", { repo: REPO_LABEL, type: "input" })?.value).toBe(String(1200 * TURNS));
    expect(sample(families, "droid_model_tokens_total", { repo: REPO_LABEL, type: "output" })?.value).toBe(String(300 * TURNS));
    expect(sample(families, "droid_model_tokens_total", { repo: REPO_LABEL, type: "cache_read" })?.value).toBe(String(3000 * TURNS));
    const cost = Number(sample(families, "droid_model_cost_usd_total", { repo: REPO_LABEL })?.value);
    expect(cost).toBeGreaterThan(0);
    expect(cost).toBeCloseTo(job?.costUsd ?? -1, 6);
    const sandbox = histogram(text, "droid_sandbox_start_seconds", { process: "serve" });
    expect(sandbox.count).toBe("1");
    expect(Number(sandbox.sum)).toBeGreaterThan(0);

    // The trace, as the receiver decoded it.
    await tracer?.forceFlush();
    const spans = need(receiver).spans;
    expect(need(receiver).contentTypes.every((t) => t.startsWith("application/json"))).toBe(true);
    const root = spans.find((s) => s.name === "droid.job" && s.attributes["droid.job.id"] === job?.id);
    expect(root).toBeDefined();
    expect(root?.parentSpanId).toBe("");
    expect(root?.resource).toMatchObject({ "service.name": "droid-test", "service.instance.id": "e2e-observed" });
    expect(root?.attributes).toMatchObject({ "droid.job.kind": "fix", "droid.repository": REPO_LABEL, "droid.target": "issue #1", "droid.outcome": "succeeded", "droid.job.state": "succeeded" });
    expect(Number(root?.attributes["droid.cost_usd"])).toBeCloseTo(job?.costUsd ?? -1, 6);
    const inTrace = spans.filter((s) => s.traceId === root?.traceId);
    const steps = inTrace.filter((s) => s.parentSpanId === root?.spanId && s.name.startsWith("droid.step ")).sort((a, b) => a.startMs - b.startMs);
    expect(steps.map((s) => s.attributes["droid.step"])).toEqual(["plan", "clone", "sandbox", "setup", "agent", "commit", "push", "pull-request", "report"]);
    // Each step ends where the next begins, all within the job's span (give or take the SDK's clocks:
    // a root span reads the wall clock, its children a monotonic one anchored elsewhere).
    const SLACK_MS = 1_000;
    expect(steps.every((s) => s.startMs >= (root?.startMs ?? Infinity) - SLACK_MS && s.endMs <= (root?.endMs ?? 0) + SLACK_MS)).toBe(true);
    expect(steps.slice(1).every((s, i) => s.startMs >= (steps[i]?.endMs ?? Infinity) - SLACK_MS)).toBe(true);
    // The model requests: under the step that made them, with their tokens.
    const requests = inTrace.filter((s) => s.name === `chat ${TEST_MODEL}`);
    expect(requests).toHaveLength(TURNS);
    const agent = steps.find((s) => s.attributes["droid.step"] === "agent");
    expect(requests.every((r) => r.parentSpanId === agent?.spanId)).toBe(true);
    expect(requests[0]?.attributes).toMatchObject({ "gen_ai.operation.name": "chat", "gen_ai.request.model": TEST_MODEL, "gen_ai.usage.input_tokens": 4200, "gen_ai.usage.output_tokens": 300 });
  }, 240_000);
});

function family(families: ReturnType<typeof parsePrometheusTextFormat>) {
  return families.find((f) => f.name === "droid_jobs_total")?.metrics ?? [];
}

function need<T>(value: T | undefined): T {
  if (value === undefined) throw new Error("not started");
  return value;
}
