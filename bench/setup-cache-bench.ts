/**
 * bench:sandbox's dependency-cache part: two jobs on a repository whose setup is a real
 * `npm ci` against a verdaccio registry started here (local-registry.ts). The first job runs
 * setup and keeps what it installed; the second starts from the cache. Each job is timed from
 * its start (the clone) to its first command, as the workbench runs them.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type Docker from "dockerode";
import type { Logger } from "pino";
import { DEFAULT_LIMITS, SANDBOX_IMAGE, SetupCache, copyFilesIntoSandbox, createSandbox, runSetup, setupCacheKey } from "../src/sandbox/index.ts";
import { Repository } from "../src/workspace/index.ts";
import type { GitServer } from "../test/helpers/git-server.ts";
import { FIXTURE_PACKAGE, startLocalRegistry } from "./local-registry.ts";

const ms = (value: number) => `${value.toFixed(0).padStart(6)} ms`;
const NPM_CI = { command: "npm ci --no-audit --no-fund", source: "config" as const, reason: ".github/droid.yml" };

interface Context {
  docker: Docker;
  server: GitServer;
  token: string;
  logger: Logger;
}

/** Runs the two jobs, prints their phases, returns the summary lines. */
export async function cachedSetupFigures({ docker, server, token, logger }: Context): Promise<string[]> {
  console.log("npm ci from a local registry (verdaccio), first job vs second job (setup cache):");
  const bridge = (await docker.getNetwork("bridge").inspect()) as { IPAM?: { Config?: { Gateway?: string }[] } };
  const gateway = bridge.IPAM?.Config?.[0]?.Gateway ?? "172.17.0.1";
  const registry = await startLocalRegistry(gateway);
  const dataDir = await mkdtemp(path.join(tmpdir(), "droid-bench-npm-"));
  try {
    await server.createRepo("npm-app", {
      "package.json": `${JSON.stringify({ ...FIXTURE_PACKAGE, scripts: { test: "node index.js" } }, null, 2)}\n`,
      "package-lock.json": registry.lockfile,
      ".npmrc": `registry=${registry.url}\n`,
      "index.js": "const chalk = require('chalk'); const ms = require('ms'); console.log(chalk.green(ms(60000)));\n",
    });
    const imageId = (await docker.getImage(SANDBOX_IMAGE).inspect()).Id;
    const cache = new SetupCache(docker, { dir: path.join(dataDir, "setup-cache"), maxMb: 1024, logger });
    const job = async (name: string) => {
      const phases: Record<string, number> = {};
      const started = performance.now();
      let mark = started;
      const lap = (phase: string) => {
        const now = performance.now();
        phases[phase] = now - mark;
        mark = now;
      };
      const jobDir = path.join(dataDir, "jobs", name);
      const repo = await Repository.open({ cloneUrl: server.cloneUrl("npm-app"), token, defaultBranch: "main", jobDir, checkout: { kind: "new-branch", name: "droid/1-npm" }, mirrorsDir: path.join(dataDir, "mirrors"), logger });
      const lockfile = (await repo.regularFileText("package-lock.json")) ?? "";
      const key = setupCacheKey({ repository: "bench/npm-app", imageId, commands: [NPM_CI.command], network: "setup", lockfiles: [["package-lock.json", lockfile]] });
      const volume = await cache.lookup(key);
      lap("objects through the mirror + cache lookup");
      const sandbox = await createSandbox(docker, { owner: { jobId: `bench-npm-${name}`, instance: "bench" }, image: SANDBOX_IMAGE, network: "setup", limits: DEFAULT_LIMITS, secrets: [token], logger, ...(volume ? { setupCacheVolume: volume } : {}) });
      lap("create + start the sandbox");
      try {
        const baseline = await copyFilesIntoSandbox(repo.files(), sandbox);
        lap("stream the tree in");
        if (volume) {
          await cache.restore(sandbox);
          lap("restore node_modules from the cache");
        }
        const setup = await runSetup(sandbox, volume ? [] : [NPM_CI], { timeoutSeconds: 600 });
        if (setup.status === "failed") throw new Error(setup.message);
        lap(volume ? "setup skipped (network off)" : "setup: npm ci (network off after)");
        if (!volume) {
          await cache.save(sandbox, key, { repository: "bench/npm-app", image: SANDBOX_IMAGE, tracked: (relative) => baseline.has(relative) });
          lap("keep what setup installed (cache save)");
        }
        const first = await sandbox.exec("node index.js");
        if (first.kind !== "completed" || first.exitCode !== 0 || !first.stdout.includes("1m")) throw new Error(`the first command failed: ${first.stdout} ${first.stderr}`);
        lap("first command (node index.js: loads chalk, ms)");
        phases["start → first command"] = performance.now() - started;
        return phases;
      } finally {
        await sandbox.remove();
      }
    };
    const first = await job("first");
    const second = await job("second");
    for (const [label, phases] of [["first job (runs npm ci)", first], ["second job (cache hit)", second]] as const) {
      console.log(`  ${label}:`);
      for (const [phase, value] of Object.entries(phases)) console.log(`    ${phase.padEnd(48)} ${ms(value)}`);
    }
    console.log("");
    return [`  npm ci job     first ${ms(first["start → first command"] ?? Number.NaN)} (npm ci ${ms(first["setup: npm ci (network off after)"] ?? Number.NaN)}) · second, cached ${ms(second["start → first command"] ?? Number.NaN)}`];
  } finally {
    await registry.close();
    await docker.listVolumes({ filters: JSON.stringify({ label: ["dev.droid.setup-cache=bench_npm-app"] }) }).then(async ({ Volumes }) => {
      for (const volume of Volumes ?? []) await docker.getVolume(volume.Name).remove().catch(() => {});
    });
    await rm(dataDir, { recursive: true, force: true });
  }
}
