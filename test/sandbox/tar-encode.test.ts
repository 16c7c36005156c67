/**
 * The work tree's tar writer read back by GNU tar (the sandbox's own unpacker): names that fit
 * ustar, that need its prefix, that need a pax record, non-ASCII names, links with short and
 * long targets, empty files, exec bits, contents on and across block boundaries, one owner and
 * one mtime for all.
 */
import { execFile } from "node:child_process";
import { lstat, mkdtemp, readFile, readlink, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TarFileEntry, encodeTar } from "../../src/sandbox/tar-encode.ts";

const run = promisify(execFile);
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "droid-tar-encode-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function* from(entries: TarFileEntry[]): AsyncGenerator<TarFileEntry> {
  yield* entries;
}

async function archive(entries: TarFileEntry[], chunkBytes?: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of encodeTar(from(entries), { uid: 1000, gid: 1000, mtimeSeconds: 1_700_000_000 }, chunkBytes)) chunks.push(chunk);
  return Buffer.concat(chunks);
}

const deep = `${"folder-name-of-thirty-chars-xx/".repeat(4)}file.txt`; // 128 bytes: ustar prefix
const deeper = `${"a-very-long-folder-name-".repeat(6)}/${"and-an-even-longer-file-name-".repeat(5)}.txt`; // no split fits: pax
const files: TarFileEntry[] = [
  { name: "README.md", type: "file", mode: 0o644, content: Buffer.from("# Hello\n") },
  { name: "bin/run.sh", type: "file", mode: 0o755, content: Buffer.from("#!/bin/sh\necho run\n") },
  { name: "empty.txt", type: "file", mode: 0o644, content: new Uint8Array(0) },
  { name: "block.bin", type: "file", mode: 0o644, content: Buffer.alloc(512, 7) },
  { name: "big.bin", type: "file", mode: 0o644, content: Buffer.alloc(70_001, 9) },
  { name: deep, type: "file", mode: 0o644, content: Buffer.from("deep\n") },
  { name: deeper, type: "file", mode: 0o644, content: Buffer.from("deeper\n") },
  { name: "données/café ☕.txt", type: "file", mode: 0o644, content: Buffer.from("unicode\n") },
  { name: "link", type: "symlink", mode: 0o777, linkname: "README.md" },
  { name: "far-link", type: "symlink", mode: 0o777, linkname: `../${"x".repeat(150)}/target` },
];

describe("encodeTar", () => {
  it.each([["one chunk", undefined], ["many small chunks", 1024]])("writes an archive GNU tar lists and extracts whole (%s)", async (_name, chunkBytes) => {
    const tarball = await archive(files, chunkBytes);
    expect(tarball.length % 512).toBe(0);
    const file = path.join(dir, `${chunkBytes ?? "one"}.tar`);
    await writeFile(file, tarball);
    const listing = (await run("tar", ["-tvf", file, "--numeric-owner"])).stdout.trim().split("\n");
    expect(listing).toHaveLength(files.length);
    expect(listing[1]).toMatch(/^-rwxr-xr-x 1000\/1000 +19 2023-11-1\d \d\d:\d\d bin\/run\.sh$/);
    const out = path.join(dir, `${chunkBytes ?? "one"}-out`);
    await run("mkdir", ["-p", out]);
    await run("tar", ["-xf", file, "-C", out]);
    const read = await Promise.all(
      files.map(async (entry) => {
        const target = path.join(out, entry.name);
        const stats = await lstat(target);
        return {
          name: entry.name,
          link: stats.isSymbolicLink() ? await readlink(target) : null,
          content: stats.isFile() ? await readFile(target) : null,
          mode: stats.isFile() ? stats.mode & 0o777 : null,
          mtimeMs: stats.mtimeMs,
        };
      }),
    );
    expect(read).toEqual(
      files.map((entry) => ({
        name: entry.name,
        link: entry.type === "symlink" ? entry.linkname : null,
        content: entry.type === "file" ? Buffer.from(entry.content ?? new Uint8Array(0)) : null,
        mode: entry.type === "file" ? entry.mode : null,
        mtimeMs: 1_700_000_000_000,
      })),
    );
  });

  it("ends with the two zero blocks even with no entry", async () => {
    expect((await archive([])).equals(Buffer.alloc(1024))).toBe(true);
  });
});
