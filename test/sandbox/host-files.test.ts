import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readTreeEntry, walkTree } from "../../src/sandbox/host-files.ts";

describe("reading a work tree on the worker without following links", () => {
  let base: string;
  let tree: string;

  beforeEach(async () => {
    base = await mkdtemp(path.join(tmpdir(), "droid-host-files-"));
    tree = path.join(base, "tree");
    await mkdir(path.join(tree, "src"), { recursive: true });
    await writeFile(path.join(base, "secret.env"), "KEY=secret\n");
    await writeFile(path.join(tree, "src", "a.js"), "a\n");
    await symlink("../../secret.env", path.join(tree, "src", "leak"));
    await symlink("..", path.join(tree, "up"));
  });
  afterEach(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it("reads a file's bytes and a link's target text, never what a link points at", async () => {
    expect(await readTreeEntry(tree, "src/a.js")).toEqual({ kind: "file", content: Buffer.from("a\n") });
    expect(await readTreeEntry(tree, "src/leak")).toEqual({ kind: "symlink", target: Buffer.from("../../secret.env") });
    expect(await readTreeEntry(tree, "up/secret.env")).toBeNull();
    expect(await readTreeEntry(tree, "src")).toBeNull();
    expect(await readTreeEntry(tree, "missing")).toBeNull();
  });

  it("does not hang on a FIFO", async () => {
    await promisify(execFile)("mkfifo", [path.join(tree, "pipe")]);
    expect(await readTreeEntry(tree, "pipe")).toBeNull();
  });

  it("walks real folders only, and describes links as links", async () => {
    const entries = await walkTree(tree);
    expect([...entries.keys()].sort()).toEqual(["src", "src/a.js", "src/leak", "up"]);
    expect(entries.get("up")?.node).toEqual({ kind: "symlink", target: ".." });
  });
});
