import { once } from "node:events";
import type { Readable } from "node:stream";
import tar from "tar-stream";
import type { TreeView } from "./tree-links.ts";
import { TreeUnpacker, UnsafeArchiveError } from "./tree-unpacker.ts";

export { UnsafeArchiveError } from "./tree-unpacker.ts";

/** The entry name as a clean relative POSIX path, or null for the archive root; throws when unsafe. */
export function safeEntryName(raw: string): string | null {
  if (raw.includes("\0")) throw new UnsafeArchiveError(raw, "contains a NUL byte");
  if (raw.startsWith("/") || /^[a-zA-Z]:[\\/]/.test(raw)) throw new UnsafeArchiveError(raw, "absolute path");
  const segments = raw.split(/[\\/]+/).filter((segment) => segment !== "" && segment !== ".");
  if (segments.includes("..")) throw new UnsafeArchiveError(raw, "path contains ..");
  return segments.length === 0 ? null : segments.join("/");
}

export interface ExtractOptions {
  /** Strip this many leading path segments (Docker's getArchive prefixes the directory's own name). */
  strip?: number;
  /** Refuse archives whose files add up to more than this (default 2 GiB). */
  maxBytes?: number;
  /** Only extract entries whose (stripped) relative path passes. */
  include?: (relative: string) => boolean;
  /**
   * The destination's tree as it stands when the worker holds only part of it (the rest is in
   * the sandbox, as streamed in from git): its links and folders count in the link checks.
   */
  base?: TreeView;
}

/**
 * Unpacks a tar stream that came out of a sandbox into `destination`, refusing absolute paths,
 * `..`, writes through links, devices, hard links to anything but a regular file of the same
 * archive, and links that leave the tree once resolved against it (`TreeUnpacker`). Nothing on
 * the worker is followed. Returns the relative paths written.
 */
export async function extractArchive(archive: Readable, destination: string, options: ExtractOptions = {}): Promise<string[]> {
  const maxBytes = options.maxBytes ?? 2 * 1024 ** 3;
  // Before the first entry: tar-stream hands entries out as events, lost if nobody iterates yet.
  const tree = await TreeUnpacker.open(destination, options.base);
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
      switch (header.type) {
        case "directory":
          await tree.directory(name);
          entry.resume();
          break;
        case "file":
        case "contiguous-file":
          total += header.size ?? 0;
          if (total > maxBytes) throw new UnsafeArchiveError(header.name, `archive is larger than ${maxBytes} bytes`);
          await tree.file(name, entry, { executable: ((header.mode ?? 0o644) & 0o111) !== 0, mtime: header.mtime });
          break;
        case "symlink":
          await tree.symlink(name, header.linkname ?? "", header.mtime);
          entry.resume();
          break;
        case "link":
          await tree.hardLink(name, stripSegments(safeEntryName(header.linkname ?? ""), options.strip ?? 0), header.linkname ?? "");
          entry.resume();
          break;
        default:
          throw new UnsafeArchiveError(header.name, `unsupported entry type ${header.type}`);
      }
      written.push(name);
    }
    await tree.finish();
  })().catch((error: unknown) => {
    archive.destroy();
    extract.destroy();
    throw error;
  });
  await Promise.all([feed(archive, extract), work]);
  return written;
}

/** Reads every regular file of a tar stream into memory (for small archives such as one file); throws past `maxBytes`. */
export async function readArchiveFiles(archive: Readable, options: { maxBytes?: number } = {}): Promise<Map<string, Buffer>> {
  const extract = tar.extract();
  const files = new Map<string, Buffer>();
  let total = 0;
  const work = (async () => {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) {
        total += (chunk as Buffer).length;
        if (options.maxBytes !== undefined && total > options.maxBytes) throw new Error(`archive is larger than ${options.maxBytes} bytes`);
        chunks.push(chunk as Buffer);
      }
      if (entry.header.type === "file") files.set(entry.header.name, Buffer.concat(chunks));
    }
  })().catch((error: unknown) => {
    archive.destroy();
    throw error;
  });
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
