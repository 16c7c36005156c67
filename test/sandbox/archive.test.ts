import { lstat, mkdir, mkdtemp, readFile, readlink, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import tar from "tar-stream";
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
    await expect(extractArchive(rawArchive([{ name: "stolen", type: "link", linkname: "../../../../etc/passwd" }]), destination)).rejects.toThrow(/path contains \.\./);
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

  describe("links resolved against the tree, never followed on the worker", () => {
    beforeEach(async () => {
      await writeFile(path.join(base, "secret.env"), "KEY=secret\n");
    });

    it("refuses a chain of relative links that climbs out, and creates none of its links", async () => {
      await expect(unpack([...chain(3), { type: "symlink", name: "leak", target: "a/l3/secret.env" }, { type: "file", name: "ok", content: "x" }])).rejects.toThrow(
        /"a\/l1": link l0\/\.\. points outside the tree/,
      );
      for (const name of ["a/l0", "a/l1", "a/l2", "leak"]) await expect(lstat(path.join(destination, name))).rejects.toThrow(/ENOENT/);
    });

    it("refuses a chain that reaches a link already in the tree", async () => {
      await mkdir(path.join(destination, "a"));
      await symlink("..", path.join(destination, "a", "l0"));
      await expect(unpack([{ type: "symlink", name: "a/l1", target: "l0/.." }])).rejects.toThrow(/points outside the tree/);
    });

    it("refuses a change that makes a link already in the tree leave it", async () => {
      // `p/../../x` is `x` while p is a folder one level down; once p -> . it climbs out.
      await mkdir(path.join(destination, "d", "p"), { recursive: true });
      await symlink("p/../../x", path.join(destination, "d", "ok"));
      await expect(unpack([{ type: "symlink", name: "d/p", target: "." }])).rejects.toThrow(/"d\/ok": link p\/\.\.\/\.\.\/x points outside/);
    });

    it("tolerates a link that already left the tree (a committed one) but nothing new through it", async () => {
      await symlink("../../../secret.env", path.join(destination, "committed"));
      await expect(unpack([{ type: "file", name: "README.md", content: "hi\n" }])).resolves.toEqual(["README.md"]);
      await expect(unpack([{ type: "symlink", name: "through", target: "committed" }])).rejects.toThrow(/"through"/);
    });

    it("replaces a link at a file's path instead of writing through it", async () => {
      await symlink("../../../secret.env", path.join(destination, "config"));
      await unpack([{ type: "file", name: "config", content: "mine\n" }]);
      expect((await lstat(path.join(destination, "config"))).isFile()).toBe(true);
      expect(await readFile(path.join(base, "secret.env"), "utf8")).toBe("KEY=secret\n");
    });

    it("refuses to write below a link the same archive made", async () => {
      await expect(unpack([{ type: "directory", name: "sub/" }, { type: "symlink", name: "d", target: "sub" }, { type: "file", name: "d/f", content: "x" }])).rejects.toThrow(
        /d is a symlink; refusing to write through it/,
      );
    });

    it("copies a hard link to a regular file of the archive, and refuses one to a link", async () => {
      await expect(extractArchive(rawArchive([{ name: "one", type: "file", size: 3 }, { name: "two", type: "link", linkname: "one" }], "abc"), destination)).resolves.toEqual(["one", "two"]);
      expect(await readFile(path.join(destination, "two"), "utf8")).toBe("abc");
      const toLink = rawArchive([...chain(3).map((e) => ({ name: e.name, type: "symlink" as const, linkname: e.type === "symlink" ? e.target : "" })), { name: "leak", type: "symlink", linkname: "a/l3/secret.env" }, { name: "stolen", type: "link", linkname: "leak" }]);
      await expect(extractArchive(toLink, destination)).rejects.toThrow(/"stolen": hard link to a symlink \(leak\)/);
      await expect(lstat(path.join(destination, "stolen"))).rejects.toThrow(/ENOENT/);
      const toTreeFile = rawArchive([{ name: "copy", type: "link", linkname: "one" }]);
      await expect(extractArchive(toTreeFile, destination)).rejects.toThrow(/hard link to one outside the extracted files/);
    });
  });
});

/** `a/l0 -> ..`, `a/l1 -> l0/..`, …: every target reads as inside; a/l<i> is i levels up. */
function chain(links: number): ArchiveEntry[] {
  return Array.from({ length: links }, (_, i): ArchiveEntry => ({ type: "symlink", name: `a/l${i}`, target: i === 0 ? ".." : `l${i - 1}/..` }));
}

/** An archive with any headers (hard links are not in ArchiveEntry on purpose); `content` goes to the first file. */
function rawArchive(headers: (Partial<tar.Header> & { name: string })[], content = ""): Readable {
  const pack = tar.pack();
  for (const header of headers) {
    if (header.type === "file") pack.entry(header, content);
    else pack.entry(header);
  }
  pack.finalize();
  return Readable.from(pack);
}
