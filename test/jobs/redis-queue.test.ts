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

describe("Redis records written by earlier versions", () => {
  it("reads a job whose repository carries a recorded clone URL, and drops it (clones use the configured host)", async () => {
    const prefix = `droid-test-${randomUUID()}:`;
    const queue = new RedisJobQueue({ url: server.url, prefix, leaseMs: 600 });
    const redis = new Redis(server.url);
    try {
      const { job } = await queue.enqueue(newJob({ number: 3 }));
      const data = JSON.parse((await redis.hget(`${prefix}job:${job.id}`, "data")) ?? "{}");
      data.repo.cloneUrl = "https://attacker.example/acme/app.git";
      await redis.hset(`${prefix}job:${job.id}`, "data", JSON.stringify(data));
      expect((await queue.get(job.id))?.repo).toEqual({ owner: "acme", name: "app", installationId: 42, defaultBranch: "main" });
    } finally {
      redis.disconnect();
      await queue.close();
    }
  });
});
describePolicyContract("Redis", redisHarness);
describeDurablePolicyContract("Redis", redisHarness);
