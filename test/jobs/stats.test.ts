/**
 * `droid stats`: success rates from a real job store (SQLite, and Redis), computed from the
 * jobs' recorded outcomes and the merges of Droid's pull requests, and printed by the real CLI.
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterEach, describe, expect, it } from "vitest";
import type { JobQueue } from "../../src/jobs/queue.ts";
import { RedisJobQueue } from "../../src/jobs/redis-queue.ts";
import { DATABASE_FILE, SqliteJobQueue } from "../../src/jobs/sqlite-queue.ts";
import { parsePeriod, successRates } from "../../src/jobs/stats.ts";
import type { JobOutcome } from "../../src/jobs/types.ts";
import { FIX, newJob, PLAN } from "./fixtures.ts";
import { startRedisServer } from "./redis-server.ts";

const DAY = 86_400_000;
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).toReversed()) await cleanup();
});

/** A clock the store reads: each job is recorded, started and ended at chosen moments. */
function clock() {
  let at = Date.now() - 3 * DAY;
  return { now: () => new Date(at), advance: (ms: number) => void (at += ms) };
}

/** One job run to its end: `waitMs` queued, `runMs` running, `costUsd`, the pull request it made. */
async function ran(queue: JobQueue, time: ReturnType<typeof clock>, job: { number: number; repo?: string; fix?: boolean; outcome: JobOutcome; runMs: number; costUsd: number; pr?: number }) {
  const { job: recorded } = await queue.enqueue(newJob({ number: job.number, request: job.fix === false ? PLAN : FIX, ...(job.repo ? { repo: job.repo } : {}) }));
  time.advance(1000);
  await queue.claim("w", [job.fix === false ? "plan" : "fix"]);
  time.advance(job.runMs);
  await queue.finish(recorded.id, job.outcome, { costUsd: job.costUsd, ...(job.pr ? { links: { pullRequestNumber: job.pr } } : {}) });
  return recorded.id;
}

/** Five fix runs and a plan in acme/app, one fix in other/lib; two of acme/app's three pull requests merged. */
async function seed(queue: JobQueue, time: ReturnType<typeof clock>): Promise<void> {
  await ran(queue, time, { number: 1, outcome: { state: "succeeded", kind: "succeeded" }, runMs: 60_000, costUsd: 0.4, pr: 11 });
  await ran(queue, time, { number: 2, outcome: { state: "succeeded", kind: "succeeded-with-failing-tests" }, runMs: 120_000, costUsd: 0.8, pr: 12 });
  await ran(queue, time, { number: 3, outcome: { state: "failed", error: "limit reached", kind: "turn-limit" }, runMs: 300_000, costUsd: 1.5, pr: 13 });
  await ran(queue, time, { number: 4, outcome: { state: "succeeded", kind: "succeeded" }, runMs: 90_000, costUsd: 0.5, pr: 11 });
  await ran(queue, time, { number: 5, outcome: { state: "failed", error: "setup failed", kind: "setup-failed" }, runMs: 20_000, costUsd: 0 });
  await ran(queue, time, { number: 6, fix: false, outcome: { state: "succeeded", kind: "succeeded" }, runMs: 30_000, costUsd: 0.1 });
  await ran(queue, time, { number: 7, repo: "other/lib", outcome: { state: "cancelled", kind: "stopped-by-user" }, runMs: 10_000, costUsd: 0.05 });
  await queue.recordMerge({ repo: "acme/app", number: 11, mergedAt: time.now() });
  await queue.recordMerge({ repo: "acme/app", number: 12, mergedAt: time.now() });
  // A merge of a pull request no job in the period made does not count.
  await queue.recordMerge({ repo: "acme/app", number: 99, mergedAt: time.now() });
}

function expectRates(rates: ReturnType<typeof successRates>): void {
  expect(rates.map((r) => [r.repo, r.kind, r.runs])).toEqual([
    ["acme/app", "fix", 5],
    ["acme/app", "plan", 1],
    ["other/lib", "fix", 1],
  ]);
  expect(rates[0]).toEqual({
    repo: "acme/app",
    kind: "fix",
    runs: 5,
    outcomes: [
      { outcome: "succeeded", runs: 2 },
      { outcome: "setup-failed", runs: 1 },
      { outcome: "succeeded-with-failing-tests", runs: 1 },
      { outcome: "turn-limit", runs: 1 },
    ],
    medianDurationMs: 90_000,
    medianCostUsd: 0.5,
    pullRequests: 3,
    merged: 2,
  });
}

function droidStats(env: NodeJS.ProcessEnv, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const child = spawnSync(process.execPath, ["src/cli.ts", "stats", ...args], { env: { PATH: process.env.PATH, ...env }, encoding: "utf8", timeout: 30_000 });
  return { status: child.status, stdout: child.stdout, stderr: child.stderr };
}

describe("droid stats", () => {
  it("on the SQLite store: runs, outcome shares, medians, pull requests and merges per repository and kind", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "droid-stats-"));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const time = clock();
    const queue = new SqliteJobQueue({ dataDir, now: time.now });
    cleanups.push(() => queue.close());
    await seed(queue, time);
    expectRates(successRates(await queue.endedSince(new Date(Date.now() - 7 * DAY)), await queue.merges()));
    // The period: nothing ended in the last hour (the clock is three days back).
    expect(await queue.endedSince(new Date(Date.now() - 3_600_000))).toEqual([]);

    const printed = droidStats({ DROID_DATA_DIR: dataDir }, ["--repo", "acme/app", "--since", "7d"]);
    expect(printed.stderr).toBe("");
    expect(printed.status).toBe(0);
    expect(printed.stdout).toContain("acme/app  fix  runs 5  median 1 min 30 s  median cost $0.50  pull requests 3, merged 2 (67 %)");
    expect(printed.stdout).toContain("succeeded 40 % (2), setup-failed 20 % (1), succeeded-with-failing-tests 20 % (1), turn-limit 20 % (1)");
    expect(printed.stdout).toContain("acme/app  plan  runs 1");
    expect(printed.stdout).not.toContain("other/lib");
    expect(droidStats({ DROID_DATA_DIR: dataDir }, ["--since", "1h"]).stdout).toContain(": none.");
    expect(droidStats({ DROID_DATA_DIR: dataDir }, ["--since", "soon"]).status).toBe(2);
  });

  it("on Redis, the same figures", async () => {
    const redis = await startRedisServer();
    cleanups.push(() => redis.stop());
    const time = clock();
    const queue = new RedisJobQueue({ url: redis.url, now: time.now });
    cleanups.push(() => queue.close());
    await seed(queue, time);
    expectRates(successRates(await queue.endedSince(new Date(Date.now() - 7 * DAY)), await queue.merges()));
    const printed = droidStats({ DROID_QUEUE_URL: redis.url }, ["--since", "1w"]);
    expect(printed.status).toBe(0);
    expect(printed.stdout).toContain("other/lib  fix  runs 1");
    expect(printed.stdout).toContain("stopped-by-user 100 % (1)");
  });

  it("reads a database written before outcomes were recorded: its jobs count as unrecorded", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "droid-stats-old-"));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const first = new SqliteJobQueue({ dataDir });
    const { job } = await first.enqueue(newJob({ number: 3, request: FIX }));
    await first.claim("w", ["fix"]);
    await first.finish(job.id, { state: "succeeded", kind: "succeeded" });
    await first.close();
    // Back to schema 3: no outcome or stopped_by column, no merges or notices table.
    const raw = new DatabaseSync(join(dataDir, DATABASE_FILE));
    raw.exec("ALTER TABLE jobs DROP COLUMN outcome; ALTER TABLE jobs DROP COLUMN stopped_by; DROP TABLE merges; DROP TABLE notices; PRAGMA user_version = 3");
    raw.close();
    const reopened = new SqliteJobQueue({ dataDir });
    cleanups.push(() => reopened.close());
    expect(await reopened.get(job.id)).toMatchObject({ state: "succeeded", outcome: null });
    const [rates] = successRates(await reopened.endedSince(new Date(0)), await reopened.merges());
    expect(rates?.outcomes).toEqual([{ outcome: "unrecorded", runs: 1 }]);
  });

  it("reads periods in minutes, hours, days and weeks", () => {
    expect([parsePeriod("30m"), parsePeriod("12h"), parsePeriod("7d"), parsePeriod("2w")]).toEqual([1_800_000, 43_200_000, 7 * DAY, 14 * DAY]);
    expect(parsePeriod("7")).toBeNull();
  });
});
