import { randomUUID } from "node:crypto";
import { afterAll, beforeAll } from "vitest";
import { RedisJobQueue } from "../../src/jobs/redis-queue.ts";
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
describePolicyContract("Redis", redisHarness);
describeDurablePolicyContract("Redis", redisHarness);
