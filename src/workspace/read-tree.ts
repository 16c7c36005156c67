/**
 * A commit's files written into a folder for reading (the code index reads files on disk):
 * straight from the object store (`committedFiles`), several writes at a time, no git index
 * file — isomorphic-git's `checkout` hashes and stats every file again to write one. Regular
 * files go first and links last, so no file is ever written through a link; a path git itself
 * refuses (`..`, `.git`, empty segments) is refused, and a path written twice fails.
 */
import { mkdir, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import type { CommittedFile } from "./committed-tree.ts";

const WRITES_AT_ONCE = 16;

export class UnsafeTreePathError extends Error {
  override name = "UnsafeTreePathError";
}

/** Writes `files` under `dir` (which exists); returns how many were written. */
export async function writeCommittedFiles(dir: string, files: AsyncIterable<CommittedFile>): Promise<number> {
  const folders = new Set<string>();
  const ensureFolder = async (relative: string) => {
    const parent = path.posix.dirname(relative);
    if (parent === "." || folders.has(parent)) return;
    await mkdir(path.join(dir, parent), { recursive: true });
    folders.add(parent);
  };
  const links: Array<{ path: string; target: string }> = [];
  const writing = new Set<Promise<void>>();
  const failures: unknown[] = [];
  let written = 0;
  for await (const file of files) {
    if (failures.length > 0) break;
    assertSafePath(file.path);
    if (file.kind === "symlink") {
      links.push(file);
      continue;
    }
    const write = (async () => {
      await ensureFolder(file.path);
      // `wx`: a path that is already there (written twice) fails instead of being replaced.
      await writeFile(path.join(dir, file.path), file.content, { mode: file.executable ? 0o755 : 0o644, flag: "wx" });
    })();
    writing.add(write);
    void write.then(
      () => writing.delete(write),
      (error: unknown) => {
        failures.push(error);
        writing.delete(write);
      },
    );
    written++;
    if (writing.size >= WRITES_AT_ONCE) await Promise.race(writing).catch(() => {});
  }
  await Promise.allSettled(writing);
  if (failures.length > 0) throw failures[0];
  for (const link of links) {
    await ensureFolder(link.path);
    await symlink(link.target, path.join(dir, link.path));
    written++;
  }
  return written;
}

function assertSafePath(relative: string): void {
  const segments = relative.split("/");
  if (relative.includes("\0") || segments.some((segment) => segment === "" || segment === "." || segment === ".." || segment.toLowerCase() === ".git")) {
    throw new UnsafeTreePathError(`The tree holds a path git refuses to check out: ${JSON.stringify(relative)}`);
  }
}
