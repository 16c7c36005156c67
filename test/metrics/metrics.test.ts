/**
 * `/metrics`, `/healthz` and `/readyz` on Droid's real HTTP server (as `droid serve` has them)
 * and on a worker's own server, read back with a real Prometheus text parser.
 */
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { afterEach, describe, expect, it } from "vitest";
import { MemoryJobQueue } from "../../src/jobs/memory-queue.ts";
import { Worker } from "../../src/jobs/worker.ts";
import { operatorRoutes, startOperatorServer } from "../../src/metrics/endpoints.ts";
import { DroidMetrics } from "../../src/metrics/metrics.ts";
import { newJob, eventually } from "../jobs/fixtures.ts";
import { silentLog, WEBHOOK_SECRET } from "../helpers/github.ts";
import { example, OWNER, REPO } from "../helpers/payloads.ts";
import { startTestServer } from "../helpers/server.ts";
import { sendWebhook } from "../helpers/webhook.ts";
import { family, histogram, sample } from "../helpers/prometheus.ts";

const TOKEN = "metrics-token-0123456789";
const stops: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).toReversed()) await stop();
});

/** A merged pull request Droid opened (a bot's, from its `droid/<issue>-…` branch). */
function mergedDroidPullRequest() {
  const payload = example("pull_request", "closed");
  Object.assign(payload.pull_request, { number: 7, merged: true, merged_at: "2026-11-26T10:00:00Z" });
  payload.pull_request.user.type = "Bot";
  payload.pull_request.head.ref = "droid/1-greeting-crashes-on-an-empty-name";
  return payload;
}

describe("operators' endpoints on droid serve", () => {
  it("counts webhooks and jobs by outcome, reads the queue's depth, and guards /metrics with the token", async () => {
    const queue = new MemoryJobQueue();
    const metrics = new DroidMetrics({ queueDepth: () => queue.depth() });
    const server = await startTestServer(queue, { operator: { metrics, token: TOKEN, checks: [{ name: "sqlite", check: () => queue.depth() }] } });
    stops.push(() => server.stop());

    // A merged pull request of Droid's is recorded (no job, no GitHub call); another one is not.
    expect((await sendWebhook(server.url, "pull_request", mergedDroidPullRequest(), { secret: WEBHOOK_SECRET })).status).toBe(200);
    const human = example("pull_request", "closed");
    Object.assign(human.pull_request, { number: 8, merged: true });
    expect((await sendWebhook(server.url, "pull_request", human, { secret: WEBHOOK_SECRET })).status).toBe(200);
    expect(await queue.merges()).toEqual([{ repo: `${OWNER}/${REPO}`.toLowerCase(), number: 7, mergedAt: new Date("2026-11-26T10:00:00Z") }]);

    // Two jobs through a worker that reports to the metrics: one succeeds, one hits its turn limit.
    const worker = new Worker({
      queue,
      runners: { fix: async (job) => (job.target.number === 1 ? { state: "succeeded", kind: "succeeded" } : { state: "failed", error: "limit reached", kind: "turn-limit" }) },
      concurrency: 1,
      log: silentLog,
      workerId: "w",
      onCrash: async () => {},
      observer: metrics,
    });
    await queue.enqueue(newJob({ number: 1, request: { kind: "fix", instructions: "" } }));
    await queue.enqueue(newJob({ number: 2, request: { kind: "fix", instructions: "" } }));
    await queue.enqueue(newJob({ number: 3 }));
    worker.start();
    stops.push(() => worker.stop());
    await eventually(async () => (await queue.depth()).running === 0 && (await queue.endedSince(new Date(0))).length === 2);

    const refused = await fetch(`${server.url}/metrics`);
    expect(refused.status).toBe(401);
    expect((await fetch(`${server.url}/metrics`, { headers: { authorization: "Bearer wrong-token-0123456789" } })).status).toBe(401);
    const response = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/plain");
    const text = await response.text();
    const families = parsePrometheusTextFormat(text);

    expect(sample(families, "droid_webhook_deliveries_total", { event: "pull_request", status: "200" })?.value).toBe("2");
    expect(histogram(text, "droid_webhook_ack_seconds", { event: "pull_request" }).count).toBe("2");
    expect(sample(families, "droid_jobs_total", { kind: "fix", outcome: "succeeded" })?.value).toBe("1");
    expect(sample(families, "droid_jobs_total", { kind: "fix", outcome: "turn-limit" })?.value).toBe("1");
    expect(histogram(text, "droid_job_duration_seconds", { kind: "fix", outcome: "turn-limit" }).count).toBe("1");
    expect(histogram(text, "droid_job_wait_seconds", { kind: "fix" }).count).toBe("2");
    // The plan job waits: no plan runner here.
    expect(sample(families, "droid_queue_jobs", { state: "queued" })?.value).toBe("1");
    expect(sample(families, "droid_queue_jobs", { state: "running" })?.value).toBe("0");
    expect(family(families, "process_cpu_user_seconds_total").type).toBe("COUNTER");

    expect(await (await fetch(`${server.url}/healthz`)).text()).toBe("ok\n");
    const ready = await fetch(`${server.url}/readyz`);
    expect([ready.status, await ready.text()]).toEqual([200, "ready\n"]);
  });

  it("says which dependency is not ready", async () => {
    const queue = new MemoryJobQueue();
    const metrics = new DroidMetrics();
    const checks = [
      { name: "sqlite", check: () => queue.depth() },
      { name: "docker", check: () => Promise.reject(new Error("connect ENOENT /var/run/docker.sock")) },
      { name: "redis", check: () => new Promise(() => {}) },
    ];
    const server = await startTestServer(queue, { operator: { metrics, token: null, checks } });
    stops.push(() => server.stop());
    const ready = await fetch(`${server.url}/readyz`);
    expect([ready.status, await ready.text()]).toEqual([503, "not ready: docker, redis\n"]);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    // No token configured: /metrics is open.
    expect((await fetch(`${server.url}/metrics`)).status).toBe(200);
  });
});

describe("a worker's own metrics server", () => {
  it("serves model tokens and cost by repository, sandbox start and setup times", async () => {
    const metrics = new DroidMetrics({ process: "worker" });
    metrics.modelUsage("acme/app", { input: 1200, output: 300, cacheRead: 4000, cacheWrite: 800 }, 0.125);
    metrics.modelUsage("acme/app", { input: 100, output: 50, cacheRead: 0, cacheWrite: 0 }, 0.01);
    metrics.sandboxStarted(1.4);
    metrics.setupFinished(12, "succeeded");
    metrics.setupFinished(3, "failed");
    const server = await startOperatorServer(operatorRoutes({ metrics, token: null, checks: [], log: silentLog }), { host: "127.0.0.1", port: 0, log: silentLog });
    stops.push(() => server.stop());
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const families = parsePrometheusTextFormat(text);
    expect(sample(families, "droid_model_tokens_total", { repo: "acme/app", type: "input" })?.value).toBe("1300");
    expect(sample(families, "droid_model_tokens_total", { repo: "acme/app", type: "cache_read" })?.value).toBe("4000");
    expect(Number(sample(families, "droid_model_cost_usd_total", { repo: "acme/app" })?.value)).toBeCloseTo(0.135);
    expect(histogram(text, "droid_sandbox_start_seconds", { process: "worker" })).toMatchObject({ count: "1", sum: "1.4" });
    expect(histogram(text, "droid_setup_duration_seconds", { result: "failed" })).toMatchObject({ count: "1", sum: "3" });
    expect(histogram(text, "droid_setup_duration_seconds", { result: "succeeded" }).buckets?.["15"]).toBe("1");
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    expect((await fetch(`${server.url}/nothing`)).status).toBe(404);
  });
});
