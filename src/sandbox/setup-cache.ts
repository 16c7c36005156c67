/**
 * The dependency cache: what a repository's `setup` installed, kept after it succeeded so the
 * next job with the same key starts from it and skips `setup`. One named volume per entry on
 * the engine (`droid-setup-<key>`, label `dev.droid.setup-cache=<repository>`) holding one tar
 * of the paths setup created: new folders of the work tree (e.g. `node_modules`) and `/droid`'s
 * home and venv. The key hashes the image id, the setup commands, the network policy and the
 * lockfiles of the commit, so a changed lockfile misses. Poisoning: an entry is written only
 * right after a setup run succeeded, before any of the agent's commands, by a helper container
 * that mounts the sandbox's volumes read only; a sandbox only ever mounts an entry read only.
 * Entries are bounded in total size and evicted least recently used; their records (size,
 * last use) are files on the worker, `<DROID_DATA_DIR>/setup-cache/<key>.json`.
 */
import { createHash } from "node:crypto";
import { mkdir, readFile, readdir, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type Docker from "dockerode";
import type { Logger } from "pino";
import { WORKDIR } from "./container-spec.ts";
import { STATE_DIR } from "./exec.ts";
import { isNotFound } from "./image.ts";
import { APP_LABEL_VALUE, LABELS } from "./labels.ts";
import type { Sandbox } from "./sandbox.ts";
import { SYSTEM_TOOLS, systemToolOutput } from "./system-tool.ts";

export const SETUP_CACHE_LABEL = "dev.droid.setup-cache";
/** Where a cache entry is mounted (read only) in a sandbox that starts from it. */
const SETUP_CACHE_MOUNT = "/droid-cache";
const ARCHIVE = "setup.tar";
/** `/droid`'s folders setup may fill (npm's and pip's caches under home, the venv). */
const STATE_PATHS = ["home", "venv"];

/** Lockfiles whose content is part of the key, by base name (at any depth). */
export function isLockfile(relative: string): boolean {
  const name = path.posix.basename(relative);
  return ["package-lock.json", "pnpm-lock.yaml", "yarn.lock", "poetry.lock", "uv.lock", "go.sum", "Cargo.lock"].includes(name) || /^requirements.*\.txt$/.test(name);
}

export interface SetupCacheKeyInput {
  repository: string;
  imageId: string;
  commands: readonly string[];
  network: string;
  /** Each lockfile's path and content. */
  lockfiles: readonly (readonly [string, string])[];
}

export function setupCacheKey(input: SetupCacheKeyInput): string {
  const hash = createHash("sha256");
  hash.update(JSON.stringify(["droid-setup-cache/1", input.repository, input.imageId, input.commands, input.network, [...input.lockfiles].sort(([a], [b]) => a.localeCompare(b))]));
  return hash.digest("hex").slice(0, 32);
}

interface EntryRecord {
  key: string;
  repository: string;
  volume: string;
  bytes: number;
  lastUsed: number;
}

export class SetupCache {
  readonly #docker: Docker;
  readonly #dir: string;
  readonly #maxBytes: number;
  readonly #logger: Logger;

  /** `maxMb` 0 turns the cache off. */
  constructor(docker: Docker, options: { dir: string; maxMb: number; logger: Logger }) {
    this.#docker = docker;
    this.#dir = options.dir;
    this.#maxBytes = options.maxMb * 1024 * 1024;
    this.#logger = options.logger;
  }

  get enabled(): boolean {
    return this.#maxBytes > 0;
  }

  /** The entry's volume when the cache holds `key` (its last use is updated), else null. */
  async lookup(key: string): Promise<string | null> {
    if (!this.enabled) return null;
    const record = await this.#read(key);
    if (record === null) return null;
    const present = await this.#docker.getVolume(record.volume).inspect().then(() => true, (error: unknown) => (isNotFound(error) ? false : Promise.reject(error)));
    if (!present) {
      await rm(this.#file(key), { force: true });
      return null;
    }
    await this.#write({ ...record, lastUsed: Date.now() });
    return record.volume;
  }

  /**
   * Keeps what setup made in `sandbox`: call right after a successful setup, before anything
   * else runs there. `tracked` says whether a work-tree path is the repository's (those are
   * not cached). Then evicts least recently used entries past the bound.
   */
  async save(sandbox: Sandbox, key: string, input: { repository: string; image: string; tracked: (relative: string) => boolean }): Promise<void> {
    if (!this.enabled) return;
    const made = await madePaths(sandbox, input.tracked);
    if (made.length === 0) return;
    const volume = `droid-setup-${key}`;
    const labels = { [LABELS.app]: APP_LABEL_VALUE, [SETUP_CACHE_LABEL]: input.repository.replace(/[^a-zA-Z0-9_.-]/g, "_") };
    await this.#docker.getVolume(volume).remove().catch(() => {});
    await this.#docker.createVolume({ Name: volume, Labels: labels });
    const mounts = (await this.#docker.getContainer(sandbox.id).inspect()).Mounts;
    const source = (target: string) => mounts.find((mount) => mount.Destination === target)?.Name ?? "";
    const helper = await this.#docker.createContainer({
      Image: input.image,
      Entrypoint: [""],
      Cmd: [SYSTEM_TOOLS.tar, "-cf", `${SETUP_CACHE_MOUNT}/${ARCHIVE}`, "-C", "/", "--", ...made],
      // Root owns the new volume; DAC_READ_SEARCH reads the sandbox user's files whatever their mode.
      User: "0:0",
      Env: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", "TAR_OPTIONS="],
      Labels: labels,
      HostConfig: {
        NetworkMode: "none",
        CapDrop: ["ALL"],
        CapAdd: ["DAC_READ_SEARCH"],
        SecurityOpt: ["no-new-privileges:true"],
        ReadonlyRootfs: true,
        Mounts: [
          { Type: "volume", Source: source(WORKDIR), Target: WORKDIR, ReadOnly: true },
          { Type: "volume", Source: source(STATE_DIR), Target: STATE_DIR, ReadOnly: true },
          { Type: "volume", Source: volume, Target: SETUP_CACHE_MOUNT, ReadOnly: false },
        ],
      },
    });
    try {
      await helper.start();
      const { StatusCode } = (await helper.wait()) as { StatusCode: number };
      if (StatusCode !== 0) throw new Error(`packing the setup's files exited ${StatusCode}`);
    } catch (error) {
      await this.#docker.getVolume(volume).remove().catch(() => {});
      throw error;
    } finally {
      await helper.remove({ force: true }).catch(() => {});
    }
    const { UsageData } = (await this.#docker.getVolume(volume).inspect()) as { UsageData?: { Size?: number } };
    const bytes = UsageData?.Size !== undefined && UsageData.Size >= 0 ? UsageData.Size : await archiveBytes(sandbox, made);
    await this.#write({ key, repository: input.repository, volume, bytes, lastUsed: Date.now() });
    this.#logger.info({ key, repository: input.repository, paths: made.length, bytes }, "setup cached");
    await this.evict();
  }

  /** Unpacks the entry mounted at `SETUP_CACHE_MOUNT` into the sandbox, as its user. */
  async restore(sandbox: Sandbox): Promise<void> {
    await systemToolOutput(await sandbox.runSystemTool([SYSTEM_TOOLS.tar, "-xf", `${SETUP_CACHE_MOUNT}/${ARCHIVE}`, "-C", "/"]), 64 * 1024);
  }

  /** Removes least recently used entries until the rest fit the bound. */
  async evict(): Promise<void> {
    const records = (await Promise.all((await readdir(this.#dir).catch((): string[] => [])).filter((n) => n.endsWith(".json")).map((n) => this.#read(n.slice(0, -5))))).filter((r): r is EntryRecord => r !== null);
    records.sort((a, b) => b.lastUsed - a.lastUsed);
    let total = 0;
    for (const record of records) {
      total += record.bytes;
      if (total <= this.#maxBytes) continue;
      const removed = await this.#docker.getVolume(record.volume).remove().then(() => true, (error: unknown) => isNotFound(error));
      // A volume in use (a sandbox starting from it) stays until a later eviction.
      if (removed) await rm(this.#file(record.key), { force: true });
      this.#logger.info({ key: record.key, repository: record.repository, bytes: record.bytes, removed }, "setup cache entry evicted");
    }
  }

  #file(key: string): string {
    return path.join(this.#dir, `${key}.json`);
  }

  async #read(key: string): Promise<EntryRecord | null> {
    const text = await readFile(this.#file(key), "utf8").catch(() => null);
    if (text === null) return null;
    try {
      return JSON.parse(text) as EntryRecord;
    } catch {
      return null;
    }
  }

  /** Written aside and renamed: a crash never leaves half a record. */
  async #write(record: EntryRecord): Promise<void> {
    await mkdir(this.#dir, { recursive: true });
    const temporary = `${this.#file(record.key)}.${process.pid}.tmp`;
    await writeFile(temporary, JSON.stringify(record));
    await rename(temporary, this.#file(record.key));
  }
}

/**
 * What setup made, as paths below `/`: the work tree's top-most new folders and files (not
 * the repository's) and `/droid`'s home and venv.
 */
async function madePaths(sandbox: Sandbox, tracked: (relative: string) => boolean): Promise<string[]> {
  const listing = await systemToolOutput(await sandbox.runSystemTool([SYSTEM_TOOLS.find, ".", "-mindepth", "1", "-printf", "%P\\0"]), 256 * 1024 * 1024);
  const made = new Set<string>();
  const trackedFolders = new Set<string>();
  const names = listing.toString("utf8").split("\0").filter((name) => name !== "");
  for (const name of names) {
    if (!tracked(name)) continue;
    const segments = name.split("/");
    for (let depth = 1; depth < segments.length; depth++) trackedFolders.add(segments.slice(0, depth).join("/"));
  }
  for (const name of names) {
    if (tracked(name) || trackedFolders.has(name) || name.split("/").includes(".git")) continue;
    const segments = name.split("/");
    // The top-most untracked ancestor that is not a folder of the repository.
    let top = name;
    for (let depth = 1; depth <= segments.length; depth++) {
      const prefix = segments.slice(0, depth).join("/");
      if (!trackedFolders.has(prefix)) {
        top = prefix;
        break;
      }
    }
    made.add(`workspace/${top}`);
  }
  for (const name of STATE_PATHS) {
    const present = await sandbox.exec(`test -e ${STATE_DIR}/${name}`).then((result) => result.kind === "completed" && result.exitCode === 0, () => false);
    if (present) made.add(`${STATE_DIR.slice(1)}/${name}`);
  }
  return [...made].sort();
}

async function archiveBytes(sandbox: Sandbox, made: readonly string[]): Promise<number> {
  const result = await sandbox.exec(`du -sb ${made.map((p) => `'/${p.replace(/'/g, "'\\''")}'`).join(" ")} | awk '{ s += $1 } END { print s }'`);
  return Number(result.stdout.trim()) || 0;
}
