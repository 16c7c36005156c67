/**
 * The worker's part of a sparse work tree (what came back from the sandbox), read as git
 * stores it and never through a link: folders entered only when lstat says they are folders,
 * links read as their target text, files opened with O_NOFOLLOW (and O_NONBLOCK: a FIFO
 * cannot hang the worker).
 */
import { constants } from "node:fs";
import { lstat, open, readdir, readlink } from "node:fs/promises";
import path from "node:path";

export type WorkTreeFile = { kind: "file"; executable: boolean; content: Buffer } | { kind: "symlink"; target: Buffer };

/** A path's content, or null when it is missing, something else, or below a link. */
export async function readTreeFile(root: string, relative: string): Promise<WorkTreeFile | null> {
  const segments = relative.split("/");
  for (let depth = 1; depth < segments.length; depth++) {
    const stats = await lstat(path.join(root, ...segments.slice(0, depth))).catch(() => null);
    if (!stats?.isDirectory()) return null;
  }
  const absolute = path.join(root, relative);
  const stats = await lstat(absolute).catch(() => null);
  if (stats?.isSymbolicLink()) return { kind: "symlink", target: await readlink(absolute, { encoding: "buffer" }) };
  if (!stats?.isFile()) return null;
  const handle = await open(absolute, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch(() => null);
  if (handle === null) return null;
  try {
    const opened = await handle.stat();
    return opened.isFile() ? { kind: "file", executable: (opened.mode & 0o111) !== 0, content: await handle.readFile() } : null;
  } finally {
    await handle.close();
  }
}

/** Every file and link under `root` (`.git` folders skipped) with its content. */
export async function walkFiles(root: string): Promise<Map<string, WorkTreeFile>> {
  const files = new Map<string, WorkTreeFile>();
  const walk = async (relativeDir: string): Promise<void> => {
    for (const dirent of await readdir(path.join(root, relativeDir), { withFileTypes: true })) {
      if (dirent.name === ".git") continue;
      const relative = relativeDir === "" ? dirent.name : `${relativeDir}/${dirent.name}`;
      if (dirent.isDirectory()) await walk(relative);
      else {
        const file = await readTreeFile(root, relative);
        if (file !== null) files.set(relative, file);
      }
    }
  };
  await walk("");
  return files;
}
