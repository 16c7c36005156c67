/**
 * The embedded store under faults a user or an operator can cause: another process
 * holding the lock, a full disk, a read-only disk, a damaged row, a damaged file, a
 * database from a newer Droid. Each one is a typed `JobStoreError` the caller can
 * report, logged clearly, and the store works again once the cause is gone.
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, open, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { DATABASE_FILE, SqliteJobQueue } from "../../src/jobs/sqlite-queue.ts";
import { JobStoreError } from "../../src/jobs/store-errors.ts";
import { newJob } from "./fixtures.ts";
import { holdWriteLock, release } from "./lock-holder.ts";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).toReversed()) await cleanup();
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "droid-faults-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function captureLog() {
  const lines: { msg: string; reason?: string }[] = [];
  const log = pino({ level: "error" }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { log, lines };
}

function openQueue(dataDir: string, options: Partial<ConstructorParameters<typeof SqliteJobQueue>[0]> = {}) {
  const queue = new SqliteJobQueue({ dataDir, ...options });
  cleanups.push(() => queue.close());
  return queue;
}

async function rejection(promise: Promise<unknown>): Promise<JobStoreError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof JobStoreError)) throw new Error(`expected a JobStoreError, got ${String(error)}`);
  return error;
}

/** A tiny tmpfs, so the disk really fills up (root, as in CI). */
function mountTmpfs(dir: string, size: string): void {
  const mounted = spawnSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir], { encoding: "utf8" });
  if (mounted.status !== 0) {
    throw new Error(`the disk-full test mounts a small tmpfs and needs root: ${mounted.stderr.trim()}`);
  }
  cleanups.push(() => void spawnSync("umount", ["-l", dir]));
}

/** `target` shows `source` read-only (a bind mount, as a read-only volume would). */
function bindReadOnly(source: string, target: string): void {
  for (const args of [["--bind", source, target], ["-o", "remount,ro,bind", target]]) {
    const mounted = spawnSync("mount", args, { encoding: "utf8" });
    if (mounted.status !== 0) throw new Error(`the read-only test needs root to bind-mount: ${mounted.stderr.trim()}`);
  }
  cleanups.push(() => void spawnSync("umount", ["-l", target]));
}

describe("SQLite store faults", () => {
  it("reports a lock held by another process as 'locked' without blocking the event loop, then recovers", async () => {
    const dataDir = await tempDir();
    const { log, lines } = captureLog();
    const queue = openQueue(dataDir, { lockTimeoutMs: 400, log });
    const holder = await holdWriteLock(join(dataDir, DATABASE_FILE));
    cleanups.push(() => release(holder));

    let ticks = 0;
    const ticker = setInterval(() => ticks++, 10);
    const started = Date.now();
    const error = await rejection(queue.enqueue(newJob({ deliveryId: "while-locked" })));
    clearInterval(ticker);

    expect(error.reason).toBe("locked");
    expect(error.userMessage).toMatch(/busy/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    expect(ticks).toBeGreaterThan(15); // the event loop kept running while waiting
    expect(lines).toContainEqual(expect.objectContaining({ reason: "locked", msg: expect.stringMatching(/job store failure/) }));

    await release(holder);
    expect((await queue.enqueue(newJob({ deliveryId: "while-locked" }))).status).toBe("created");
  });

  it("reports a full disk as 'disk-full' and works again once space is freed", async () => {
    const dataDir = await tempDir();
    mountTmpfs(dataDir, "1m");
    const queue = openQueue(dataDir, { log: pino({ enabled: false }) });
    const filler = join(dataDir, "filler");
    await writeFile(filler, Buffer.alloc(700 * 1024));
    const big = "x".repeat(40 * 1024);
    let failure: JobStoreError | undefined;
    for (let i = 0; i < 50 && !failure; i++) {
      failure = await queue.enqueue(newJob({ number: i + 1, request: { kind: "fix", instructions: big } })).then(
        () => undefined,
        (e: unknown) => (e instanceof JobStoreError ? e : Promise.reject(e)),
      );
    }
    expect(failure?.reason).toBe("disk-full");
    expect(failure?.userMessage).toMatch(/out of disk space/);

    await rm(filler);
    expect((await queue.enqueue(newJob({ number: 999 }))).status).toBe("created");
  });

  it("refuses a store on a read-only disk with 'read-only'", async () => {
    const dataDir = await tempDir();
    await new SqliteJobQueue({ dataDir }).close();
    const readOnly = await tempDir();
    bindReadOnly(dataDir, readOnly);
    const opening = (() => {
      try {
        return new SqliteJobQueue({ dataDir: readOnly });
      } catch (error) {
        return error;
      }
    })();
    expect(opening).toBeInstanceOf(JobStoreError);
    expect(opening).toMatchObject({ reason: "read-only", userMessage: expect.stringMatching(/cannot be written/) });
  });

  it("sets a damaged job aside with a typed error and keeps serving the others", async () => {
    const dataDir = await tempDir();
    const { log, lines } = captureLog();
    const queue = openQueue(dataDir, { log });
    const damaged = await queue.enqueue(newJob({ number: 1 }));
    const healthy = await queue.enqueue(newJob({ number: 2 }));
    const raw = new DatabaseSync(join(dataDir, DATABASE_FILE));
    raw.prepare("UPDATE jobs SET request = ? WHERE id = ?").run('{"kind": "plan", "feedb', damaged.job.id);
    raw.close();

    const readError = await rejection(queue.get(damaged.job.id));
    expect(readError).toMatchObject({ reason: "corrupt-record", jobId: damaged.job.id });

    const claimError = await rejection(queue.claim("w", ["plan"]));
    expect(claimError).toMatchObject({ reason: "corrupt-record", jobId: damaged.job.id });
    expect(lines).toContainEqual(expect.objectContaining({ msg: expect.stringMatching(/damaged; it was marked failed/) }));
    expect((await queue.claim("w", ["plan"]))?.id).toBe(healthy.job.id);
    // The target is free again: asking anew records a new job.
    expect((await queue.enqueue(newJob({ number: 1 }))).status).toBe("created");
  });

  it("refuses a damaged database file with 'corrupt-database'", async () => {
    const dataDir = await tempDir();
    const first = new SqliteJobQueue({ dataDir });
    await first.enqueue(newJob());
    await first.close();
    const file = await open(join(dataDir, DATABASE_FILE), "r+");
    await file.write(Buffer.from("this is not a SQLite database header, not at all"), 0, undefined, 0);
    await file.close();
    expect(() => new SqliteJobQueue({ dataDir })).toThrow(
      expect.objectContaining({ name: "JobStoreError", reason: "corrupt-database" }),
    );
  });

  it("refuses a database written by a newer Droid with 'schema-too-new'", async () => {
    const dataDir = await tempDir();
    await new SqliteJobQueue({ dataDir }).close();
    const raw = new DatabaseSync(join(dataDir, DATABASE_FILE));
    raw.exec("PRAGMA user_version = 99");
    raw.close();
    expect(() => new SqliteJobQueue({ dataDir })).toThrow(expect.objectContaining({ reason: "schema-too-new" }));
  });
});
