/**
 * The per-repository object mirror on the worker: a bare repository under
 * `<dataDir>/mirrors/<host>/<owner>/<name>.git` that every job of that repository fetches
 * into, so a second job downloads only what is new, and whose pack files a job's own git dir
 * links to (pack files never change once written). Updates are serialised by a lock file;
 * a lock whose holder died (a crash mid-update) means the mirror may be half written, so it is
 * thrown away and fetched again from scratch.
 */
import fs from "node:fs";
import { copyFile, link, lstat, mkdir, open, readFile, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { type AuthCallback, type HttpClient, init, listBranches, readObject, resolveRef, setConfig, writeRef } from "isomorphic-git";
import { type ObjectSource, indexPack } from "./pack-index.ts";
import type { GitObjectType } from "./pack-objects.ts";
import { advertisedRefs, fetchPack } from "./upload-pack.ts";

/** The file in a mirror whose content is its last use (ms since the epoch). */
const LAST_USED = "droid-last-used";
/** A lock older than this is stale whoever holds it (a fetch never takes this long). */
const STALE_LOCK_MS = 30 * 60 * 1000;
const LOCK_POLL_MS = 50;

export interface MirrorFetch {
  mirror: string;
  url: string;
  ref: string;
  depth: number;
  http: HttpClient;
  onAuth: AuthCallback;
  signal?: AbortSignal;
}

/** The mirror's folder for a repository, from the clone URL's host and path (never a payload). */
export function mirrorFolder(mirrorsDir: string, cloneUrl: string): string {
  const url = new URL(cloneUrl);
  const segments = url.pathname.split("/").filter((segment) => segment !== "" && segment !== "." && segment !== "..");
  const name = segments.join("/").replace(/\.git$/, "");
  return path.join(mirrorsDir, url.host.replace(/[^a-zA-Z0-9._-]/g, "_"), `${name}.git`);
}

/**
 * Fetches `ref` into the mirror (only what it lacks), then makes `gitdir` a repository with the
 * mirror's objects (pack files hard-linked, copied across file systems) and `refs/remotes/origin/<ref>`.
 * Returns the commit fetched, and whether the mirror grew (a pack was stored).
 */
export async function fetchThroughMirror(request: MirrorFetch, gitdir: string): Promise<MirrorFetched> {
  return withMirrorLock(request.mirror, async () => {
    const { oid, grew } = await updateMirror(request).catch(async (error: unknown) => {
      // A mirror that cannot be read (damaged by hand, a half-written pack) is fetched again whole.
      if (request.signal?.aborted || error instanceof MissingBranchError) throw error;
      await discard(request.mirror);
      return updateMirror(request);
    });
    await shareObjects(request.mirror, gitdir);
    await writeRef({ fs, gitdir, ref: `refs/remotes/origin/${request.ref}`, value: oid, force: true });
    // Its last use, for pruning (a file of its own: fetches do not always touch the folder).
    await writeFile(path.join(request.mirror, LAST_USED), `${Date.now()}\n`);
    return { oid, grew };
  });
}

export interface MirrorFetched {
  oid: string;
  /** A pack was stored: the mirrors may have outgrown their bound. */
  grew: boolean;
}

async function updateMirror(request: MirrorFetch): Promise<MirrorFetched> {
  const gitdir = request.mirror;
  await init({ fs, dir: gitdir, gitdir, bare: true });
  await setConfig({ fs, gitdir, path: "remote.origin.url", value: request.url });
  await setConfig({ fs, gitdir, path: "remote.origin.fetch", value: "+refs/heads/*:refs/remotes/origin/*" });
  const remote = { http: request.http, url: request.url, onAuth: request.onAuth };
  const advertisement = await advertisedRefs(remote);
  const oid = advertisement.refs.get(`refs/heads/${request.ref}`);
  if (oid === undefined) throw new MissingBranchError(`${request.ref} was not found on the remote`);
  const tips = await branchTips(gitdir);
  let grew = false;
  if (!tips.includes(oid)) {
    const shallow = await readShallow(gitdir);
    const received = await fetchPack(remote, advertisement, { wants: [oid], haves: tips, shallow, depth: request.depth });
    if (received.pack !== null) {
      await storePack(gitdir, received.pack, async (base) => {
        const object = await readObject({ fs, gitdir, oid: base, format: "content" }).catch(() => null);
        return object && isObjectType(object.type) && object.object instanceof Uint8Array ? { type: object.type, content: Buffer.from(object.object) } : null;
      });
      grew = true;
    }
    const boundary = new Set([...shallow, ...received.shallow]);
    for (const commit of received.unshallow) boundary.delete(commit);
    if (boundary.size > 0) await writeFile(path.join(gitdir, "shallow"), [...boundary].map((commit) => `${commit}\n`).join(""));
    else await rm(path.join(gitdir, "shallow"), { force: true });
  }
  // The branch as a local ref of the mirror: the next fetch offers it as something it has.
  await writeRef({ fs, gitdir, ref: `refs/heads/${request.ref}`, value: oid, force: true });
  return { oid, grew };
}

/** A branch the remote does not have: fetching again from scratch would not find it either. */
class MissingBranchError extends Error {
  override name = "MissingBranchError";
}

/** The commits the mirror's branches point to: what a fetch says it has. */
async function branchTips(gitdir: string): Promise<string[]> {
  const tips = new Set<string>();
  for (const ref of await listBranches({ fs, gitdir })) {
    const oid = await resolveRef({ fs, gitdir, ref: `refs/heads/${ref}` }).catch(() => null);
    if (oid !== null) tips.add(oid);
  }
  return [...tips];
}

function isObjectType(type: string): type is GitObjectType {
  return type === "commit" || type === "tree" || type === "blob" || type === "tag";
}

async function readShallow(gitdir: string): Promise<string[]> {
  const text = await readFile(path.join(gitdir, "shallow"), "utf8").catch(() => "");
  return text.split("\n").filter((line) => /^[0-9a-f]{40}$/.test(line));
}

/** The received pack (completed if thin) and its index (the pack first: a reader never sees an index without its pack). */
async function storePack(gitdir: string, received: Buffer, externalBase: ObjectSource): Promise<void> {
  const { pack, checksum, index } = await indexPack(received, externalBase);
  const dir = path.join(gitdir, "objects", "pack");
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, `pack-${checksum}.pack`), pack);
  await writeFile(path.join(dir, `pack-${checksum}.idx`), index);
}

/** Gives `gitdir` the mirror's objects: its packs (each with its index) and the shallow boundary. */
async function shareObjects(mirror: string, gitdir: string): Promise<void> {
  const from = path.join(mirror, "objects", "pack");
  const to = path.join(gitdir, "objects", "pack");
  await mkdir(to, { recursive: true });
  const names = await readdir(from).catch((): string[] => []);
  for (const name of names.filter((n) => n.endsWith(".idx") && names.includes(n.replace(/\.idx$/, ".pack")))) {
    // The pack before its index: a reader never sees an index without its pack.
    for (const file of [name.replace(/\.idx$/, ".pack"), name]) await linkOrCopy(path.join(from, file), path.join(to, file));
  }
  await copyLooseObjects(path.join(mirror, "objects"), path.join(gitdir, "objects"));
  const shallow = await readFile(path.join(mirror, "shallow"), "utf8").catch(() => null);
  if (shallow !== null) await fs.promises.writeFile(path.join(gitdir, "shallow"), shallow);
}

/** Loose objects (isomorphic-git writes fetched objects as packs, but a mirror may hold some). */
async function copyLooseObjects(from: string, to: string): Promise<void> {
  for (const fanout of await readdir(from).catch((): string[] => [])) {
    if (!/^[0-9a-f]{2}$/.test(fanout)) continue;
    await mkdir(path.join(to, fanout), { recursive: true });
    for (const name of await readdir(path.join(from, fanout))) await linkOrCopy(path.join(from, fanout, name), path.join(to, fanout, name));
  }
}

async function linkOrCopy(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch (error) {
    if (errorCode(error) === "EEXIST") return;
    await copyFile(from, to);
  }
}

/** Runs `work` holding the mirror's lock file; waits for another holder, takes over a stale lock after discarding the mirror. */
async function withMirrorLock<T>(mirror: string, work: () => Promise<T>): Promise<T> {
  const lock = `${mirror}.lock`;
  await mkdir(path.dirname(mirror), { recursive: true });
  for (;;) {
    const handle = await open(lock, "wx").catch((error: unknown) => {
      if (errorCode(error) === "EEXIST") return null;
      throw error;
    });
    if (handle) {
      await handle.writeFile(`${process.pid} ${Date.now()}\n`);
      await handle.close();
      break;
    }
    if (await isStale(lock)) {
      // The holder died mid-update: what it left cannot be trusted.
      await discard(mirror);
      await rm(lock, { force: true });
      continue;
    }
    await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
  }
  try {
    return await work();
  } finally {
    await rm(lock, { force: true });
  }
}

async function isStale(lock: string): Promise<boolean> {
  const text = await readFile(lock, "utf8").catch(() => null);
  if (text === null) return false;
  const [pid, since] = text.trim().split(" ").map(Number);
  if (pid === undefined || since === undefined || !Number.isFinite(pid) || !Number.isFinite(since)) {
    // Written but not yet filled in: stale only once it is old.
    const { mtimeMs } = await stat(lock).catch(() => ({ mtimeMs: Date.now() }));
    return Date.now() - mtimeMs > 5_000;
  }
  return Date.now() - since > STALE_LOCK_MS || !processAlive(pid);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === "EPERM";
  }
}

/** Moves the mirror aside and removes it (a rename first, so nobody reads it half removed). */
async function discard(mirror: string): Promise<void> {
  const trash = `${mirror}.discarded-${process.pid}-${Date.now()}`;
  await rename(mirror, trash).catch(() => {});
  await rm(trash, { recursive: true, force: true });
}

function errorCode(error: unknown): string | undefined {
  return error instanceof Error && "code" in error && typeof error.code === "string" ? error.code : undefined;
}

interface MirrorUse {
  mirror: string;
  bytes: number;
  lastUsed: number;
}

/**
 * Keeps the mirrors under `mirrorsDir` within `maxBytes`: the least recently used are removed
 * until the rest fit. A mirror being fetched (its lock is held) is skipped; a job that already
 * has its objects keeps them (its pack files are links of their own). Returns the mirrors removed.
 */
export async function pruneMirrors(mirrorsDir: string, maxBytes: number): Promise<string[]> {
  const uses: MirrorUse[] = [];
  for (const mirror of await findMirrors(mirrorsDir)) {
    const lastUsed = Number((await readFile(path.join(mirror, LAST_USED), "utf8").catch(() => "0")).trim()) || 0;
    uses.push({ mirror, bytes: await folderBytes(mirror), lastUsed });
  }
  uses.sort((a, b) => b.lastUsed - a.lastUsed);
  const removed: string[] = [];
  let total = 0;
  for (const use of uses) {
    total += use.bytes;
    if (total <= maxBytes) continue;
    if (await removeUnlessLocked(use.mirror)) {
      removed.push(use.mirror);
      total -= use.bytes;
    }
  }
  return removed;
}

/** Every `<host>/<owner…>/<name>.git` folder below `mirrorsDir`. */
async function findMirrors(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true }).catch((): fs.Dirent[] => [])) {
    if (!entry.isDirectory()) continue;
    const child = path.join(dir, entry.name);
    if (entry.name.endsWith(".git")) found.push(child);
    else if (!entry.name.includes(".discarded-")) found.push(...(await findMirrors(child)));
  }
  return found;
}

async function folderBytes(dir: string): Promise<number> {
  let bytes = 0;
  for (const entry of await readdir(dir, { withFileTypes: true }).catch((): fs.Dirent[] => [])) {
    const child = path.join(dir, entry.name);
    if (entry.isDirectory()) bytes += await folderBytes(child);
    else bytes += (await lstat(child).catch(() => ({ size: 0 }))).size;
  }
  return bytes;
}

/** Removes a mirror nobody is fetching into (it takes the lock first); false when the lock is held. */
async function removeUnlessLocked(mirror: string): Promise<boolean> {
  const lock = `${mirror}.lock`;
  const handle = await open(lock, "wx").catch((error: unknown) => {
    if (errorCode(error) === "EEXIST") return null;
    throw error;
  });
  if (handle === null) return false;
  try {
    await handle.writeFile(`${process.pid} ${Date.now()}\n`);
    await handle.close();
    await discard(mirror);
    return true;
  } finally {
    await rm(lock, { force: true });
  }
}
