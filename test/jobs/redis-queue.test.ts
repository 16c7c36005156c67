import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisJobQueue } from "../../src/jobs/redis-queue.ts";
import { newJob } from "./fixtures.ts";
import { describeDurablePolicyContract, describePolicyContract } from "./policy-contract.ts";
import { describeDurableQueueContract, describeQueueContract, type QueueHarness } from "./queue-contract.ts";
import { startRedisServer, type RedisServer } from "./redis-server.ts";

let server: RedisServer;
beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server.stop();
});

async function redisHarness(): Promise<QueueHarness> {
  const prefix = `droid-test-${randomUUID()}:`;
  return {
    open: async () => new RedisJobQueue({ url: server.url, prefix, leaseMs: 600 }),
    dispose: async () => {},
  };
}

describeQueueContract("Redis", redisHarness);
describeDurableQueueContract("Redis", redisHarness);

/** A queue on a fresh prefix, with a raw client on the same Redis to write records as earlier versions left them. */
async function withRawAccess(test: (c: { queue: RedisJobQueue; redis: Redis; key: (jobId: string) => string }) => Promise<void>): Promise<void> {
  const prefix = `droid-test-${randomUUID()}:`;
  const queue = new RedisJobQueue({ url: server.url, prefix, leaseMs: 600 });
  const redis = new Redis(server.url);
  try {
    await test({ queue, redis, key: (jobId) => `${prefix}job:${jobId}` });
  } finally {
    redis.disconnect();
    await queue.close();
  }
}

describe("Redis records written by earlier versions", () => {
  it("reads a job whose repository carries a recorded clone URL, and drops it (clones use the configured host)", () =>
    withRawAccess(async ({ queue, redis, key }) => {
      const { job } = await queue.enqueue(newJob({ number: 3 }));
      const data = JSON.parse((await redis.hget(key(job.id), "data")) ?? "{}");
      data.repo.cloneUrl = "https://attacker.example/acme/app.git";
      await redis.hset(key(job.id), "data", JSON.stringify(data));
      expect((await queue.get(job.id))?.repo).toEqual({ owner: "acme", name: "app", installationId: 42, defaultBranch: "main" });
    }));

  it("reads jobs stopped before stops were attributed (no stopper field) as stopped by nobody", () =>
    withRawAccess(async ({ queue, redis, key }) => {
      const { job } = await queue.enqueue(newJob({ number: 3 }));
      await queue.cancel({ owner: "acme", name: "app" }, { kind: "issue", number: 3 }, "alice");
      expect(await queue.get(job.id)).toMatchObject({ state: "cancelled", stoppedBy: "alice" });
      // The hash as the previous version's cancel left it: stopped, with no one named.
      await redis.hdel(key(job.id), "stopper");
      expect(await redis.hexists(key(job.id), "stopper")).toBe(0);
      expect(await queue.get(job.id)).toMatchObject({ state: "cancelled", outcome: "stopped-by-user", stoppedBy: null });
    }));
});
describePolicyContract("Redis", redisHarness);
describeDurablePolicyContract("Redis", redisHarness);
