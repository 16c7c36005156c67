/**
 * `droid worker` at start-up against the real engine: it says which runtime and disk quota
 * sandboxes get, and refuses to start with a runtime the engine does not know; a new worker
 * warms a default job's sandbox in the background.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { reapContainers } from "../src/sandbox/index.ts";
import { docker, dockerAnswers, memoryLogger } from "./helpers/docker.ts";
import { startRedisServer, type RedisServer } from "./jobs/redis-server.ts";

const engine = await dockerAnswers();
const privateKey = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } }).privateKey;

const INSTANCE = "cli-platform-test";
let redis: RedisServer;
let child: ChildProcess | undefined;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterEach(async () => {
  child?.kill("SIGKILL");
  child = undefined;
  // What the killed worker's pool was warming: the next start of the instance would reap it.
  if (engine) await reapContainers(docker, INSTANCE, memoryLogger().logger);
});
afterAll(async () => {
  await redis.stop();
});

/** Starts `droid worker`; resolves with its output once `done` says so, or once it exits. */
function worker(extra: Record<string, string>, done: (output: string) => boolean): Promise<{ code: number | null; output: string }> {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, APP_ID: "1", PRIVATE_KEY: privateKey, LOG_LEVEL: "info", LOG_FORMAT: "json", DROID_QUEUE_URL: redis.url, DROID_INSTANCE: INSTANCE, ...extra };
  const started = spawn(process.execPath, ["src/cli.ts", "worker"], { env, stdio: ["ignore", "pipe", "pipe"] });
  child = started;
  let output = "";
  return new Promise((resolve) => {
    const take = (chunk: Buffer) => {
      output += chunk.toString();
      if (done(output)) resolve({ code: null, output });
    };
    started.stdout?.on("data", take);
    started.stderr?.on("data", take);
    started.on("exit", (code) => resolve({ code, output }));
  });
}

describe.skipIf(!engine)("droid worker start-up", () => {
  it("refuses to start when DROID_SANDBOX_RUNTIME names a runtime the engine does not know", async () => {
    const { code, output } = await worker({ DROID_SANDBOX_RUNTIME: "gvisor-not-installed" }, () => false);
    expect(code).toBe(1);
    expect(output).toContain("droid: DROID_SANDBOX_RUNTIME=gvisor-not-installed, but the Docker engine does not know that runtime (it knows: ");
    expect(output).not.toContain("worker started");
  }, 30_000);

  it("says which runtime and disk quota sandboxes get, then starts, and warms a default job's sandbox behind", async () => {
    const { output } = await worker({ DROID_SANDBOX_DISK_MB: "2048" }, (text) => text.includes("worker started") && text.includes('warming the sandbox pool"}\n'));
    expect(output).toMatch(/sandboxes run with runtime runc \(the engine's default\); disk: 2048 MiB per sandbox volume, (memory|disk)-backed/);
    // The warming runs in the background: the order of the two lines is not fixed.
    const log = output.split("\n").filter((line) => line.startsWith("{") && line.endsWith("}")).map((line) => JSON.parse(line) as { msg?: string; source?: string });
    expect(log.find((line) => line.msg === "warming the sandbox pool")?.source).toBe("default job");
  }, 30_000);
});
