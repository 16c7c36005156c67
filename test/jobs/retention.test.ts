/**
 * Retention against the real stores: ended jobs older than the period go, with their folders
 * in the data directory and folders a crash left behind; queued and running jobs stay.
 */
import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, rm, stat, utimes } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobQueue } from "../../src/jobs/queue.ts";
import { RedisJobQueue } from "../../src/jobs/redis-queue.ts";
import { pruneOldJobs, startRetention } from "../../src/jobs/retention.ts";
import { SqliteJobQueue } from "../../src/jobs/sqlite-queue.ts";
import { newJob } from "./fixtures.ts";
import { startRedisServer, type RedisServer } from "./redis-server.ts";

const DAY = 24 * 60 * 60 * 1000;
const silent = pino({ enabled: false });
const exists = (path: string) => stat(path).then(() => true, () => false);

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis.stop();
});

const backends: [string, (dataDir: string, now: () => Date) => JobQueue][] = [
  ["SQLite", (dataDir, now) => new SqliteJobQueue({ dataDir, now })],
  ["Redis", (_dataDir, now) => new RedisJobQueue({ url: redis.url, prefix: `droid-retention-${randomUUID()}:`, now })],
];

describe.each(backends)("retention (%s)", (_name, open) => {
  it("prunes jobs that ended before the period, their folders and old leftovers; never an active job", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "droid-retention-"));
    let clock = Date.parse("2026-01-01T00:00:00Z");
    const queue = open(dataDir, () => new Date(clock));
    try {
      const folder = async (id: string, ageDays: number) => {
        const dir = join(dataDir, "jobs", id);
        await mkdir(join(dir, "tree"), { recursive: true });
        const at = new Date(clock - ageDays * DAY);
        await utimes(dir, at, at);
        return dir;
      };
      const old = await queue.enqueue(newJob({ number: 1 }));
      await queue.claim("w", ["plan"]);
      await queue.finish(old.job.id, { state: "succeeded", kind: "succeeded" }, { costUsd: 1 });
      clock += 40 * DAY;
      const recent = await queue.enqueue(newJob({ number: 3 }));
      await queue.claim("w", ["plan"]);
      await queue.finish(recent.job.id, { state: "failed", error: "boom", kind: "internal-error" });
      const waiting = await queue.enqueue(newJob({ number: 2 }));
      const oldFolder = await folder(old.job.id, 40);
      const waitingFolder = await folder(waiting.job.id, 40);
      const leftover = await folder("crashed-job", 40);
      const fresh = await folder("fresh-job", 1);

      expect(await pruneOldJobs({ queue, dataDir, days: 30, log: silent, now: () => new Date(clock) })).toEqual({ jobs: 1, folders: 1, transcripts: 0 });
      expect(await queue.get(old.job.id)).toBeUndefined();
      expect((await queue.get(waiting.job.id))?.state).toBe("queued");
      expect((await queue.get(recent.job.id))?.state).toBe("failed");
      expect([await exists(oldFolder), await exists(leftover), await exists(waitingFolder), await exists(fresh)]).toEqual([false, false, true, true]);
      // Nothing more to do the next time.
      expect(await pruneOldJobs({ queue, dataDir, days: 30, log: silent, now: () => new Date(clock) })).toEqual({ jobs: 0, folders: 0, transcripts: 0 });
    } finally {
      await queue.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe("the retention timer", () => {
  it("prunes at once and keeps going; 0 days keeps everything", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "droid-retention-"));
    const queue = new SqliteJobQueue({ dataDir, now: () => new Date(Date.now() - 10 * DAY) });
    try {
      const { job } = await queue.enqueue(newJob());
      await queue.claim("w", ["plan"]);
      await queue.finish(job.id, { state: "succeeded", kind: "succeeded" });
      startRetention({ queue, dataDir, days: 0, log: silent })();
      await new Promise((r) => setTimeout(r, 50));
      expect(await queue.get(job.id)).toBeDefined();
      const stop = startRetention({ queue, dataDir, days: 3, log: silent, everyMs: 20 });
      for (let i = 0; i < 100 && (await queue.get(job.id)); i++) await new Promise((r) => setTimeout(r, 20));
      stop();
      expect(await queue.get(job.id)).toBeUndefined();
    } finally {
      await queue.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
