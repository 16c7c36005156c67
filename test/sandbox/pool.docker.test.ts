/**
 * Warm sandboxes with the real engine: a job takes a container the pool started ahead of time
 * and the pool starts its replacement; a pool of 0 keeps nothing; shutdown and the start-up
 * reaping remove the idle containers; a request that needs its own container (a cache entry
 * mounted) never takes a pooled one. Pre-warming: a new pool on the same data directory warms
 * what the previous one was asked for before any job asks (or a default job's on a new worker),
 * ignores a corrupt record and a gone image, and leaves nothing when closed meanwhile.
 */
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_LIMITS, NO_DISK_QUOTA, POOL_JOB_ID, type PoolSpec, SANDBOX_IMAGE, SandboxPool, containerNamePrefix, createSandbox, reapContainers, reapJobSandboxes } from "../../src/sandbox/index.ts";
import { docker, dockerAnswers, memoryLogger, uniqueId } from "../helpers/docker.ts";

const engine = await dockerAnswers();
const { logger } = memoryLogger();
/** The worker data directories of this file's pools (one record file per test). */
const dataDir = await mkdtemp(path.join(tmpdir(), "droid-pool-"));
afterAll(() => rm(dataDir, { recursive: true, force: true }));

/** What `createSandbox` asks the pool for with these options (no quota, network none). */
const SPEC: PoolSpec = { image: SANDBOX_IMAGE, network: "none", limits: DEFAULT_LIMITS, runtime: null, volumeMemoryMb: 0, networkName: "bridge", disk: NO_DISK_QUOTA };

/** The pool's containers of a worker instance on the engine (running or not). */
async function pooledContainers(instance: string): Promise<string[]> {
  const filters = JSON.stringify({ label: [`dev.droid.instance=${instance}`, `dev.droid.job=${POOL_JOB_ID}`] });
  return (await docker.listContainers({ all: true, filters })).map((info) => info.Id);
}

const sandboxFrom = (pool: SandboxPool, instance: string, extra: { setupCacheVolume?: string } = {}) =>
  createSandbox(docker, { owner: { jobId: uniqueId("pooled"), instance }, image: SANDBOX_IMAGE, network: "none", limits: DEFAULT_LIMITS, pool, logger, ...extra });

describe.skipIf(!engine)("sandbox pool", () => {
  it("gives a job the container it started ahead of time, then starts a replacement", async () => {
    const instance = uniqueId("pool-worker");
    const pool = new SandboxPool(docker, { size: 1, instance, logger });
    try {
      // The first job of a specification waits for its own container; the pool fills behind it.
      const first = await sandboxFrom(pool, instance);
      await pool.settled();
      expect(pool.idle(SPEC)).toBe(1);
      const [warm] = await pooledContainers(instance);
      await first.remove();

      const jobId = uniqueId("pooled");
      // Other timeouts and output cap (an investigation's): the same container, so the warm one.
      const limits = { ...DEFAULT_LIMITS, commandTimeoutSeconds: 60, setupTimeoutSeconds: 1, outputBytes: 64 * 1024 };
      const second = await createSandbox(docker, { owner: { jobId, instance }, image: SANDBOX_IMAGE, network: "none", limits, pool, logger });
      expect(second.id).toBe(warm);
      // Renamed for its job: a retry of the job finds and removes it (its labels are the pool's).
      expect((await docker.getContainer(second.id).inspect()).Name).toMatch(new RegExp(`^/${containerNamePrefix(jobId)}`));
      const result = await second.exec("id -u && touch /workspace/ok && ls /workspace");
      expect(result).toMatchObject({ kind: "completed", exitCode: 0, stdout: "1000\nok\n" });
      await pool.settled();
      expect(pool.idle(SPEC)).toBe(1);
      const refilled = await pooledContainers(instance);
      expect(refilled).toHaveLength(2); // the one in use and its replacement
      expect(refilled.filter((id) => id !== warm)).toHaveLength(1);

      // What a killed attempt of the job left is removed before the retry's sandbox, volumes too.
      const volumes = (await docker.getContainer(second.id).inspect()).Mounts.map((mount) => mount.Name ?? "");
      expect(await reapJobSandboxes(docker, jobId, logger)).toEqual({ containers: 1, volumes: 2 });
      await expect(docker.getContainer(warm ?? "").inspect()).rejects.toMatchObject({ statusCode: 404 });
      for (const volume of volumes) await expect(docker.getVolume(volume).inspect()).rejects.toMatchObject({ statusCode: 404 });
      await second.remove();
    } finally {
      await pool.close();
    }
    expect(await pooledContainers(instance)).toEqual([]);
  });

  it("keeps nothing ready with size 0: every sandbox is created on demand, nothing is warmed or written", async () => {
    const instance = uniqueId("pool-off");
    const recordFile = path.join(dataDir, `${instance}.json`);
    const pool = new SandboxPool(docker, { size: 0, instance, recordFile, logger });
    pool.prewarm(SPEC);
    const sandbox = await sandboxFrom(pool, instance);
    try {
      await pool.settled();
      expect(pool.idle()).toBe(0);
      expect(await pooledContainers(instance)).toEqual([]);
      expect(existsSync(recordFile)).toBe(false);
      expect((await sandbox.exec("echo ok")).stdout).toBe("ok\n");
    } finally {
      await sandbox.remove();
      await pool.close();
    }
  });

  it("removes its idle containers at shutdown, and the start-up reaping removes those a crash left", async () => {
    const closing = uniqueId("pool-close");
    const pool = new SandboxPool(docker, { size: 2, instance: closing, logger });
    pool.keepWarm(SPEC);
    await pool.settled();
    expect(await pooledContainers(closing)).toHaveLength(2);
    await pool.close();
    expect(await pooledContainers(closing)).toEqual([]);
    expect(await pool.take(SPEC)).toBeNull(); // closed: no new containers either
    await pool.settled();
    expect(await pooledContainers(closing)).toEqual([]);

    const crashed = uniqueId("pool-crash");
    const orphaned = new SandboxPool(docker, { size: 1, instance: crashed, logger });
    orphaned.keepWarm(SPEC);
    await orphaned.settled(); // never closed: the worker "crashed"
    expect(await pooledContainers(crashed)).toHaveLength(1);
    expect(await reapContainers(docker, crashed, logger)).toEqual({ containers: 1, volumes: 2 });
    expect(await pooledContainers(crashed)).toEqual([]);
  });

  it("creates a job's own container when the request mounts a cache entry", async () => {
    const instance = uniqueId("pool-cache");
    const pool = new SandboxPool(docker, { size: 1, instance, logger });
    const volume = uniqueId("droid-test-cache");
    await docker.createVolume({ Name: volume, Labels: { "dev.droid.app": "droid", "dev.droid.instance": instance } });
    try {
      pool.keepWarm(SPEC);
      await pool.settled();
      const [warm] = await pooledContainers(instance);
      const sandbox = await sandboxFrom(pool, instance, { setupCacheVolume: volume });
      try {
        expect(sandbox.id).not.toBe(warm);
        expect(pool.idle(SPEC)).toBe(1);
        expect((await sandbox.exec("test -d /droid-cache && echo mounted")).stdout).toBe("mounted\n");
      } finally {
        await sandbox.remove();
      }
    } finally {
      await pool.close();
      await docker.getVolume(volume).remove();
    }
  });

  it("warms at start-up what the previous run was asked for, before any job asks; the first job takes it", async () => {
    const recordFile = path.join(dataDir, "restart.json");
    const before = uniqueId("pool-before");
    const previous = new SandboxPool(docker, { size: 1, instance: before, recordFile, logger });
    expect(await previous.take(SPEC)).toBeNull(); // a job asked; nothing was ready yet
    await previous.close();
    expect(JSON.parse(await readFile(recordFile, "utf8"))).toEqual({ version: 1, specs: [SPEC] });

    const instance = uniqueId("pool-after");
    const pool = new SandboxPool(docker, { size: 1, instance, recordFile, logger });
    try {
      const starting = performance.now();
      pool.prewarm(null);
      await pool.settled();
      expect(performance.now() - starting).toBeLessThan(10_000);
      expect(pool.idle(SPEC)).toBe(1);
      const [warm] = await pooledContainers(instance);
      const first = await sandboxFrom(pool, instance);
      expect(first.id).toBe(warm);
      await first.remove();
      await pool.settled();
      // A crash now: the start-up reaping removes the replacement the pool started.
      expect(await reapContainers(docker, instance, logger)).toEqual({ containers: 1, volumes: 2 });
    } finally {
      await pool.close();
    }
    expect(await pooledContainers(instance)).toEqual([]);
  });

  it("ignores a corrupt or old record with one warning, and drops a specification whose image is gone", async () => {
    const recordFile = path.join(dataDir, "corrupt.json");
    const instance = uniqueId("pool-corrupt");
    const cases = [
      { text: '{"version": 1, "specs": [', fallback: SPEC, warned: /ignoring the sandbox pool's record/, ready: 1 },
      { text: JSON.stringify({ specs: [SPEC] }), fallback: null, warned: /ignoring the sandbox pool's record/, ready: 0 },
      { text: JSON.stringify({ version: 1, specs: [{ ...SPEC, image: "droid-test-gone:0" }] }), fallback: SPEC, warned: /image is no longer on the engine/, ready: 0 },
    ];
    for (const { text, fallback, warned, ready } of cases) {
      await writeFile(recordFile, text);
      const log = memoryLogger();
      const pool = new SandboxPool(docker, { size: 1, instance, recordFile, logger: log.logger });
      try {
        pool.prewarm(fallback);
        await pool.settled();
        expect(log.lines.filter((line) => line.includes('"level":40'))).toHaveLength(1);
        expect(log.lines.join("")).toMatch(warned);
        expect(await pooledContainers(instance)).toHaveLength(ready);
        expect(await readFile(recordFile, "utf8")).toBe(text); // nothing asked: the record is left as it was
      } finally {
        await pool.close();
      }
    }
    await expect(docker.getImage("droid-test-gone:0").inspect()).rejects.toMatchObject({ statusCode: 404 }); // never pulled
  });

  it("leaves no container when it closes while warming", async () => {
    const recordFile = path.join(dataDir, "closing.json");
    await writeFile(recordFile, JSON.stringify({ version: 1, specs: [SPEC] }));
    const instance = uniqueId("pool-warming");
    const early = new SandboxPool(docker, { size: 2, instance, recordFile, logger });
    early.prewarm(null);
    await early.close(); // before the record is read
    expect(await pooledContainers(instance)).toEqual([]);

    const pool = new SandboxPool(docker, { size: 2, instance, recordFile, logger });
    pool.prewarm(null);
    // Closed as soon as the engine has the first container (started and handed over later).
    while ((await pooledContainers(instance)).length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    await pool.close();
    expect(await pooledContainers(instance)).toEqual([]);
  });
});
