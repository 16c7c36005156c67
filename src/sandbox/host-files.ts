/**
 * Reading and writing a work tree on the worker after a sandbox touched it, without ever
 * following a link: the tree is walked through real folders only (lstat), a link is read as
 * its target text (as git stores it), a file is opened with O_NOFOLLOW (and O_NONBLOCK, so a
 * FIFO cannot hang the worker), and new files are created with O_EXCL|O_NOFOLLOW.
 */
import { constants } from "node:fs";
import { type FileHandle, lstat, open, readdir, readlink } from "node:fs/promises";
import path from "node:path";
import type { TreeNode } from "./tree-links.ts";

const READ_NO_FOLLOW = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const CREATE_NO_FOLLOW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/** One entry of a tree on the worker, as lstat saw it. */
export interface HostEntry {
  node: TreeNode;
  /** Permission bits and type, from lstat. */
  mode: number;
  size: number;
  mtimeMs: number;
}

/**
 * Every entry under `root` by relative POSIX path, parents before children. Only real folders
 * are entered; `skip` leaves out a path and everything below it.
 */
export async function walkTree(root: string, skip: (relative: string) => boolean = () => false): Promise<Map<string, HostEntry>> {
  const entries = new Map<string, HostEntry>();
  const walk = async (relativeDir: string): Promise<void> => {
    const names = (await readdir(path.join(root, relativeDir))).map((name) => (relativeDir === "" ? name : `${relativeDir}/${name}`)).filter((relative) => !skip(relative));
    // A folder's entries are looked at concurrently: far faster than one by one on big trees.
    const described = await Promise.all(names.map((relative) => describe(path.join(root, relative))));
    for (const [index, entry] of described.entries()) {
      const relative = names[index] ?? "";
      if (entry === null) continue;
      entries.set(relative, entry);
      if (entry.node.kind === "directory") await walk(relative);
    }
  };
  await walk("");
  return entries;
}

async function describe(absolute: string): Promise<HostEntry | null> {
  const stats = await lstat(absolute).catch(() => null);
  if (stats === null) return null;
  const node: TreeNode = stats.isSymbolicLink()
    ? { kind: "symlink", target: await readlink(absolute) }
    : stats.isDirectory()
      ? { kind: "directory" }
      : stats.isFile()
        ? { kind: "file" }
        : { kind: "other" };
  return { node, mode: stats.mode, size: stats.size, mtimeMs: stats.mtimeMs };
}

/** What a work-tree path holds, as git stores it: a regular file's bytes, or a link's target text. */
export type TreeContent = { kind: "file"; content: Buffer } | { kind: "symlink"; target: Buffer };

/**
 * Reads a work-tree path without following a link, at the path or in a folder on the way;
 * null when it is missing, something else (a FIFO, a device), or below a link.
 */
export async function readTreeEntry(root: string, relative: string): Promise<TreeContent | null> {
  const segments = relative.split("/");
  let absolute = root;
  for (const [index, segment] of segments.entries()) {
    absolute = path.join(absolute, segment);
    const stats = await lstat(absolute).catch(() => null);
    if (index < segments.length - 1 && !stats?.isDirectory()) return null;
    if (index === segments.length - 1 && stats?.isSymbolicLink()) return { kind: "symlink", target: await readlink(absolute, { encoding: "buffer" }) };
  }
  const content = await readRegularFile(absolute).catch(() => null);
  return content === null ? null : { kind: "file", content };
}

/** Opens a regular file for reading; refuses a link (ELOOP), a FIFO, a device or a folder. */
export async function openRegularFile(absolute: string): Promise<FileHandle> {
  const handle = await open(absolute, READ_NO_FOLLOW);
  try {
    if (!(await handle.stat()).isFile()) throw new Error(`${absolute} is not a regular file`);
    return handle;
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** A regular file's bytes, never through a link. */
export async function readRegularFile(absolute: string): Promise<Buffer> {
  const handle = await openRegularFile(absolute);
  try {
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/** Creates a new file for writing: fails if anything (a link included) is already there. */
export function createNewFile(absolute: string, mode: number): Promise<FileHandle> {
  return open(absolute, CREATE_NO_FOLLOW, mode);
}
