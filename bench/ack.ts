/**
 * How long Droid's webhook takes to answer: 100 signed `/droid help` deliveries over
 * loopback to the real server (Probot + Droid's app, production Octokit settings),
 * one at a time, against a bare Probot app with no handlers measured in the same run.
 * GitHub's API is a local stand-in (bench/fake-github.ts).
 *
 *   npm run bench:ack [-- --deliveries 100]
 */
import { createHmac, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { parseArgs } from "node:util";
import { pino } from "pino";
import { Probot, Server } from "probot";
import { PermissionGate } from "../src/github/gate.ts";
import { GitHubOutbox } from "../src/github/outbox.ts";
import { DEFAULT_POLICY } from "../src/config/policy.ts";
import { RepoConfigCache } from "../src/github/repo-config-loader.ts";
import { MemoryJobQueue } from "../src/jobs/memory-queue.ts";
import { freePort, startDroidServer } from "../src/server.ts";
import { startFakeGitHub } from "./fake-github.ts";
import { BENCH_PRIVATE_KEY as privateKey, BENCH_SECRET as secret } from "./webhook-app.ts";

const { values } = parseArgs({ options: { deliveries: { type: "string", default: "100" } } });
const deliveries = Number(values.deliveries);
const log = pino({ level: "silent" });

const require = createRequire(import.meta.url);
const examples: { name: string; examples: Record<string, any>[] }[] = JSON.parse(
  readFileSync(require.resolve("@octokit/webhooks-examples/api.github.com/index.json"), "utf8"),
);
const payload = structuredClone(examples.find((e) => e.name === "issue_comment")!.examples.find((e) => e.installation)!);
payload.comment.body = "/droid help";
const body = JSON.stringify(payload);
const signature = `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;

async function measure(url: string): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < deliveries + 5; i++) {
    const started = performance.now();
    const response = await fetch(`${url}/api/github/webhooks`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": "issue_comment",
        "x-github-delivery": randomUUID(),
        "x-hub-signature-256": signature,
      },
      body,
    });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`delivery answered ${response.status}`);
    if (i >= 5) times.push(performance.now() - started); // 5 warm-up deliveries
  }
  return times;
}

function stats(times: number[]) {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return { median: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted.at(-1) ?? NaN };
}

const github = await startFakeGitHub();

const bare = new Server({
  Probot: Probot.defaults({ appId: 1, privateKey, secret, log, baseUrl: github.url }),
  host: "127.0.0.1",
  port: await freePort(),
  log,
});
await bare.load(() => {});
const bareHttp = await bare.start();
const bareAddress = bareHttp.address();
if (bareAddress === null || typeof bareAddress === "string") throw new Error("no address");
const bareTimes = await measure(`http://127.0.0.1:${bareAddress.port}`);
await bare.stop();

const outbox = new GitHubOutbox(log);
const droid = await startDroidServer({
  appId: 1,
  privateKey,
  secret,
  log,
  baseUrl: github.url,
  queue: new MemoryJobQueue(),
  gate: new PermissionGate({ cacheMs: 60_000 }),
  configs: new RepoConfigCache({ ttlMs: 30_000, policy: DEFAULT_POLICY }),
  outbox,
});
const droidTimes = await measure(droid.url);
const pendingWrites = outbox.pending;
await droid.stop();
await github.close();

const fmt = (ms: number) => `${ms.toFixed(2)} ms`;
const b = stats(bareTimes);
const d = stats(droidTimes);
console.log(`webhook acknowledgment, ${deliveries} sequential /droid help deliveries over loopback`);
console.log(`                 median      p90         p99         max`);
console.log(`bare Probot      ${fmt(b.median).padEnd(12)}${fmt(b.p90).padEnd(12)}${fmt(b.p99).padEnd(12)}${fmt(b.max)}`);
console.log(`droid            ${fmt(d.median).padEnd(12)}${fmt(d.p90).padEnd(12)}${fmt(d.p99).padEnd(12)}${fmt(d.max)}`);
console.log(`droid / bare (median): ${(d.median / b.median).toFixed(2)}x`);
console.log(`GitHub calls made by droid: ${JSON.stringify(Object.fromEntries(github.calls))}`);
console.log(`answers (👀 + reply) still queued behind Octokit's write throttle when measuring ended: ${pendingWrites}`);
process.exit(0);
