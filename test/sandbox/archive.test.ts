import { lstat, mkdir, mkdtemp, readFile, readlink, rm, stat, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type ArchiveEntry, UnsafeArchiveError, extractArchive, packDirectory, packEntries } from "../../src/sandbox/index.ts";

const owner = { uid: 1000, gid: 1000 };

describe("unpacking archives that come out of a sandbox", () => {
  let base: string;
  let destination: string;

  beforeEach(async () => {
    base = await mkdtemp(path.join(tmpdir(), "droid-archive-"));
    destination = path.join(base, "a", "b", "tree");
    await mkdir(destination, { recursive: true });
  });
  afterEach(async () => {
    await rm(base, { recursive: true, force: true });
  });

  const unpack = (entries: ArchiveEntry[]) => extractArchive(packEntries(entries, owner), destination);

  it("rejects a path climbing out with ..", async () => {
    await expect(unpack([{ type: "file", name: "../../etc/passwd", content: "root::0:0::/:/bin/sh\n" }])).rejects.toThrow(
      new UnsafeArchiveError("../../etc/passwd", "path contains .."),
    );
    await expect(stat(path.join(base, "a", "etc", "passwd"))).rejects.toThrow(/ENOENT/);
  });

  it("rejects absolute paths", async () => {
    await expect(unpack([{ type: "file", name: "/etc/passwd", content: "x" }])).rejects.toThrow(/absolute path/);
  });

  it("rejects symlinks that point outside the tree", async () => {
    await expect(unpack([{ type: "symlink", name: "escape", target: "../../../outside" }])).rejects.toThrow(/points outside the tree/);
    await expect(unpack([{ type: "symlink", name: "dir/abs", target: "/etc" }])).rejects.toThrow(/link to absolute path/);
    await expect(lstat(path.join(destination, "escape"))).rejects.toThrow(/ENOENT/);
  });

  it("refuses to write through a symlink already in the tree", async () => {
    const outside = path.join(base, "outside");
    await mkdir(outside);
    await symlink(outside, path.join(destination, "x"));
    await expect(unpack([{ type: "file", name: "x/owned", content: "x" }])).rejects.toThrow(/x is a symlink/);
    await expect(stat(path.join(outside, "owned"))).rejects.toThrow(/ENOENT/);
  });

  it("rejects hard links to files outside the archive", async () => {
    const archive = packEntries([{ type: "file", name: "ok", content: "x" }], owner);
    // A hard link entry is not in ArchiveEntry on purpose; build one with tar-stream directly.
    const tar = await import("tar-stream");
    const pack = tar.default.pack();
    pack.entry({ name: "stolen", type: "link", linkname: "../../../../etc/passwd" });
    pack.finalize();
    const { Readable } = await import("node:stream");
    await expect(extractArchive(Readable.from(pack), destination)).rejects.toThrow(/path contains \.\./);
    await expect(extractArchive(archive, destination)).resolves.toEqual(["ok"]);
  });

  it("unpacks a safe tree with exec bits and inner symlinks", async () => {
    const written = await unpack([
      { type: "directory", name: "bin/" },
      { type: "file", name: "bin/run", content: "#!/bin/sh\n", mode: 0o755 },
      { type: "file", name: "README.md", content: "hi\n" },
      { type: "symlink", name: "bin/readme", target: "../README.md" },
    ]);
    expect(written).toEqual(["bin", "bin/run", "README.md", "bin/readme"]);
    expect((await stat(path.join(destination, "bin/run"))).mode & 0o777).toBe(0o755);
    expect((await stat(path.join(destination, "README.md"))).mode & 0o777).toBe(0o644);
    expect(await readlink(path.join(destination, "bin/readme"))).toBe("../README.md");
    expect(await readFile(path.join(destination, "bin/readme"), "utf8")).toBe("hi\n");
  });

  it("round-trips a directory through packDirectory", async () => {
    await unpack([
      { type: "file", name: "src/a.js", content: "a\n" },
      { type: "file", name: "run.sh", content: "#!/bin/sh\n", mode: 0o755 },
      { type: "symlink", name: "link", target: "src/a.js" },
    ]);
    const copy = path.join(base, "copy");
    await mkdir(copy);
    const written = await extractArchive(packDirectory(destination, owner), copy);
    expect(written.sort()).toEqual(["link", "run.sh", "src", "src/a.js"]);
    expect((await stat(path.join(copy, "run.sh"))).mode & 0o111).not.toBe(0);
    expect(await readlink(path.join(copy, "link"))).toBe("src/a.js");
  });
});
