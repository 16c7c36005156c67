import { createReadStream } from "node:fs";
import { chmod, copyFile, lstat, lutimes, mkdir, open, readFile, readdir, readlink, rm, symlink, utimes } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";
import { once } from "node:events";
import tar from "tar-stream";

/** Anything unpacked from a sandbox that would land outside its destination. */
export class UnsafeArchiveError extends Error {
  readonly entry: string;
  constructor(entry: string, reason: string) {
    super(`Refused archive entry ${JSON.stringify(entry)}: ${reason}`);
    this.name = "UnsafeArchiveError";
    this.entry = entry;
  }
}

export interface ArchiveOwner {
  uid: number;
  gid: number;
}

/** One file for a tar archive built in memory. */
export type ArchiveEntry =
  | { type: "file"; name: string; content: Buffer | string; mode?: number; mtime?: Date }
  | { type: "directory"; name: string; mode?: number; mtime?: Date }
  | { type: "symlink"; name: string; target: string; mtime?: Date };

/** A tar archive of the given entries, owned by `owner` (Docker applies tar ownership on extraction). */
export function packEntries(entries: readonly ArchiveEntry[], owner: ArchiveOwner): Readable {
  const pack = tar.pack();
  for (const entry of entries) {
    const common = { name: entry.name, uid: owner.uid, gid: owner.gid, mtime: entry.mtime ?? new Date() };
    if (entry.type === "file") {
      pack.entry({ ...common, type: "file", mode: entry.mode ?? 0o644 }, Buffer.from(entry.content));
    } else if (entry.type === "directory") {
      pack.entry({ ...common, type: "directory", mode: entry.mode ?? 0o755 });
    } else {
      pack.entry({ ...common, type: "symlink", linkname: entry.target, mode: 0o777 });
    }
  }
  pack.finalize();
  return Readable.from(pack);
}

const SMALL_FILE_BYTES = 1024 * 1024;

type DescribedEntry =
  | { kind: "symlink"; target: string; mtime: Date }
  | { kind: "directory"; mtime: Date }
  | { kind: "file"; size: number; mode: number; mtime: Date; content: Buffer | null }
  | { kind: "other" };

async function describeEntry(absolute: string): Promise<DescribedEntry> {
  const stats = await lstat(absolute);
  if (stats.isSymbolicLink()) return { kind: "symlink", target: await readlink(absolute), mtime: stats.mtime };
  if (stats.isDirectory()) return { kind: "directory", mtime: stats.mtime };
  if (!stats.isFile()) return { kind: "other" };
  const content = stats.size <= SMALL_FILE_BYTES ? await readFile(absolute) : null;
  return { kind: "file", size: content?.length ?? stats.size, mode: stats.mode & 0o111 ? 0o755 : 0o644, mtime: stats.mtime, content };
}

/**
 * A tar archive of the files under `root` (regular files, directories, symlinks; exec bits and
 * mtimes kept), as paths relative to `root`. `include` filters relative paths (directories too).
 * The root itself is the entry "./", so extracting also hands the destination to `owner`.
 */
export function packDirectory(root: string, owner: ArchiveOwner, include: (relative: string) => boolean = () => true): Readable {
  const pack = tar.pack();
  const base = { uid: owner.uid, gid: owner.gid };
  const addEntry = (header: Partial<tar.Header> & { name: string }) =>
    new Promise<void>((resolve, reject) => {
      pack.entry(header, (error) => (error ? reject(error) : resolve()));
    });
  const walk = async (relativeDir: string): Promise<void> => {
    const dirents = (await readdir(path.join(root, relativeDir), { withFileTypes: true }))
      .map((dirent) => (relativeDir === "" ? dirent.name : `${relativeDir}/${dirent.name}`))
      .filter((relative) => include(relative))
      .sort();
    // Stat and read a folder's entries concurrently (small files whole): far faster than one by one.
    const entries = await Promise.all(dirents.map((relative) => describeEntry(path.join(root, relative))));
    for (const [index, entry] of entries.entries()) {
      const relative = dirents[index] ?? "";
      if (entry.kind === "symlink") {
        await addEntry({ ...base, name: relative, type: "symlink", linkname: entry.target, mtime: entry.mtime });
      } else if (entry.kind === "directory") {
        await addEntry({ ...base, name: `${relative}/`, type: "directory", mode: 0o755, mtime: entry.mtime });
        await walk(relative);
      } else if (entry.kind === "file") {
        const header = { ...base, name: relative, type: "file" as const, size: entry.size, mode: entry.mode, mtime: entry.mtime };
        if (entry.content) {
          const content = entry.content;
          await new Promise<void>((resolve, reject) => pack.entry(header, content, (error) => (error ? reject(error) : resolve())));
        } else {
          await new Promise<void>((resolve, reject) => {
            const sink = pack.entry(header, (error) => (error ? reject(error) : resolve()));
            createReadStream(path.join(root, relative)).on("error", reject).pipe(sink);
          });
        }
      }
    }
  };
  void (async () => {
    await addEntry({ ...base, name: "./", type: "directory", mode: 0o755 });
    await walk("");
    pack.finalize();
  })().catch((error: unknown) => pack.destroy(error instanceof Error ? error : new Error(String(error))));
  return Readable.from(coalesce(pack, 256 * 1024));
}

/** Joins the archive's many small chunks (one per header and file) into large writes for the engine. */
async function* coalesce(chunks: AsyncIterable<unknown>, size: number): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of chunks) {
    if (!Buffer.isBuffer(chunk)) continue;
    pending.push(chunk);
    bytes += chunk.length;
    if (bytes >= size) {
      yield Buffer.concat(pending);
      pending = [];
      bytes = 0;
    }
  }
  if (bytes > 0) yield Buffer.concat(pending);
}

/** The entry name as a clean relative POSIX path, or null for the archive root; throws when unsafe. */
export function safeEntryName(raw: string): string | null {
  if (raw.includes("\0")) throw new UnsafeArchiveError(raw, "contains a NUL byte");
  if (raw.startsWith("/") || /^[a-zA-Z]:[\\/]/.test(raw)) throw new UnsafeArchiveError(raw, "absolute path");
  const segments = raw.split(/[\\/]+/).filter((segment) => segment !== "" && segment !== ".");
  if (segments.includes("..")) throw new UnsafeArchiveError(raw, "path contains ..");
  return segments.length === 0 ? null : segments.join("/");
}

/** Throws unless a symlink at `name` pointing to `target` stays inside the tree. */
export function assertLinkInside(name: string, target: string): void {
  if (target.startsWith("/")) throw new UnsafeArchiveError(name, `link to absolute path ${target}`);
  const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(name), target));
  if (resolved === ".." || resolved.startsWith("../")) throw new UnsafeArchiveError(name, `link ${target} points outside the tree`);
}

export interface ExtractOptions {
  /** Strip this many leading path segments (Docker's getArchive prefixes the directory's own name). */
  strip?: number;
  /** Refuse archives whose files add up to more than this (default 2 GiB). */
  maxBytes?: number;
  /** Only extract entries whose (stripped) relative path passes. */
  include?: (relative: string) => boolean;
}

/**
 * Unpacks a tar stream that came out of a sandbox into `destination`, refusing absolute paths,
 * `..`, links that point outside the tree, writes through existing symlinks, and devices.
 * Returns the relative paths written.
 */
export async function extractArchive(archive: Readable, destination: string, options: ExtractOptions = {}): Promise<string[]> {
  const maxBytes = options.maxBytes ?? 2 * 1024 ** 3;
  const extract = tar.extract();
  const written: string[] = [];
  const work = (async () => {
    let total = 0;
    for await (const entry of extract) {
      const { header } = entry;
      const name = stripSegments(safeEntryName(header.name), options.strip ?? 0);
      if (name === null || (options.include && !options.include(name))) {
        entry.resume();
        continue;
      }
      const target = path.join(destination, name);
      await assertNoSymlinkAncestor(destination, name);
      switch (header.type) {
        case "directory":
          await replaceWithDirectory(target);
          entry.resume();
          break;
        case "file":
        case "contiguous-file": {
          total += header.size ?? 0;
          if (total > maxBytes) throw new UnsafeArchiveError(header.name, `archive is larger than ${maxBytes} bytes`);
          await mkdir(path.dirname(target), { recursive: true });
          await rm(target, { recursive: true, force: true });
          const handle = await open(target, "wx", (header.mode ?? 0o644) & 0o111 ? 0o755 : 0o644);
          await pipeline(entry, handle.createWriteStream());
          if (header.mtime) await utimes(target, header.mtime, header.mtime);
          break;
        }
        case "symlink": {
          const linkTarget = header.linkname ?? "";
          assertLinkInside(name, linkTarget);
          await mkdir(path.dirname(target), { recursive: true });
          await rm(target, { recursive: true, force: true });
          await symlink(linkTarget, target);
          if (header.mtime) await lutimes(target, header.mtime, header.mtime);
          entry.resume();
          break;
        }
        case "link": {
          const source = stripSegments(safeEntryName(header.linkname ?? ""), options.strip ?? 0);
          if (source === null || !written.includes(source)) {
            throw new UnsafeArchiveError(header.name, `hard link to ${header.linkname} outside the extracted files`);
          }
          await rm(target, { recursive: true, force: true });
          await copyFile(path.join(destination, source), target);
          entry.resume();
          break;
        }
        default:
          throw new UnsafeArchiveError(header.name, `unsupported entry type ${header.type}`);
      }
      written.push(name);
    }
  })().catch((error: unknown) => {
    archive.destroy();
    extract.destroy();
    throw error;
  });
  await Promise.all([feed(archive, extract), work]);
  return written;
}

/** Extracts an archive that Docker's getArchive returned wrapped in its own tar (a `.tar` file in the sandbox). */
export async function extractWrappedArchive(outer: Readable, destination: string, options: ExtractOptions = {}): Promise<string[]> {
  const extract = tar.extract();
  const written: string[] = [];
  const work = (async () => {
    for await (const entry of extract) {
      if (entry.header.type === "file") written.push(...(await extractArchive(Readable.from(entry), destination, options)));
      else entry.resume();
    }
  })();
  await Promise.all([feed(outer, extract), work]);
  return written;
}

/** Reads every regular file of a tar stream into memory (for small archives such as one file). */
export async function readArchiveFiles(archive: Readable): Promise<Map<string, Buffer>> {
  const extract = tar.extract();
  const files = new Map<string, Buffer>();
  const work = (async () => {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      if (entry.header.type === "file") files.set(entry.header.name, Buffer.concat(chunks));
    }
  })();
  await Promise.all([feed(archive, extract), work]);
  return files;
}

/** Writes a Node stream into tar-stream's (streamx) extractor with backpressure. */
async function feed(archive: Readable, extract: tar.Extract): Promise<void> {
  try {
    for await (const chunk of archive) {
      if (!extract.write(chunk as Buffer)) await once(extract, "drain");
    }
    extract.end(undefined);
  } catch (error) {
    extract.destroy(error instanceof Error ? error : new Error(String(error)));
    throw error;
  }
}

function stripSegments(name: string | null, strip: number): string | null {
  if (name === null || strip === 0) return name;
  const rest = name.split("/").slice(strip);
  return rest.length === 0 ? null : rest.join("/");
}

async function assertNoSymlinkAncestor(root: string, relative: string): Promise<void> {
  const segments = relative.split("/").slice(0, -1);
  let current = root;
  for (const segment of segments) {
    current = path.join(current, segment);
    const stats = await lstat(current).catch(() => null);
    if (stats === null) return;
    if (stats.isSymbolicLink()) throw new UnsafeArchiveError(relative, `${segment} is a symlink; refusing to write through it`);
  }
}

async function replaceWithDirectory(target: string): Promise<void> {
  const stats = await lstat(target).catch(() => null);
  if (stats?.isDirectory()) return;
  if (stats) await rm(target, { force: true });
  await mkdir(target, { recursive: true });
  await chmod(target, 0o755);
}
