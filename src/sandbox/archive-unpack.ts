import { once } from "node:events";
import { chmod, copyFile, lstat, lutimes, mkdir, open, rm, symlink, utimes } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
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
