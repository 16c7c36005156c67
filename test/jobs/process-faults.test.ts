/**
 * Fault tests with real processes: Droid processes killed with SIGKILL or stopped with
 * SIGTERM mid-job, a burst of redeliveries spread over several server processes, Redis
 * restarted under running workers. GitHub is the loopback stand-in from bench/.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startFakeGitHub, type FakeGitHub } from "../../bench/fake-github.ts";
import type { JobQueue } from "../../src/jobs/queue.ts";
import { RedisJobQueue } from "../../src/jobs/redis-queue.ts";
import { SqliteJobQueue } from "../../src/jobs/sqlite-queue.ts";
import { freePort } from "../../src/server.ts";
import { TEST_PRIVATE_KEY, WEBHOOK_SECRET } from "../helpers/github.ts";
import { issueComment, OWNER, REPO } from "../helpers/payloads.ts";
import { sendWebhook } from "../helpers/webhook.ts";
import { killAllDroidProcesses, readRuns, startDroidProcess, startDroidServe } from "./droid-processes.ts";
import { eventually, newJob } from "./fixtures.ts";
import { startRedisServer, type RedisServer } from "./redis-server.ts";

let dir: string;
let github: FakeGitHub;
const closers: (() => Promise<void>)[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "droid-process-faults-"));
  github = await startFakeGitHub();
});

afterEach(async () => {
  await killAllDroidProcesses();
  for (const close of closers.splice(0).toReversed()) await close();
  await github.close();
  await rm(dir, { recursive: true, force: true });
});

function comment(body: string, issue: number) {
  const payload = issueComment(body);
  payload.issue.number = issue;
  return payload;
}

function serverEnv(port: number, store: Record<string, string>): Record<string, string> {
  return {
    ...store,
    SERVE_PORT: String(port),
    GITHUB_URL: github.url,
    PRIVATE_KEY: TEST_PRIVATE_KEY,
    WEBHOOK_SECRET,
    RUNS_FILE: join(dir, "runs.log"),
  };
}

/** The environment of a real `droid serve` talking to the loopback GitHub (no model API configured). */
function serveEnv(port: number): Record<string, string> {
  return {
    APP_ID: "1",
    PRIVATE_KEY: TEST_PRIVATE_KEY,
    WEBHOOK_SECRET,
    PORT: String(port),
    GHE_HOST: new URL(github.url).host,
    GHE_PROTOCOL: "http",
    DROID_DATA_DIR: dir,
    // Its own instance name: start-up reaps this instance's sandboxes, and no one else's.
    DROID_INSTANCE: `fault-test-${port}`,
    // Its jobs need no sandbox: nothing warmed that a kill -9 would leave on the engine.
    DROID_SANDBOX_POOL: "0",
    NODE_ENV: "production",
  };
}

function count(lines: string[], line: string): number {
  return lines.filter((l) => l === line).length;
}

describe("kill -9 of the real `droid serve` while a job runs", () => {
  it("recovers the job on restart and runs it to its end once, recording nothing twice", async () => {
    const port = await freePort();
    const env = serveEnv(port);
    const url = `http://127.0.0.1:${port}`;
    const send = () =>
      sendWebhook(url, "issue_comment", comment("/droid plan", 1), { secret: WEBHOOK_SECRET, deliveryId: "plan-1" });
    // The webhook reads the repo config twice (repo, then org); the plan job's own read never gets an answer.
    github.stall = (route, n) => route === "config" && n > 2;
    const first = await startDroidServe(env);
    expect((await send()).status).toBe(200);
    const queue = new SqliteJobQueue({ dataDir: dir });
    closers.push(() => queue.close());
    const running = await eventually(async () => {
      const job = await queue.findByDelivery("plan-1");
      return job?.state === "running" && (github.calls.get("config") ?? 0) > 2 && job;
    }, 10_000);
    await first.kill9();

    github.stall = undefined;
    const second = await startDroidServe(env);
    // Without a model API the plan job ends at once, with a comment saying so.
    const ended = await eventually(async () => {
      const job = await queue.get(running.id);
      return job?.state === "failed" && job;
    }, 15_000);
    expect((await send()).status).toBe(200); // GitHub redelivers: nothing new
    expect(await second.stop()).toBe(0);

    expect(ended).toMatchObject({ attempts: 2, error: "the model API is not configured" });
    expect(await queue.listForTarget({ owner: OWNER, name: REPO }, { kind: "issue", number: 1 })).toHaveLength(1);
    const comments = github.requests.filter((r) => r.route === "comment").map((r) => JSON.parse(r.body).body);
    expect(comments).toEqual([expect.stringMatching(/model API is not configured/)]);
  });
});

describe("kill -9 and SIGTERM of a Droid process (embedded SQLite store)", () => {
  it("re-runs an interrupted plan once, reports a fix that had pushed, and duplicates nothing", async () => {
    const port = await freePort();
    const env = serverEnv(port, { DROID_DATA_DIR: dir, RUNNER_MS: "600000" });
    const url = `http://127.0.0.1:${port}`;
    const first = await startDroidProcess(env);
    for (const [body, issue, delivery] of [
      ["/droid plan", 1, "plan-delivery"],
      ["/droid fix", 2, "fix-delivery"],
    ] as const) {
      const response = await sendWebhook(url, "issue_comment", comment(body, issue), { secret: WEBHOOK_SECRET, deliveryId: delivery });
      expect(response.status).toBe(200);
    }
    await eventually(() => readRuns(env.RUNS_FILE ?? "").length === 2, 10_000);
    await first.kill9();

    const second = await startDroidProcess({ ...env, RUNNER_MS: "50" });
    const queue = new SqliteJobQueue({ dataDir: dir });
    closers.push(() => queue.close());
    const plan = await eventually(async () => {
      const job = await queue.findByDelivery("plan-delivery");
      return job?.state === "succeeded" && job;
    }, 10_000);
    const fix = await queue.findByDelivery("fix-delivery");

    // GitHub redelivers the same webhooks after the crash: nothing new is recorded.
    for (const [body, issue, delivery] of [
      ["/droid plan", 1, "plan-delivery"],
      ["/droid fix", 2, "fix-delivery"],
    ] as const) {
      await sendWebhook(url, "issue_comment", comment(body, issue), { secret: WEBHOOK_SECRET, deliveryId: delivery });
    }
    expect(await second.stop()).toBe(0);

    const runs = readRuns(env.RUNS_FILE ?? "");
    expect(plan.attempts).toBe(2);
    expect(fix).toMatchObject({ state: "interrupted", links: { pushed: true, branch: "droid/issue-2" } });
    expect(count(runs, `start ${plan.id}`)).toBe(2);
    expect(count(runs, `end ${plan.id}`)).toBe(1);
    expect(count(runs, `start ${fix?.id}`)).toBe(1);
    expect(count(runs, `reported ${fix?.id} pushed`)).toBe(1);
    const repo = { owner: OWNER, name: REPO };
    expect(await queue.listForTarget(repo, { kind: "issue", number: 1 })).toHaveLength(1);
    expect(await queue.listForTarget(repo, { kind: "issue", number: 2 })).toHaveLength(1);
    const reports = github.requests.filter((r) => r.route === "comment");
    expect(reports).toHaveLength(1);
    expect(reports[0]?.path).toMatch(/\/issues\/2\/comments$/);
    expect(JSON.parse(reports[0]?.body ?? "{}").body).toMatch(
      /`fix` job .* was interrupted: the process running this job stopped .* already pushed .*`\/droid fix` to continue.*`droid\/issue-2`/,
    );
  });

  it("on SIGTERM lets a job use the grace period, interrupts it after, and runs it again on restart", async () => {
    const env = { DROID_DATA_DIR: dir, RUNS_FILE: join(dir, "runs.log"), RUNNER_MS: "600000", GRACE_MS: "300" };
    const queue = new SqliteJobQueue({ dataDir: dir });
    closers.push(() => queue.close());
    const { job } = await queue.enqueue(newJob({ number: 4 }));
    const first = await startDroidProcess(env);
    await eventually(() => readRuns(env.RUNS_FILE).includes(`start ${job.id}`), 10_000);
    const asked = Date.now();
    expect(await first.stop()).toBe(0);
    expect(Date.now() - asked).toBeGreaterThanOrEqual(300);
    expect(await queue.get(job.id)).toMatchObject({ state: "interrupted", error: "the worker shut down" });

    await startDroidProcess({ ...env, RUNNER_MS: "50" });
    const done = await eventually(async () => {
      const current = await queue.get(job.id);
      return current?.state === "succeeded" && current;
    }, 10_000);
    expect(done.attempts).toBe(2);
    expect(count(readRuns(env.RUNS_FILE), `end ${job.id}`)).toBe(1);
  });
});

describe("100 concurrent redeliveries of one webhook over three `droid serve` processes", () => {
  let redis: RedisServer | undefined;
  afterEach(async () => {
    await redis?.stop();
    redis = undefined;
  });

  const backends: [string, () => Promise<{ env: Record<string, string>; queue: JobQueue }>][] = [
    ["SQLite", async () => ({ env: { DROID_DATA_DIR: dir }, queue: new SqliteJobQueue({ dataDir: dir }) })],
    [
      "Redis",
      async () => {
        redis = await startRedisServer();
        return { env: { DROID_QUEUE_URL: redis.url }, queue: new RedisJobQueue({ url: redis.url }) };
      },
    ],
  ];

  it.each(backends)("records one job (%s)", async (_name, backend) => {
    const { env, queue } = await backend();
    closers.push(() => queue.close());
    const ports = [await freePort(), await freePort(), await freePort()];
    await Promise.all(ports.map((port) => startDroidServe({ ...serveEnv(port), ...env })));
    const deliveryId = randomUUID();
    const payload = comment("/droid plan", 7);
    const responses = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        sendWebhook(`http://127.0.0.1:${ports[i % 3]}`, "issue_comment", payload, { secret: WEBHOOK_SECRET, deliveryId }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array.from({ length: 100 }, () => 200));
    const jobs = await queue.listForTarget({ owner: OWNER, name: REPO }, { kind: "issue", number: 7 });
    expect(jobs.map((j) => j.deliveryId)).toEqual([deliveryId]);
  });
});

describe("Redis restarted while workers run", () => {
  it("workers reconnect; every job runs exactly once", async () => {
    const redis = await startRedisServer();
    closers.push(() => redis.stop());
    const queue = new RedisJobQueue({ url: redis.url });
    closers.push(() => queue.close());
    const runs = join(dir, "runs.log");
    const env = { DROID_QUEUE_URL: redis.url, RUNS_FILE: runs, RUNNER_MS: "150", LEASE_MS: "2000", RECOVERY_EVERY_MS: "500" };
    await Promise.all([startDroidProcess(env), startDroidProcess(env)]);
    const ids: string[] = [];
    for (let n = 1; n <= 60; n++) ids.push((await queue.enqueue(newJob({ repo: `acme/r${n % 5}`, number: n }))).job.id);

    await eventually(() => readRuns(runs).filter((l) => l.startsWith("end ")).length >= 10, 20_000);
    await redis.restart(700);
    expect(readRuns(runs).filter((l) => l.startsWith("end ")).length).toBeLessThan(50);

    await eventually(async () => {
      const jobs = await Promise.all(ids.map((id) => queue.get(id)));
      return jobs.every((j) => j?.state === "succeeded");
    }, 40_000);
    const lines = readRuns(runs);
    for (const id of ids) {
      expect(count(lines, `start ${id}`), `starts of ${id}`).toBe(1);
      expect(count(lines, `end ${id}`), `ends of ${id}`).toBe(1);
    }
  });
});
