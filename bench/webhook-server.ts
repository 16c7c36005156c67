/**
 * One webhook server for bench/webhooks.ts, in its own process so that the load
 * generator does not share its event loop. Prints its URL on stdout, then serves until
 * killed. No worker runs: the benchmark measures acknowledgment.
 *
 *   node bench/webhook-server.ts <bare|memory|sqlite|redis>
 *   env: GITHUB_URL, PRIVATE_KEY, WEBHOOK_SECRET, DROID_DATA_DIR, DROID_QUEUE_URL
 */
import { pino } from "pino";
import { Probot, Server } from "probot";
import { PermissionGate } from "../src/github/gate.ts";
import { GitHubOutbox } from "../src/github/outbox.ts";
import { DEFAULT_POLICY } from "../src/config/policy.ts";
import { RepoConfigCache } from "../src/github/repo-config-loader.ts";
import { MemoryJobQueue } from "../src/jobs/memory-queue.ts";
import type { JobQueue } from "../src/jobs/queue.ts";
import { RedisJobQueue } from "../src/jobs/redis-queue.ts";
import { SqliteJobQueue } from "../src/jobs/sqlite-queue.ts";
import { freePort, startDroidServer } from "../src/server.ts";

const kind = process.argv[2];
const env = process.env;
const log = pino({ level: "silent" });
const privateKey = env.PRIVATE_KEY ?? "";
const secret = env.WEBHOOK_SECRET ?? "";

if (kind === "bare") {
  const bare = new Server({
    Probot: Probot.defaults({ appId: 1, privateKey, secret, log, baseUrl: env.GITHUB_URL }),
    host: "127.0.0.1",
    port: await freePort(),
    log,
  });
  await bare.load(() => {});
  const http = await bare.start();
  const address = http.address();
  if (address === null || typeof address === "string") throw new Error("no address");
  process.stdout.write(`http://127.0.0.1:${address.port}\n`);
} else {
  const queue: JobQueue =
    kind === "redis"
      ? new RedisJobQueue({ url: env.DROID_QUEUE_URL ?? "" })
      : kind === "sqlite"
        ? new SqliteJobQueue({ dataDir: env.DROID_DATA_DIR ?? "" })
        : new MemoryJobQueue();
  const droid = await startDroidServer({
    appId: 1,
    privateKey,
    secret,
    log,
    baseUrl: env.GITHUB_URL,
    queue,
    gate: new PermissionGate({ cacheMs: 600_000 }),
    configs: new RepoConfigCache({ ttlMs: 600_000, policy: DEFAULT_POLICY }),
    outbox: new GitHubOutbox(log),
  });
  process.stdout.write(`${droid.url}\n`);
}
process.on("SIGINT", () => process.exit(0));
