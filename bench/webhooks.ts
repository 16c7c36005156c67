/**
 * Webhook acknowledgment under a burst: 1,000 signed `/droid plan` deliveries (each on
 * its own issue, so each records a job) sent over loopback with bounded concurrency,
 * against a bare Probot app that does nothing and against Droid with each job store,
 * all measured in the same run. Each server runs in its own process; GitHub's API is
 * the loopback stand-in (bench/fake-github.ts), Redis a real redis-server.
 *
 * `--targets memory` adds Droid on the in-process queue (whose enqueue scans every job,
 * so it slows down as a burst grows: a test double, not a store).
 *
 * Each burst runs `--rounds` times, the servers taking turns, and the median round is
 * shown, so that a noisy machine disturbs every server alike.
 *
 *   npm run bench:webhooks [-- --deliveries 1000 --concurrency 50,1000 --rounds 3 --targets bare,sqlite,redis]
 */
import { createHmac, randomUUID } from "node:crypto";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { issueComment } from "../test/helpers/payloads.ts";
import { startRedisServer } from "../test/jobs/redis-server.ts";
import { startFakeGitHub } from "./fake-github.ts";
import { BENCH_SECRET as secret, startWebhookServer as startServer } from "./webhook-app.ts";

const { values } = parseArgs({
  options: {
    deliveries: { type: "string", default: "1000" },
    concurrency: { type: "string", default: "50,1000" },
    rounds: { type: "string", default: "3" },
    targets: { type: "string", default: "bare,sqlite,redis" },
  },
});
const rounds = Number(values.rounds);
const chosen = new Set(values.targets.split(","));
const deliveries = Number(values.deliveries);
const concurrencies = values.concurrency.split(",").map(Number);

let issueNumber = 0;
function signedDelivery(): { body: string; headers: Record<string, string> } {
  const payload = issueComment("/droid plan");
  payload.issue.number = ++issueNumber;
  const body = JSON.stringify(payload);
  return {
    body,
    headers: {
      "content-type": "application/json",
      "x-github-event": "issue_comment",
      "x-github-delivery": randomUUID(),
      "x-hub-signature-256": `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`,
    },
  };
}

interface Result {
  times: number[];
  wallMs: number;
  failures: number;
}

async function burst(url: string, concurrency: number, count: number): Promise<Result> {
  const requests = Array.from({ length: count }, signedDelivery);
  const times: number[] = [];
  let next = 0;
  let failures = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < requests.length) {
        const request = requests[next++];
        if (!request) break;
        const sent = performance.now();
        const response = await fetch(`${url}/api/github/webhooks`, { method: "POST", ...request });
        await response.arrayBuffer();
        times.push(performance.now() - sent);
        if (response.status !== 200) failures++;
      }
    }),
  );
  return { times, wallMs: performance.now() - started, failures };
}

function median(values: number[]): number {
  return percentile([...values].sort((a, b) => a - b), 0.5);
}

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

const github = await startFakeGitHub();
const redis = await startRedisServer();
const dataDir = await mkdtemp(join(tmpdir(), "droid-bench-"));
const targets = (
  [
    ["bare Probot", "bare", {}],
    ["droid, in-memory", "memory", {}],
    ["droid, SQLite", "sqlite", { DROID_DATA_DIR: dataDir }],
    ["droid, Redis", "redis", { DROID_QUEUE_URL: redis.url }],
  ] satisfies [string, string, Record<string, string>][]
).filter(([, kind]) => chosen.has(kind) || kind === "bare");

interface Figures {
  p50: number;
  p99: number;
  max: number;
  rate: number;
  failures: number;
}

async function measureOnce(kind: string, env: Record<string, string>, concurrency: number): Promise<Figures> {
  const server = await startServer(kind, { ...env, GITHUB_URL: github.url });
  await burst(server.url, 10, 100); // warm-up: JIT, token and config caches
  const result = await burst(server.url, concurrency, deliveries);
  server.child.kill("SIGKILL");
  await once(server.child, "exit");
  const sorted = [...result.times].sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    max: sorted.at(-1) ?? NaN,
    rate: (deliveries / result.wallMs) * 1000,
    failures: result.failures,
  };
}

console.log(`webhook acknowledgment: bursts of ${deliveries} signed /droid plan deliveries over loopback`);
console.log(`(${process.platform}, ${availableParallelism()} CPUs, load ${loadavg()[0]?.toFixed(1)}, Node ${process.version}; median of ${rounds} rounds)\n`);
for (const concurrency of concurrencies) {
  const runs = new Map<string, Figures[]>(targets.map(([label]) => [label, []]));
  for (let round = 0; round < rounds; round++) {
    for (const [label, kind, env] of targets) runs.get(label)?.push(await measureOnce(kind, env, concurrency));
  }
  console.log(`concurrency ${concurrency}`);
  console.log(`  ${"server".padEnd(20)}${"p50".padEnd(11)}${"p99".padEnd(11)}${"max".padEnd(11)}${"deliveries/s".padEnd(14)}p99 vs bare`);
  const bareP99 = median((runs.get("bare Probot") ?? []).map((f) => f.p99));
  for (const [label] of targets) {
    const figures = runs.get(label) ?? [];
    const pick = (key: keyof Figures) => median(figures.map((f) => f[key]));
    const ms = (v: number) => `${v.toFixed(1)} ms`.padEnd(11);
    const failures = figures.reduce((sum, f) => sum + f.failures, 0);
    const failed = failures > 0 ? `  (${failures} non-200!)` : "";
    console.log(
      `  ${label.padEnd(20)}${ms(pick("p50"))}${ms(pick("p99"))}${ms(pick("max"))}${String(Math.round(pick("rate"))).padEnd(14)}${(pick("p99") / bareP99).toFixed(2)}x${failed}`,
    );
  }
  console.log("");
}
await redis.stop();
await github.close();
await rm(dataDir, { recursive: true, force: true });
process.exit(0);
