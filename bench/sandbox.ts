/**
 * npm run bench:sandbox — time from "start job" to the first command in the sandbox, for a small
 * repository and one of 10,000 files, against a bare `docker run --rm <image> true` measured in
 * the same run; the overhead of one exec (the process reaper included) against `docker exec`
 * from the CLI; and how soon a sandbox answers again after a fork bomb.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { promisify } from "node:util";
import pino from "pino";
import { DEFAULT_LIMITS, SANDBOX_IMAGE, type Sandbox, createDockerClient, createSandbox } from "../src/sandbox/index.ts";
import { Repository } from "../src/workspace/index.ts";
import { bringChangesBack, copyTreeIntoSandbox } from "../src/sandbox/index.ts";
import { type FixtureFile, startGitServer } from "../test/helpers/git-server.ts";

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

async function startJob(server: Awaited<ReturnType<typeof startGitServer>>, name: string) {
  const jobDir = await mkdtemp(path.join(tmpdir(), "droid-bench-"));
  const phases: Record<string, number> = {};
  const total = performance.now();
  const [repo, clone] = await timed(() =>
    Repository.open({
      cloneUrl: server.cloneUrl(name),
      token,
      defaultBranch: "main",
      jobDir,
      checkout: { kind: "new-branch", name: "droid/1-bench" },
      logger,
    }),
  );
  phases["clone"] = clone;
  const diskCopy = path.join(jobDir, "disk-baseline");
  phases["  baseline: tar | tar -x of the tree on this disk"] = (
    await timed(() => run("sh", ["-c", `mkdir '${diskCopy}' && tar -C '${repo.tree}' -cf - . | tar -C '${diskCopy}' -xf -`]))
  )[1];
  const [sandbox, create] = await timed(() =>
    createSandbox(docker, {
      owner: { jobId: `bench-${name}`, instance: "bench" },
      image: SANDBOX_IMAGE,
      network: "none",
      limits: DEFAULT_LIMITS,
      secrets: [token],
      logger,
    }),
  );
  phases["create sandbox"] = create;
  phases["copy work tree in"] = (await timed(() => copyTreeIntoSandbox(repo.tree, sandbox)))[1];
  phases["  baseline: tar | docker cp (CLI)"] = (
    await timed(() => run("sh", ["-c", `tar -C '${repo.tree}' --owner=1000 --group=1000 -cf - . | docker cp - ${sandbox.id}:/workspace`]))
  )[1];
  phases["first command"] = (await timed(() => sandbox.exec("true")))[1];
  const baselines = Object.entries(phases).filter(([phase]) => phase.startsWith("  baseline"));
  phases["total: start job → first command"] = performance.now() - total - baselines.reduce((sum, [, value]) => sum + value, 0);
  await sandbox.exec("echo changed >> package.json && echo new > added.txt");
  phases["bring changes back (2 files)"] = (await timed(() => bringChangesBack(sandbox, repo.tree, () => repo.ignoreRules())))[1];
  return { phases, sandbox, cleanup: async () => { await sandbox.remove(); await rm(jobDir, { recursive: true, force: true }); } };
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

const server = await startGitServer(token);
try {
  await server.createRepo("small", fixture(20));
  await server.createRepo("large", fixture(10_000));

  const bare: number[] = [];
  for (let index = 0; index < 5; index++) bare.push((await timed(() => run("docker", ["run", "--rm", SANDBOX_IMAGE, "true"])))[1]);
  console.log(`baseline: docker run --rm ${SANDBOX_IMAGE} true (median of 5): ${ms(median(bare))}\n`);

  for (const name of ["small", "large"]) {
    const job = await startJob(server, name);
    console.log(`${name === "small" ? "small repo (22 files)" : "large repo (10,002 files)"}:`);
    for (const [phase, value] of Object.entries(job.phases)) console.log(`  ${phase.padEnd(50)} ${ms(value)}`);
    const total = job.phases["total: start job → first command"] ?? 0;
    console.log(`  ${"vs bare docker run".padEnd(50)} ${(total / median(bare)).toFixed(1).padStart(6)} ×\n`);

    if (name === "small") {
      const ours: number[] = [];
      const cli: number[] = [];
      reapTimes.length = 0;
      for (let index = 0; index < 20; index++) {
        ours.push((await timed(() => job.sandbox.exec("true")))[1]);
        cli.push((await timed(() => run("docker", ["exec", job.sandbox.id, "true"])))[1]);
      }
      console.log("exec overhead per command (median of 20):");
      console.log(`  sandbox.exec("true")                 ${ms(median(ours))}`);
      console.log(`  docker exec <id> true (CLI)          ${ms(median(cli))}`);
      console.log(`  ↳ of which the process reaper        ${ms(median(reapTimes))}\n`);
      await forkBombFigures(job.sandbox);
    }
    await job.cleanup();
  }
} finally {
  await server.close();
}
