/**
 * The Redis queue under faults: Redis unreachable (the webhook path gets a typed error
 * in bounded time instead of hanging past GitHub's 10 s), and a damaged job record.
 */
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisJobQueue } from "../../src/jobs/redis-queue.ts";
import { JobStoreError } from "../../src/jobs/store-errors.ts";
import { newJob } from "./fixtures.ts";
import { freePort, startRedisServer, type RedisServer } from "./redis-server.ts";

let server: RedisServer;
beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server.stop();
});

describe("Redis queue faults", () => {
  it("fails fast with 'unavailable' when Redis cannot be reached", async () => {
    const lines: { msg: string; reason?: string }[] = [];
    const log = pino({ level: "error" }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const queue = new RedisJobQueue({ url: `redis://127.0.0.1:${await freePort()}`, timeoutMs: 300, log });
    try {
      const started = Date.now();
      const error = await queue.enqueue(newJob()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(JobStoreError);
      expect(error).toMatchObject({ reason: "unavailable", userMessage: expect.stringMatching(/unreachable/) });
      expect(Date.now() - started).toBeLessThan(2000);
      expect(lines).toContainEqual(expect.objectContaining({ reason: "unavailable" }));
    } finally {
      await queue.close();
    }
  });

  it("sets a damaged job aside with a typed error and keeps serving the others", async () => {
    const prefix = `droid-test-${randomUUID()}:`;
    const queue = new RedisJobQueue({ url: server.url, prefix });
    const raw = new Redis(server.url);
    try {
      const damaged = await queue.enqueue(newJob({ number: 1 }));
      const healthy = await queue.enqueue(newJob({ number: 2 }));
      await raw.hset(`${prefix}job:${damaged.job.id}`, "data", '{"deliveryId": "x", "repo');
      await expect(queue.get(damaged.job.id)).rejects.toMatchObject({ reason: "corrupt-record", jobId: damaged.job.id });
      await expect(queue.claim("w", ["plan"])).rejects.toMatchObject({ reason: "corrupt-record", jobId: damaged.job.id });
      expect(await raw.hget(`${prefix}job:${damaged.job.id}`, "state")).toBe("failed");
      expect((await queue.claim("w", ["plan"]))?.id).toBe(healthy.job.id);
      expect((await queue.enqueue(newJob({ number: 1 }))).status).toBe("created");
    } finally {
      raw.disconnect();
      await queue.close();
    }
  });
});
