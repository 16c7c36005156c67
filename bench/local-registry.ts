/**
 * A real npm registry for benchmarks: verdaccio 6.8.0 (`.ci/verdaccio.sh` installs it), serving
 * only packages it was seeded with, over plain http on all addresses so that sandboxes reach it
 * through the Docker bridge's gateway. Seeding (once, kept in `~/.cache/droid/registry-seed`)
 * fetches the fixture's packages through verdaccio's uplink and writes the fixture's lockfile;
 * every later run starts verdaccio with no uplink at all, so it needs no outside network.
 */
import { execFile, spawn } from "node:child_process";
import { access, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { homedir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The fixture project's dependencies: a few small packages, one with a tree of its own. */
export const FIXTURE_PACKAGE = { name: "bench-npm", version: "1.0.0", private: true, dependencies: { chalk: "4.1.2", ms: "2.1.3", "is-number": "7.0.0" } };

export interface LocalRegistry {
  /** The registry's URL as a sandbox on the bridge reaches it. */
  url: string;
  /** The fixture's package-lock.json, resolved against this registry. */
  lockfile: string;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

async function startVerdaccio(dir: string, uplink: boolean): Promise<{ port: number; stop: () => Promise<void> }> {
  const binary = (await run("bash", [path.join(import.meta.dirname, "..", ".ci", "verdaccio.sh")])).stdout.trim();
  const port = await freePort();
  const config = [
    `storage: ${path.join(dir, "storage")}`,
    ...(uplink ? ["uplinks:", "  npmjs:", "    url: https://registry.npmjs.org/"] : []),
    "packages:",
    "  '**':",
    "    access: $all",
    ...(uplink ? ["    proxy: npmjs"] : []),
    "log: { type: stdout, format: pretty, level: error }",
    `listen: 0.0.0.0:${port}`,
  ].join("\n");
  await writeFile(path.join(dir, "config.yaml"), `${config}\n`);
  const child = spawn(binary, ["--config", path.join(dir, "config.yaml")], { stdio: "ignore" });
  for (let attempt = 0; ; attempt++) {
    const up = await fetch(`http://127.0.0.1:${port}/-/ping`).then((response) => response.ok, () => false);
    if (up) break;
    if (attempt > 100 || child.exitCode !== null) throw new Error("verdaccio did not start");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    port,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/** Seeds the registry's storage once (outside network, through the uplink) and writes the fixture's lockfile. */
async function seed(dir: string): Promise<void> {
  const project = path.join(dir, "fixture");
  if (await access(path.join(project, "package-lock.json")).then(() => true, () => false)) return;
  console.log("  (seeding the local registry from registry.npmjs.org: once)");
  await rm(dir, { recursive: true, force: true });
  await mkdir(project, { recursive: true });
  await writeFile(path.join(project, "package.json"), `${JSON.stringify(FIXTURE_PACKAGE, null, 2)}\n`);
  const registry = await startVerdaccio(dir, true);
  try {
    // A full install fetches every tarball through the uplink into the storage.
    await run("npm", ["install", "--registry", `http://127.0.0.1:${registry.port}/`, "--omit-lockfile-registry-resolved", "--no-audit", "--no-fund"], { cwd: project });
  } finally {
    await registry.stop();
  }
  await rm(path.join(project, "node_modules"), { recursive: true, force: true });
}

/** Starts the seeded registry with no uplink; `gateway` is the Docker bridge's address on this host. */
export async function startLocalRegistry(gateway: string): Promise<LocalRegistry> {
  const dir = path.join(homedir(), ".cache", "droid", "registry-seed");
  await seed(dir);
  const registry = await startVerdaccio(dir, false);
  return { url: `http://${gateway}:${registry.port}/`, lockfile: await readFile(path.join(dir, "fixture", "package-lock.json"), "utf8"), close: registry.stop };
}
