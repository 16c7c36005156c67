/**
 * npm run bench:sandbox [small|large|huge|npm …] — time from "start job" to the first command in
 * the sandbox for repositories of 22, 10,002 and 50,002 files, cold (no mirror, no pooled
 * container) and warm (the mirror has the objects, a pooled container is ready), against the
 * floor measured in the same run (git's own fetch, `docker run` of the same hardened spec,
 * `git archive` streamed into `tar -x`, one `docker exec`), each the median of BENCH_RUNS (3);
 * a second job whose `npm ci` (against a verdaccio registry started here) comes from the setup
 * cache; the overhead of one exec (the process reaper included) against `docker exec` from the
 * CLI; and how soon a sandbox answers again after a fork bomb.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { promisify } from "node:util";
import pino from "pino";
import { DEFAULT_LIMITS, type PoolSpec, SANDBOX_IMAGE, type Sandbox, SandboxPool, bringChangesBack, copyFilesIntoSandbox, createDockerClient, createSandbox, resolveDiskQuota } from "../src/sandbox/index.ts";
import { planContainer } from "../src/sandbox/container-spec.ts";
import { describeDiskQuota, volumeMemoryMb, volumeOptions } from "../src/sandbox/disk-quota.ts";
import { Repository } from "../src/workspace/index.ts";
import { type FixtureFile, type GitServer, startGitServer } from "../test/helpers/git-server.ts";
import { cachedSetupFigures } from "./setup-cache-bench.ts";

const run = promisify(execFile);
const docker = createDockerClient();
/** The process reaper's time per command, read from the sandbox's debug log lines. */
const reapTimes: number[] = [];
const logger = pino(
  { level: "debug" },
  new Writable({
    write(chunk: Buffer, _encoding, done) {
      const reapMs = /"reapMs":(\d+)/.exec(chunk.toString("utf8"))?.[1];
      if (reapMs !== undefined) reapTimes.push(Number(reapMs));
      done();
    },
  }),
);
const token = randomBytes(16).toString("hex");

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const value = await work();
  return [value, performance.now() - started];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

const ms = (value: number) => `${value.toFixed(0).padStart(6)} ms`;

function fixture(fileCount: number): Record<string, FixtureFile> {
  const files: Record<string, FixtureFile> = { "package.json": '{ "name": "bench" }\n', ".gitignore": "node_modules/\n" };
  for (let index = 0; index < fileCount; index++) {
    files[`src/dir${Math.floor(index / 100)}/file${index}.js`] = `export const value${index} = ${index};\n`;
  }
  return files;
}

/** The engine's floor for one job start, measured with the CLIs: what no Droid could beat on this machine. */
async function floorStart(server: GitServer, name: string): Promise<Record<string, number>> {
  const dir = await mkdtemp(path.join(tmpdir(), "droid-floor-"));
  const phases: Record<string, number> = {};
  const url = new URL(server.cloneUrl(name));
  url.username = "x-access-token";
  url.password = token;
  try {
    phases["fetch the objects (git clone --bare --depth 1)"] = (await timed(() => run("git", ["clone", "-q", "--bare", "--depth", "1", "--branch", "main", url.href, `${dir}/git`])))[1];
    const plan = planContainer({ owner: { jobId: `bench-floor-${name}`, instance: "bench" }, image: SANDBOX_IMAGE, network: "none", limits: DEFAULT_LIMITS, runtime: null, networkName: "bridge", volumeMemoryMb: volumeMemoryMb(DISK), suffix: randomBytes(4).toString("hex") });
    const [container, create] = await timed(async () => {
      await docker.createVolume({ Name: plan.workVolume, Labels: plan.create.Labels ?? {}, ...volumeOptions(DISK) });
      await docker.createVolume({ Name: plan.stateVolume, Labels: plan.create.Labels ?? {}, ...volumeOptions(DISK) });
      const created = await docker.createContainer(plan.create);
      await created.start();
      return created;
    });
    phases["docker run of the same hardened spec (API)"] = create;
    phases["git archive | docker exec -i tar -x"] = (
      await timed(() => run("sh", ["-c", `git --git-dir='${dir}/git' archive --format=tar HEAD | docker exec -i -u 1000:1000 ${container.id} tar -x -C /workspace`]))
    )[1];
    phases["first exec (docker exec true)"] = (await timed(() => run("docker", ["exec", container.id, "true"])))[1];
    phases["floor: start → first command"] = Object.values(phases).reduce((sum, value) => sum + value, 0);
    await container.remove({ force: true, v: true });
    for (const volume of [plan.workVolume, plan.stateVolume]) await docker.getVolume(volume).remove().catch(() => {});
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return phases;
}

/** Droid's job start as the workbench does it: objects through the mirror, sandbox, the tree streamed in, first command. */
async function droidStart(server: GitServer, name: string, dataDir: string, job: string, pool?: SandboxPool) {
  const jobDir = path.join(dataDir, "jobs", job);
  await mkdir(jobDir, { recursive: true });
  const phases: Record<string, number> = {};
  const total = performance.now();
  const [repo, fetched] = await timed(() =>
    Repository.open({ cloneUrl: server.cloneUrl(name), token, defaultBranch: "main", jobDir, checkout: { kind: "new-branch", name: "droid/1-bench" }, mirrorsDir: path.join(dataDir, "mirrors"), logger }),
  );
  phases["objects through the mirror (own fetch + index)"] = fetched;
  const [sandbox, create] = await timed(() =>
    createSandbox(docker, { owner: { jobId: `bench-${name}-${job}`, instance: "bench" }, image: SANDBOX_IMAGE, network: "none", limits: DEFAULT_LIMITS, disk: DISK, secrets: [token], logger, ...(pool ? { pool } : {}) }),
  );
  phases[pool ? "take a pooled sandbox" : "create + start the sandbox"] = create;
  const [baseline, copy] = await timed(() => copyFilesIntoSandbox(repo.files(), sandbox));
  phases["stream the tree in from the objects"] = copy;
  phases["first command (sandbox.exec true)"] = (await timed(() => sandbox.exec("true")))[1];
  phases["Droid: start → first command"] = performance.now() - total;
  return { phases, repo, sandbox, baseline, cleanup: async () => { await sandbox.remove(); await rm(jobDir, { recursive: true, force: true }); } };
}

/** Each phase's figure; with `runs`, each run's figure after it, so the noise shows. */
function printPhases(phases: Record<string, number>, runs: Record<string, number>[] = []): void {
  for (const [phase, value] of Object.entries(phases)) {
    const each = runs.length > 1 ? `   (${runs.map((figures) => (figures[phase] ?? Number.NaN).toFixed(0)).join(", ")})` : "";
    console.log(`  ${phase.padEnd(50)} ${ms(value)}${each}`);
  }
}

/**
 * A fork bomb run with a 2 s timeout, then `echo ok`: the time from the bomb's end (its timeout,
 * or the moment the command itself returned when the bomb left its process group) until
 * `echo ok` has answered. Median of 3 each.
 */
async function forkBombFigures(sandbox: Sandbox): Promise<void> {
  const bombs = [
    { name: "fork bomb in its process group, past a 2 s timeout", command: ":(){ :|:& };:; sleep 60", endsAfterMs: 2000 },
    // Forks in an endless loop (the classic one sometimes dies out by itself once the pids run out).
    { name: "endless fork bomb that left its process group", command: "setsid -f bash -c 'b() { while :; do b & done; }; b' >/dev/null 2>&1", endsAfterMs: 0 },
  ];
  console.log("sandbox usable again after a fork bomb (bomb's end → `echo ok` answered, median of 3):");
  for (const bomb of bombs) {
    const figures: number[] = [];
    for (let index = 0; index < 3; index++) {
      const started = performance.now();
      await sandbox.exec(bomb.command, { timeoutSeconds: 2 });
      const ok = await sandbox.exec("echo ok");
      if (ok.stdout !== "ok\n") throw new Error(`the sandbox did not answer after the bomb: ${ok.kind} ${ok.stderr}`);
      figures.push(performance.now() - started - bomb.endsAfterMs);
    }
    console.log(`  ${bomb.name.padEnd(50)} ${ms(median(figures))}`);
  }
  console.log(`  ${"baseline: sandbox.exec(\"echo ok\") when idle".padEnd(50)} ${ms((await timed(() => sandbox.exec("echo ok")))[1])}\n`);
}

/** Runs `work` once the disk has written out what earlier phases left (`sync`), so no phase pays for another's. */
async function quiet<T>(work: () => Promise<T>): Promise<T> {
  await run("sync");
  return work();
}

/** Phase by phase, the median of several runs. */
function medianPhases(runs: Record<string, number>[]): Record<string, number> {
  const phases: Record<string, number> = {};
  for (const phase of Object.keys(runs[0] ?? {})) phases[phase] = median(runs.map((figures) => figures[phase] ?? Number.NaN));
  return phases;
}

/**
 * The sandbox volumes' backing Droid picks on this engine with the operator's settings
 * (`DROID_SANDBOX_DISK_MB`, default 4096; `DROID_SANDBOX_DISK_BACKING`, default auto: the
 * engine's quota when it has one, else memory-backed tmpfs), for the floor and Droid alike:
 * the benchmark times what a job does in production, not a volume on the host's disk.
 */
const backing = process.env["DROID_SANDBOX_DISK_BACKING"];
const DISK = await resolveDiskQuota(docker, {
  diskMb: Number(process.env["DROID_SANDBOX_DISK_MB"] ?? 4096),
  diskBacking: backing === "quota" || backing === "tmpfs" ? backing : "auto",
});
console.log(`sandbox volumes: ${describeDiskQuota(DISK)}\n`);
/** What `createSandbox` asks the pool for in these jobs (network none, the volumes above). */
const POOL_SPEC: PoolSpec = { image: SANDBOX_IMAGE, network: "none", limits: DEFAULT_LIMITS, runtime: null, volumeMemoryMb: volumeMemoryMb(DISK), networkName: "bridge", disk: DISK };
const RUNS = Number(process.env["BENCH_RUNS"] ?? 3);
const chosen = process.argv.slice(2);
const wanted = (name: string) => chosen.length === 0 || chosen.includes(name);

const server = await startGitServer(token);
const sizes = [
  { name: "small", label: "22 files", files: 20 },
  { name: "large", label: "10,002 files", files: 10_000 },
  { name: "huge", label: "50,002 files", files: 50_000 },
].filter((size) => wanted(size.name));
const pool = new SandboxPool(docker, { size: 1, instance: "bench", logger });
const summary: string[] = [];
try {
  for (const size of sizes) await server.createRepo(size.name, fixture(size.files));
  for (const size of sizes) {
    console.log(`${size.label} (median of ${RUNS}):`);
    const floors: Record<string, number>[] = [];
    const colds: Record<string, number>[] = [];
    const warms: Record<string, number>[] = [];
    let last: Awaited<ReturnType<typeof droidStart>> | null = null;
    const dataDirs: string[] = [];
    for (let index = 0; index < RUNS; index++) {
      const dataDir = await mkdtemp(path.join(tmpdir(), "droid-bench-data-"));
      dataDirs.push(dataDir);
      // The floor first in even runs, last in odd ones: whatever the disk still does after a
      // phase (removing the last sandbox's files) weighs on both sides alike.
      if (index % 2 === 0) floors.push(await quiet(() => floorStart(server, size.name)));
      const cold = await quiet(() => droidStart(server, size.name, dataDir, `cold${index}`));
      colds.push(cold.phases);
      await cold.cleanup();
      // The pool's container is started before the warm job (a worker keeps one ready).
      pool.keepWarm(POOL_SPEC);
      await pool.settled();
      const warm = await quiet(() => droidStart(server, size.name, dataDir, `warm${index}`, pool));
      warms.push(warm.phases);
      await pool.settled();
      await last?.cleanup();
      last = warm;
      if (index % 2 === 1) floors.push(await quiet(() => floorStart(server, size.name)));
    }
    const floor = medianPhases(floors);
    printPhases(floor, floors);
    const cold = medianPhases(colds);
    console.log("  cold (no mirror yet, no pooled sandbox):");
    printPhases(cold, colds);
    const warmPhases = medianPhases(warms);
    console.log("  warm (second job: the mirror has the objects, a pooled sandbox):");
    printPhases(warmPhases, warms);
    const floorTotal = floor["floor: start → first command"] ?? Number.NaN;
    const ratio = (phases: Record<string, number>) => ((phases["Droid: start → first command"] ?? Number.NaN) / floorTotal).toFixed(2);
    console.log(`  ${"Droid / floor, cold · warm".padEnd(50)} ${ratio(cold)} × · ${ratio(warmPhases)} ×`);
    summary.push(`  ${size.label.padEnd(14)} floor ${ms(floorTotal)} · cold ${ms(cold["Droid: start → first command"] ?? Number.NaN)} (${ratio(cold)} ×) · warm ${ms(warmPhases["Droid: start → first command"] ?? Number.NaN)} (${ratio(warmPhases)} ×)`);
    const warm = last;
    if (warm === null) continue;
    await warm.sandbox.exec("echo changed >> package.json && echo new > added.txt");
    const back = (await timed(() => bringChangesBack(warm.sandbox, warm.repo.tree, () => warm.repo.ignoreRules(), warm.baseline)))[1];
    console.log(`  ${"bring changes back (2 files)".padEnd(50)} ${ms(back)}\n`);

    if (size.name === "small") {
      const ours: number[] = [];
      const cli: number[] = [];
      reapTimes.length = 0;
      for (let index = 0; index < 20; index++) {
        ours.push((await timed(() => warm.sandbox.exec("true")))[1]);
        cli.push((await timed(() => run("docker", ["exec", warm.sandbox.id, "true"])))[1]);
      }
      console.log("exec overhead per command (median of 20):");
      console.log(`  sandbox.exec("true")                 ${ms(median(ours))}`);
      console.log(`  docker exec <id> true (CLI)          ${ms(median(cli))}`);
      console.log(`  ↳ of which the process reaper        ${ms(median(reapTimes))}\n`);
      await forkBombFigures(warm.sandbox);
    }
    await warm.cleanup();
    for (const dataDir of dataDirs) await rm(dataDir, { recursive: true, force: true });
  }
  if (wanted("npm")) summary.push(...(await cachedSetupFigures({ docker, server, token, logger })));
  console.log("summary:");
  for (const line of summary) console.log(line);
} finally {
  await pool.close();
  await server.close();
}
