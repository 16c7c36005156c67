/**
 * Where the links of a work tree lead, decided in memory, the way the kernel would follow
 * them (realpath: component by component, `..` applied to what a link resolved to, not to
 * its text). Nothing here touches a disk: the caller describes the tree (what is already on
 * the worker plus what an archive is adding), so a chain such as `a/l0 -> ..`,
 * `a/l1 -> l0/..`, `leak -> a/l1/secret` is seen to climb out although every target reads
 * as "inside".
 */

/** What a path of the tree is, seen without following it (lstat). */
export type TreeNode = { kind: "directory" } | { kind: "file" } | { kind: "symlink"; target: string } | { kind: "other" };

/** A tree's entries by relative POSIX path ("src/a.js"; the root itself is not listed). */
export type TreeView = ReadonlyMap<string, TreeNode>;

export type Resolution =
  /** Lands inside the tree, at `path` ("" for the root); `exists` is false when a component is missing. */
  | { kind: "inside"; path: string; exists: boolean }
  /** Leaves the tree: an absolute target, or a `..` above the root. */
  | { kind: "outside"; reason: string }
  /** More links than the kernel follows in one lookup (40), or a cycle. */
  | { kind: "loop" };

/** The kernel gives up after this many links in one path lookup (Linux MAXSYMLINKS). */
const MAX_LINKS = 40;

/**
 * Resolves `relative` in `view` like realpath(3) with the tree as the whole world. Below a
 * missing component the rest is applied as text (no link can be there yet), so a dangling
 * `missing/../../x` still counts as leaving the tree.
 */
export function resolveInTree(view: TreeView, relative: string): Resolution {
  const resolved: string[] = [];
  const pending = split(relative);
  let links = 0;
  while (pending.length > 0) {
    const segment = pending.shift() ?? "";
    if (segment === "..") {
      if (resolved.length === 0) return { kind: "outside", reason: "climbs above the root of the tree" };
      resolved.pop();
      continue;
    }
    const candidate = [...resolved, segment].join("/");
    const node = view.get(candidate);
    if (node?.kind === "symlink") {
      if (++links > MAX_LINKS) return { kind: "loop" };
      if (node.target.startsWith("/")) return { kind: "outside", reason: `reaches the absolute path ${node.target}` };
      pending.unshift(...split(node.target));
      continue;
    }
    resolved.push(segment);
    if (node?.kind === "directory") continue;
    // Missing, or a file used as a folder: nothing below it can be a link yet; apply the rest as text.
    return applyAsText(resolved, pending, node !== undefined && pending.length === 0);
  }
  return { kind: "inside", path: resolved.join("/"), exists: true };
}

/** A link of the tree whose target leaves it or loops, with why. */
export interface UnsafeLink {
  name: string;
  target: string;
  reason: string;
}

/** Every link in `view` that does not resolve to a place inside the tree. */
export function unsafeLinks(view: TreeView): UnsafeLink[] {
  const unsafe: UnsafeLink[] = [];
  for (const [name, node] of view) {
    if (node.kind !== "symlink") continue;
    const resolution = resolveInTree(view, name);
    if (resolution.kind === "outside") unsafe.push({ name, target: node.target, reason: `link ${node.target} points outside the tree (it ${resolution.reason})` });
    else if (resolution.kind === "loop") unsafe.push({ name, target: node.target, reason: `link ${node.target} loops (more than ${MAX_LINKS} links in a row)` });
  }
  return unsafe;
}

function applyAsText(resolved: string[], rest: string[], exists: boolean): Resolution {
  for (const segment of rest) {
    if (segment !== "..") resolved.push(segment);
    else if (resolved.pop() === undefined) return { kind: "outside", reason: "climbs above the root of the tree" };
  }
  return { kind: "inside", path: resolved.join("/"), exists };
}

function split(relative: string): string[] {
  return relative.split("/").filter((segment) => segment !== "" && segment !== ".");
}
