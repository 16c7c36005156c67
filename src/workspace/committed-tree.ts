/**
 * A commit's tree read straight from git's object store, with no work tree on disk: its
 * entries by path, each file's content, and new trees written from a set of changes (how a
 * job whose work tree lives only in the sandbox commits).
 */
import fs from "node:fs";
import { type TreeEntry, readBlob, readTree, writeBlob, writeTree } from "isomorphic-git";
import type { PackedObjects } from "./pack-objects.ts";

/** One entry of a commit's tree: a blob (file or link) or a submodule's commit. */
export interface CommittedEntry {
  mode: string;
  oid: string;
  type: "blob" | "tree" | "commit";
}

/** A file or link as git stores it, read from the object store. */
export type CommittedFile =
  | { path: string; kind: "file"; executable: boolean; content: Uint8Array }
  | { path: string; kind: "symlink"; target: string };

/** A change to apply to a tree: new content (a file, or a link's target text) or a removal. */
export type TreeChange = { path: string; kind: "file"; executable: boolean; content: Uint8Array } | { path: string; kind: "symlink"; target: string } | { path: string; kind: "removed" };

export const LINK_MODE = "120000";

/**
 * Every blob and submodule of the tree `treeOid`, by path (folders are implied). Trees are read
 * from the pack files directly (`packs`, loaded) (isomorphic-git's `readTree` took 0.3 s for the 500 folders of a
 * 50,000-file tree), a loose one (written by a commit) through isomorphic-git.
 */
export async function flattenTree(gitdir: string, treeOid: string, packs: PackedObjects, cache: object): Promise<Map<string, CommittedEntry>> {
  const entries = new Map<string, CommittedEntry>();
  const walk = async (oid: string, prefix: string): Promise<void> => {
    const packed = packs.get(oid);
    const tree = packed?.type === "tree" ? parseTree(packed.content) : (await readTree({ fs, gitdir, oid, cache })).tree;
    for (const entry of tree) {
      const relative = prefix === "" ? entry.path : `${prefix}/${entry.path}`;
      if (entry.type === "tree") await walk(entry.oid, relative);
      else entries.set(relative, { mode: entry.mode, oid: entry.oid, type: entry.type });
    }
  };
  await walk(treeOid, "");
  return entries;
}

/** A tree object's entries (`<mode> <name>\0<20-byte id>` each), modes normalised as isomorphic-git does. */
export function parseTree(content: Buffer): TreeEntry[] {
  const entries: TreeEntry[] = [];
  let position = 0;
  while (position < content.length) {
    const space = content.indexOf(0x20, position);
    const nul = content.indexOf(0, space);
    if (space < 0 || nul < 0 || nul + 21 > content.length) throw new Error("A tree object is malformed");
    const mode = normalMode(content.toString("latin1", position, space));
    entries.push({ mode, path: content.toString("utf8", space + 1, nul), oid: content.toString("hex", nul + 1, nul + 21), type: mode === "040000" ? "tree" : mode === "160000" ? "commit" : "blob" });
    position = nul + 21;
  }
  return entries;
}

function normalMode(mode: string): string {
  if (/^0?4/.test(mode)) return "040000";
  if (mode.startsWith("1006")) return "100644";
  if (mode.startsWith("1007")) return "100755";
  if (mode.startsWith("120")) return "120000";
  if (mode.startsWith("160")) return "160000";
  throw new Error(`A tree entry has an unknown mode ${mode}`);
}

/**
 * The files and links of a flattened tree with their content (submodules are left out), read
 * from the pack files directly (`packs`, loaded); an object no pack holds (a loose one)
 * through isomorphic-git.
 */
export async function* committedFiles(gitdir: string, entries: ReadonlyMap<string, CommittedEntry>, packs: PackedObjects, cache: object): AsyncGenerator<CommittedFile> {
  for (const [relative, entry] of entries) {
    if (entry.type !== "blob") continue;
    const blob = packs.get(entry.oid)?.content ?? (await readBlob({ fs, gitdir, oid: entry.oid, cache })).blob;
    if (entry.mode === LINK_MODE) yield { path: relative, kind: "symlink", target: Buffer.from(blob).toString("utf8") };
    else yield { path: relative, kind: "file", executable: entry.mode === "100755", content: blob };
  }
}

/** Writes the tree of `entries` with `changes` applied; returns its oid. */
export async function writeChangedTree(gitdir: string, entries: ReadonlyMap<string, CommittedEntry>, changes: readonly TreeChange[]): Promise<string> {
  const next = new Map(entries);
  for (const change of changes) {
    if (change.kind === "removed") {
      next.delete(change.path);
      continue;
    }
    const content = change.kind === "file" ? change.content : Buffer.from(change.target, "utf8");
    const oid = await writeBlob({ fs, gitdir, blob: content });
    next.set(change.path, { mode: change.kind === "symlink" ? LINK_MODE : change.executable ? "100755" : "100644", oid, type: "blob" });
  }
  // Each folder's entries, then the folders bottom-up (deepest first).
  const folders = new Map<string, TreeEntry[]>([["", []]]);
  for (const relative of next.keys()) {
    const segments = relative.split("/");
    for (let depth = 1; depth < segments.length; depth++) {
      const folder = segments.slice(0, depth).join("/");
      if (!folders.has(folder)) folders.set(folder, []);
    }
  }
  for (const [relative, entry] of next) folders.get(parentOf(relative))?.push({ path: baseName(relative), mode: entry.mode, oid: entry.oid, type: entry.type });
  const ordered = [...folders.keys()].sort((a, b) => depthOf(b) - depthOf(a));
  let root = "";
  for (const folder of ordered) {
    const tree = folders.get(folder) ?? [];
    if (tree.length === 0 && folder !== "") continue; // git keeps no empty folders
    const oid = await writeTree({ fs, gitdir, tree });
    if (folder === "") root = oid;
    else folders.get(parentOf(folder))?.push({ path: baseName(folder), mode: "040000", oid, type: "tree" });
  }
  return root;
}

function parentOf(relative: string): string {
  const index = relative.lastIndexOf("/");
  return index === -1 ? "" : relative.slice(0, index);
}

function baseName(relative: string): string {
  return relative.slice(relative.lastIndexOf("/") + 1);
}

function depthOf(relative: string): number {
  return relative === "" ? 0 : relative.split("/").length;
}
