import { lstat, readdir, readlink } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import tar from "tar-stream";
import { openRegularFile, readRegularFile } from "./host-files.ts";
import { type TarFileEntry, encodeTar } from "./tar-encode.ts";

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
  const content = stats.size <= SMALL_FILE_BYTES ? await readRegularFile(absolute) : null;
  return { kind: "file", size: content?.length ?? stats.size, mode: stats.mode & 0o111 ? 0o755 : 0o644, mtime: stats.mtime, content };
}

/**
 * A tar archive of the files under `root` (regular files, directories, symlinks; exec bits and
 * mtimes kept), as paths relative to `root`. Links are packed as links, never followed. `include` filters relative paths (directories too).
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
          const source = await openRegularFile(path.join(root, relative));
          await new Promise<void>((resolve, reject) => {
            const sink = pack.entry(header, (error) => (error ? reject(error) : resolve()));
            source.createReadStream().on("error", reject).pipe(sink);
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

/** One entry of a work tree as git stores it (a regular file or a link), for copying in. */
export type TreeFile =
  | { path: string; kind: "file"; executable: boolean; content: Uint8Array }
  | { path: string; kind: "symlink"; target: string };

/**
 * A tar archive of `files` as they are produced (e.g. read from git's object store), every
 * entry with the same `mtime`: nothing is written on the worker; parent folders are left to
 * the unpacking `tar`, which runs as their owner.
 */
export function packTreeFiles(files: AsyncIterable<TreeFile>, owner: ArchiveOwner, mtime: Date): Readable {
  async function* entries(): AsyncGenerator<TarFileEntry> {
    for await (const file of files) {
      if (file.kind === "file") yield { name: file.path, type: "file", mode: file.executable ? 0o755 : 0o644, content: file.content };
      else yield { name: file.path, type: "symlink", mode: 0o777, linkname: file.target };
    }
  }
  return Readable.from(encodeTar(entries(), { uid: owner.uid, gid: owner.gid, mtimeSeconds: Math.floor(mtime.getTime() / 1000) }, 256 * 1024));
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
