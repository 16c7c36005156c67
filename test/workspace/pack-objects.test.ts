/**
 * Reading git's pack files directly: every object of packs that git itself wrote (whole
 * objects, offset deltas and reference deltas, chains of them) is read as `git cat-file`
 * gives it, and an object no pack holds is answered with null.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PackedObjects, applyDelta } from "../../src/workspace/pack-objects.ts";

const run = promisify(execFile);
let dir: string;

const git = async (...args: string[]) => (await run("git", ["-C", dir, ...args], { encoding: "buffer", maxBuffer: 64 * 1024 * 1024 })).stdout;

/** Every object of the repository with its type, as git reads it. */
async function gitObjects(): Promise<Map<string, { type: string; content: Buffer }>> {
  const listing = (await git("cat-file", "--batch-all-objects", "--batch-check=%(objectname) %(objecttype)")).toString("utf8").trim().split("\n");
  const objects = new Map<string, { type: string; content: Buffer }>();
  for (const line of listing) {
    const [oid = "", type = ""] = line.split(" ");
    objects.set(oid, { type, content: await git("cat-file", type, oid) });
  }
  return objects;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "droid-packs-"));
  await git("init", "-q", "-b", "main");
  await git("config", "user.email", "t@example.com");
  await git("config", "user.name", "Test");
  // Versions of the same big files, so that git stores most of them as deltas.
  const base = Array.from({ length: 400 }, (_, line) => `line ${line} of a file that changes a little in each commit`).join("\n");
  for (let version = 0; version < 6; version++) {
    for (let file = 0; file < 5; file++) await writeFile(path.join(dir, `file${file}.txt`), `${base}\nversion ${version} of file ${file}\n${"x".repeat(version * 50)}`);
    await writeFile(path.join(dir, `binary${version}.bin`), Buffer.from(Array.from({ length: 70_000 }, (_, index) => (index * (version + 7)) % 251)));
    await git("add", "-A");
    await git("commit", "-q", "-m", `version ${version}`);
  }
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("PackedObjects", () => {
  it.each([
    ["offset deltas", ["repack", "-a", "-d", "-f", "--depth=50", "-q"]],
    ["reference deltas", ["-c", "repack.useDeltaBaseOffset=false", "repack", "-a", "-d", "-f", "--depth=50", "-q"]],
  ])("reads every object of a pack with %s as git does", async (_name, repack) => {
    await git(...repack);
    const expected = await gitObjects();
    const packs = await PackedObjects.open(path.join(dir, ".git"));
    const verified = (await git("verify-pack", "-v", ...(await run("sh", ["-c", `ls ${dir}/.git/objects/pack/*.idx`])).stdout.trim().split("\n"))).toString("utf8");
    expect(verified).toMatch(/chain length = [2-9]/); // deltas of deltas are in the pack
    expect(expected.size).toBeGreaterThan(40);
    const read = await Promise.all([...expected.keys()].map(async (oid) => [oid, await packs.read(oid)] as const));
    const mismatched = read.filter(([oid, object]) => object?.type !== expected.get(oid)?.type || !object?.content.equals(expected.get(oid)?.content ?? Buffer.alloc(0)));
    expect(mismatched.map(([oid]) => oid)).toEqual([]);
  });

  it("answers null for an object that no pack holds", async () => {
    await writeFile(path.join(dir, "loose.txt"), "only loose\n");
    const oid = (await git("hash-object", "-w", "loose.txt")).toString("utf8").trim();
    const packs = await PackedObjects.open(path.join(dir, ".git"));
    expect(await packs.read(oid)).toBeNull();
  });

  it("refuses a delta that copies past its base", () => {
    // Source size 3, target size 4, copy 4 bytes from offset 0.
    expect(() => applyDelta(Buffer.from("abc"), Buffer.from([3, 4, 0x90, 4]))).toThrow(/past its base/);
  });
});
