/**
 * The writing half of unpacking an archive that came out of a sandbox: keeps an in-memory
 * view of the destination tree (what was there plus every entry written so far), writes
 * folders and files without following anything, and holds links back until the whole
 * archive is in. Then every link of the resulting tree is resolved in that view (realpath
 * semantics, `tree-links.ts`); if one leaves the tree or loops and did not already do so
 * before, nothing is linked and the unpacking is refused.
 */
import { chmod, lstat, lutimes, mkdir, rm, symlink } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { createNewFile, openRegularFile, walkTree } from "./host-files.ts";
import { type TreeNode, type TreeView, unsafeLinks } from "./tree-links.ts";

/** Anything unpacked from a sandbox that would land outside its destination, or read from outside it. */
export class UnsafeArchiveError extends Error {
  readonly entry: string;
  constructor(entry: string, reason: string) {
    super(`Refused archive entry ${JSON.stringify(entry)}: ${reason}`);
    this.name = "UnsafeArchiveError";
    this.entry = entry;
  }
}

export class TreeUnpacker {
  readonly #root: string;
  readonly #view: Map<string, TreeNode>;
  /** Links that already left the tree before this archive (e.g. committed in the branch): tolerated, never followed. */
  readonly #alreadyUnsafe: Set<string>;
  /** Links of this archive, created once all of it is in and checked. */
  readonly #links = new Map<string, { target: string; mtime: Date | undefined }>();
  /** Regular files this archive wrote: the only things a hard link may copy. */
  readonly #files = new Set<string>();

  private constructor(root: string, view: Map<string, TreeNode>) {
    this.#root = root;
    this.#view = view;
    this.#alreadyUnsafe = new Set(unsafeLinks(view).map((link) => linkKey(link.name, link.target)));
  }

  /** Reads what the destination holds now (lstat only), over `base` (the part of the tree the worker does not hold). */
  static async open(root: string, base: TreeView = new Map()): Promise<TreeUnpacker> {
    await mkdir(root, { recursive: true });
    const entries = await walkTree(root);
    return new TreeUnpacker(root, new Map([...base, ...[...entries].map(([relative, entry]): [string, TreeNode] => [relative, entry.node])]));
  }

  async directory(name: string): Promise<void> {
    await this.#prepare(name);
    const target = this.#absolute(name);
    if (this.#view.get(name)?.kind !== "directory") {
      await rm(target, { recursive: true, force: true });
      await mkdir(target);
      await chmod(target, 0o755);
    }
    this.#set(name, { kind: "directory" });
  }

  async file(name: string, content: AsyncIterable<unknown>, options: { executable: boolean; mtime: Date | undefined }): Promise<void> {
    await this.#prepare(name);
    const target = this.#absolute(name);
    await rm(target, { recursive: true, force: true });
    const handle = await createNewFile(target, options.executable ? 0o755 : 0o644);
    await pipeline(content, handle.createWriteStream());
    if (options.mtime) await lutimes(target, options.mtime, options.mtime);
    this.#set(name, { kind: "file" });
    this.#files.add(name);
  }

  /** Records a link; it is created by `finish()` once the whole tree is known to be safe. */
  async symlink(name: string, target: string, mtime: Date | undefined): Promise<void> {
    if (target === "" || target.includes("\0")) throw new UnsafeArchiveError(name, "link with an empty or NUL target");
    if (target.startsWith("/")) throw new UnsafeArchiveError(name, `link to absolute path ${target}`);
    await this.#prepare(name);
    await rm(this.#absolute(name), { recursive: true, force: true });
    this.#set(name, { kind: "symlink", target });
    this.#links.set(name, { target, mtime });
  }

  /** A hard link becomes a copy of a regular file this archive wrote; never of a link or of anything else. */
  async hardLink(name: string, source: string | null, raw: string): Promise<void> {
    const kind = source === null ? undefined : this.#view.get(source)?.kind;
    if (kind === "symlink") throw new UnsafeArchiveError(name, `hard link to a symlink (${raw})`);
    if (source === null || kind !== "file" || !this.#files.has(source)) {
      throw new UnsafeArchiveError(name, `hard link to ${raw} outside the extracted files`);
    }
    const from = await openRegularFile(this.#absolute(source));
    try {
      const mode = (await from.stat()).mode & 0o111 ? 0o755 : 0o644;
      await this.#prepare(name);
      await rm(this.#absolute(name), { recursive: true, force: true });
      const to = await createNewFile(this.#absolute(name), mode);
      await pipeline(from.createReadStream({ autoClose: false }), to.createWriteStream());
    } finally {
      await from.close();
    }
    this.#set(name, { kind: "file" });
    this.#files.add(name);
  }

  /** Checks every link of the tree as it now stands, then creates this archive's links. */
  async finish(): Promise<void> {
    for (const link of unsafeLinks(this.#view)) {
      if (!this.#alreadyUnsafe.has(linkKey(link.name, link.target))) throw new UnsafeArchiveError(link.name, link.reason);
    }
    for (const [name, link] of this.#links) {
      await assertNoSymlinkOnDisk(this.#root, name);
      await symlink(link.target, this.#absolute(name));
      if (link.mtime) await lutimes(this.#absolute(name), link.mtime, link.mtime);
    }
  }

  /** Refuses a path below a link or a file (in the view, then on disk), and creates its missing folders. */
  async #prepare(name: string): Promise<void> {
    const segments = name.split("/").slice(0, -1);
    for (let depth = 1; depth <= segments.length; depth++) {
      const parent = segments.slice(0, depth).join("/");
      const node = this.#view.get(parent);
      if (node === undefined) this.#view.set(parent, { kind: "directory" });
      else if (node.kind === "symlink") throw new UnsafeArchiveError(name, `${parent} is a symlink; refusing to write through it`);
      else if (node.kind !== "directory") throw new UnsafeArchiveError(name, `${parent} is not a folder`);
    }
    await assertNoSymlinkOnDisk(this.#root, name);
    if (segments.length > 0) await mkdir(path.join(this.#root, ...segments), { recursive: true });
  }

  #set(name: string, node: TreeNode): void {
    const previous = this.#view.get(name);
    if (previous?.kind === "directory" && node.kind !== "directory") {
      // Deleting while iterating a Map is safe: entries not yet visited and deleted are skipped.
      for (const key of this.#view.keys()) if (key.startsWith(`${name}/`)) this.#forget(key);
    }
    this.#forget(name);
    this.#view.set(name, node);
  }

  #forget(name: string): void {
    this.#view.delete(name);
    this.#links.delete(name);
    this.#files.delete(name);
  }

  #absolute(name: string): string {
    return path.join(this.#root, name);
  }
}

function linkKey(name: string, target: string): string {
  return `${name}\0${target}`;
}

/** The same refusal on the disk itself: no folder on the way to `relative` may be a link. */
async function assertNoSymlinkOnDisk(root: string, relative: string): Promise<void> {
  const segments = relative.split("/").slice(0, -1);
  let current = root;
  for (const segment of segments) {
    current = path.join(current, segment);
    const stats = await lstat(current).catch(() => null);
    if (stats === null) return;
    if (stats.isSymbolicLink()) throw new UnsafeArchiveError(relative, `${segment} is a symlink; refusing to write through it`);
  }
}
