import { describe, expect, it } from "vitest";
import { type TreeNode, resolveInTree, unsafeLinks } from "../../src/sandbox/tree-links.ts";

const dir: TreeNode = { kind: "directory" };
const file: TreeNode = { kind: "file" };
const link = (target: string): TreeNode => ({ kind: "symlink", target });
const tree = (entries: Record<string, TreeNode>) => new Map(Object.entries(entries));

/** `a/l0 -> ..`, `a/l1 -> l0/..`, …: `a/l<i>` is i levels above the root. */
function chain(links: number): Record<string, TreeNode> {
  return Object.fromEntries([["a", dir], ...Array.from({ length: links }, (_, i) => [`a/l${i}`, link(i === 0 ? ".." : `l${i - 1}/..`)])]);
}

describe("resolving links inside a tree, as the kernel would", () => {
  it("follows links inside the tree, through folders and other links", () => {
    const view = tree({ src: dir, "src/index.js": file, lib: dir, "lib/entry": link("../src/index.js"), alias: link("lib"), deep: link("alias/entry") });
    expect(resolveInTree(view, "deep")).toEqual({ kind: "inside", path: "src/index.js", exists: true });
    expect(resolveInTree(view, "alias/entry")).toEqual({ kind: "inside", path: "src/index.js", exists: true });
    expect(unsafeLinks(view)).toEqual([]);
  });

  it("sees a chain of relative links climb out although every target reads as inside", () => {
    const view = tree({ ...chain(30), leak: link("a/l29/etc/passwd"), secret: link("a/l3/secret.env") });
    expect(resolveInTree(view, "a/l0")).toEqual({ kind: "inside", path: "", exists: true });
    expect(resolveInTree(view, "a/l1")).toMatchObject({ kind: "outside" });
    expect(resolveInTree(view, "leak")).toMatchObject({ kind: "outside" });
    expect(unsafeLinks(view).map((l) => l.name)).toEqual([...Array.from({ length: 29 }, (_, i) => `a/l${i + 1}`), "leak", "secret"]);
    expect(unsafeLinks(view)[0]?.reason).toBe("link l0/.. points outside the tree (it climbs above the root of the tree)");
  });

  it("applies .. to what a link resolved to, not to its text", () => {
    // `x/..` reads as the root, but x is a/b: x/.. is a, and x/../.. the root.
    const view = tree({ a: dir, "a/b": dir, x: link("a/b"), up: link("x/../.."), out: link("x/../../..") });
    expect(resolveInTree(view, "up")).toEqual({ kind: "inside", path: "", exists: true });
    expect(resolveInTree(view, "out")).toMatchObject({ kind: "outside" });
  });

  it("refuses .. above the root, and absolute targets", () => {
    const view = tree({ up: link(".."), d: dir, "d/up": link("../.."), "d/root": link(".."), abs: link("/etc/passwd"), viaAbs: link("abs/x") });
    expect(resolveInTree(view, "up")).toMatchObject({ kind: "outside" });
    expect(resolveInTree(view, "d/up")).toMatchObject({ kind: "outside" });
    expect(resolveInTree(view, "d/root")).toEqual({ kind: "inside", path: "", exists: true });
    expect(resolveInTree(view, "abs")).toEqual({ kind: "outside", reason: "reaches the absolute path /etc/passwd" });
    expect(resolveInTree(view, "viaAbs")).toMatchObject({ kind: "outside" });
    expect(resolveInTree(view, "../x")).toMatchObject({ kind: "outside" });
  });

  it("reports loops, and chains longer than the kernel follows", () => {
    const view = tree({ a: link("b"), b: link("a"), self: link("self"), d: link("d/x") });
    expect(resolveInTree(view, "a")).toEqual({ kind: "loop" });
    expect(resolveInTree(view, "self")).toEqual({ kind: "loop" });
    expect(resolveInTree(view, "d")).toEqual({ kind: "loop" });
    const hops = (n: number) => tree(Object.fromEntries([["f", file], ["h0", link("f")], ...Array.from({ length: n - 1 }, (_, i) => [`h${i + 1}`, link(`h${i}`)])]));
    expect(resolveInTree(hops(40), "h39")).toEqual({ kind: "inside", path: "f", exists: true });
    expect(resolveInTree(hops(41), "h40")).toEqual({ kind: "loop" });
    expect(unsafeLinks(tree({ a: link("b"), b: link("a") }))[0]?.reason).toMatch(/loops/);
  });

  it("applies what is below a missing component as text: dangling inside is fine, dangling outside is not", () => {
    const view = tree({ ghost: link("missing/file"), climber: link("missing/../../x"), README: file, odd: link("README/../..") });
    expect(resolveInTree(view, "ghost")).toEqual({ kind: "inside", path: "missing/file", exists: false });
    expect(resolveInTree(view, "climber")).toMatchObject({ kind: "outside" });
    expect(resolveInTree(view, "odd")).toMatchObject({ kind: "outside" });
    expect(unsafeLinks(view).map((l) => l.name)).toEqual(["climber", "odd"]);
  });
});
