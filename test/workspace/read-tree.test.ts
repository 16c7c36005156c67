/**
 * A commit's files written for reading: contents, exec bits and links as git stores them;
 * paths git refuses and paths written twice fail; a file is never written through a link of
 * the same tree (links come last).
 */
import { lstat, mkdtemp, readFile, readlink, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CommittedFile } from "../../src/workspace/committed-tree.ts";
import { UnsafeTreePathError, writeCommittedFiles } from "../../src/workspace/read-tree.ts";

let dir: string;
let outside: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "droid-read-tree-"));
  outside = await mkdtemp(path.join(tmpdir(), "droid-read-tree-outside-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

async function* from(files: CommittedFile[]): AsyncGenerator<CommittedFile> {
  yield* files;
}
const file = (relative: string, content: string, executable = false): CommittedFile => ({ path: relative, kind: "file", executable, content: Buffer.from(content) });

describe("writeCommittedFiles", () => {
  it("writes files, exec bits and links, many folders deep", async () => {
    const many = Array.from({ length: 300 }, (_, index) => file(`src/dir${index % 7}/nested/file${index}.ts`, `export const v = ${index};\n`));
    const written = await writeCommittedFiles(dir, from([file("README.md", "# hi\n"), { path: "docs/link.md", kind: "symlink", target: "../README.md" }, file("bin/run", "#!/bin/sh\n", true), ...many]));
    expect(written).toBe(303);
    expect(await readFile(path.join(dir, "src/dir3/nested/file10.ts"), "utf8")).toBe("export const v = 10;\n");
    expect((await lstat(path.join(dir, "bin/run"))).mode & 0o777).toBe(0o755);
    expect((await lstat(path.join(dir, "README.md"))).mode & 0o777).toBe(0o644);
    expect(await readlink(path.join(dir, "docs/link.md"))).toBe("../README.md");
    expect(await readFile(path.join(dir, "docs/link.md"), "utf8")).toBe("# hi\n");
  });

  it.each(["../escape.txt", "a/../../escape.txt", ".git/config", "sub/.GIT/hooks/post-checkout", "a//b", "./a"])("refuses the path %s", async (relative) => {
    await expect(writeCommittedFiles(dir, from([file(relative, "x")]))).rejects.toThrow(UnsafeTreePathError);
  });

  it("fails on a path written twice", async () => {
    await expect(writeCommittedFiles(dir, from([file("a.txt", "one"), file("a.txt", "two")]))).rejects.toMatchObject({ code: "EEXIST" });
  });

  it("never writes a file through a link of the same tree", async () => {
    const attempt = writeCommittedFiles(dir, from([{ path: "a", kind: "symlink", target: outside }, file("a/planted.txt", "x")]));
    await expect(attempt).rejects.toMatchObject({ code: "EEXIST" });
    await expect(lstat(path.join(outside, "planted.txt"))).rejects.toMatchObject({ code: "ENOENT" });
  });
});
