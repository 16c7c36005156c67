/**
 * The mirror's own fetch: packs indexed as `git index-pack` indexes them (byte for byte, both
 * delta kinds, deltas of deltas), thin packs completed from the repository, broken ones refused, and git's smart HTTP against
 * a real `git http-backend`: a shallow first fetch git itself finds whole, a second fetch that
 * receives only the new commit's objects, a missing branch or repository named as such.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import http from "isomorphic-git/http/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Repository } from "../../src/workspace/index.ts";
import { mirrorFolder } from "../../src/workspace/mirror.ts";
import { PackIndexError, indexPack } from "../../src/workspace/pack-index.ts";
import { GitTransportError, advertisedRefs, fetchPack } from "../../src/workspace/upload-pack.ts";
import { type GitServer, startGitServer } from "../helpers/git-server.ts";
import { silentLog } from "../helpers/github.ts";

const run = promisify(execFile);
const token = `ghs_${randomBytes(18).toString("hex")}`;
let dir: string;
let server: GitServer;

const git = async (cwd: string, ...args: string[]) => (await run("git", ["-C", cwd, ...args], { encoding: "buffer", maxBuffer: 64 * 1024 * 1024 })).stdout;
/** A pack of every object of the work repository, as `git pack-objects` writes it. */
const packOf = async (...options: string[]) =>
  (await run("sh", ["-c", `git -C ${dir} rev-list --objects --all | git -C ${dir} pack-objects -q --stdout ${options.join(" ")}`], { encoding: "buffer", maxBuffer: 64 * 1024 * 1024 })).stdout;

/** The `.idx` git writes for a pack. */
async function gitIndex(pack: Buffer): Promise<Buffer> {
  const bare = await mkdtemp(path.join(tmpdir(), "droid-index-pack-"));
  try {
    await git(bare, "init", "-q", "--bare");
    await writeFile(path.join(bare, "x.pack"), pack);
    await git(bare, "index-pack", "x.pack");
    return await readFile(path.join(bare, "x.idx"));
  } finally {
    await rm(bare, { recursive: true, force: true });
  }
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "droid-upload-pack-"));
  await git(dir, "init", "-q", "-b", "main");
  await git(dir, "config", "user.email", "t@example.com");
  await git(dir, "config", "user.name", "Test");
  const base = Array.from({ length: 300 }, (_, line) => `line ${line} of a file that changes a little in each commit`).join("\n");
  for (let version = 0; version < 5; version++) {
    for (let file = 0; file < 4; file++) await writeFile(path.join(dir, `file${file}.txt`), `${base}\nversion ${version} of file ${file}\n${"x".repeat(version * 40)}`);
    await writeFile(path.join(dir, "empty.txt"), "");
    await git(dir, "add", "-A");
    await git(dir, "commit", "-q", "-m", `version ${version}`);
  }
  server = await startGitServer(token);
  const files: Record<string, string> = {};
  for (let file = 0; file < 300; file++) files[`src/module${file % 7}/file${file}.ts`] = `export const value${file} = ${file};\n`;
  await server.createRepo("shop", files);
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("indexPack", () => {
  it.each([
    ["offset deltas", ["--delta-base-offset"]],
    ["reference deltas", []],
  ])("writes the index git writes for a pack with %s", async (_name, options) => {
    const pack = await packOf("--depth=50", ...options);
    const indexed = await indexPack(pack);
    expect(indexed.objects).toBeGreaterThan(25);
    expect(indexed.checksum).toBe(pack.toString("hex", pack.length - 20));
    expect(indexed.index.equals(await gitIndex(pack))).toBe(true);
  });

  it("refuses a pack whose bytes were changed", async () => {
    const pack = Buffer.from(await packOf());
    pack[40] = (pack[40] ?? 0) ^ 0xff;
    await expect(indexPack(pack)).rejects.toThrow(PackIndexError);
    await expect(indexPack(Buffer.from("not a pack at all, just some text"))).rejects.toThrow(/not a pack/);
  });

  it("completes a thin pack with the bases the repository has, as a pack git reads whole", async () => {
    const head = (await git(dir, "rev-parse", "HEAD")).toString().trim();
    const thin = (await run("sh", ["-c", `printf '%s\\n^%s\\n' ${head} ${head}~1 | git -C ${dir} pack-objects -q --stdout --thin --revs`], { encoding: "buffer" })).stdout;
    await expect(indexPack(thin)).rejects.toThrow(/thin pack/);
    const asked: string[] = [];
    const completed = await indexPack(thin, async (oid) => {
      asked.push(oid);
      const type = (await git(dir, "cat-file", "-t", oid)).toString().trim() as "blob";
      return { type, content: await git(dir, "cat-file", type, oid) };
    });
    expect(asked.length).toBeGreaterThan(0);
    expect(completed.objects).toBe(thin.readUInt32BE(8) + asked.length);
    expect(completed.index.equals(await gitIndex(completed.pack))).toBe(true);
    await expect(indexPack(thin, async () => null)).rejects.toThrow(/neither in it nor in the repository/);
  });
});

const remote = () => ({ http, url: server.cloneUrl("shop"), onAuth: () => ({ username: "x-access-token", password: token }) });

describe("fetching through the mirror with git's smart HTTP", () => {
  let dataDir: string;
  let jobs = 0;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "droid-mirror-fetch-"));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });
  const open = (name = "shop", branch = "main") =>
    Repository.open({
      cloneUrl: server.cloneUrl(name),
      token,
      defaultBranch: "main",
      jobDir: path.join(dataDir, "jobs", String(++jobs)),
      checkout: branch === "main" ? { kind: "new-branch", name: "droid/1-fetch" } : { kind: "existing-branch", name: branch },
      mirrorsDir: path.join(dataDir, "mirrors"),
      logger: silentLog,
    });
  const mirror = () => mirrorFolder(path.join(dataDir, "mirrors"), server.cloneUrl("shop"));
  const packObjects = async () => {
    const dir = path.join(mirror(), "objects", "pack");
    const counts = await Promise.all((await readdir(dir)).filter((name) => name.endsWith(".idx")).map(async (name) => (await readFile(path.join(dir, name))).readUInt32BE(8 + 255 * 4)));
    return counts.sort((a, b) => b - a);
  };

  it("fetches a shallow history git finds whole, then only the objects of a new commit", async () => {
    const first = await open();
    const files = new Map<string, string>();
    for await (const file of first.files()) if (file.kind === "file") files.set(file.path, Buffer.from(file.content).toString("utf8"));
    expect(files.size).toBe(300);
    expect(files.get("src/module3/file10.ts")).toBe("export const value10 = 10;\n");
    const [head] = (await server.git("shop", "rev-parse", "main")).trim().split("\n");
    expect((await readFile(path.join(mirror(), "shallow"), "utf8")).trim()).toBe(head);
    await git(mirror(), "fsck", "--strict", "--no-dangling");
    expect(await packObjects()).toEqual([300 + 8 + 1 + 1]); // blobs, trees (root, src, 7 modules), the commit

    const next = await server.commitFiles("shop", "main", { "src/module3/file10.ts": "export const value10 = 11;\n" }, { message: "Bump" });
    const second = await open();
    let changed = "";
    for await (const file of second.files()) if (file.path === "src/module3/file10.ts" && file.kind === "file") changed = Buffer.from(file.content).toString("utf8");
    expect(changed).toBe("export const value10 = 11;\n");
    // The new commit, its three changed trees and the one changed file, sent as a thin pack
    // and completed with the two bases it named (the file's and its folder's old versions).
    expect(await packObjects()).toEqual([310, 7]);
    expect((await readFile(path.join(mirror(), "shallow"), "utf8")).trim().split("\n").sort()).toEqual([head, next].sort());
    await git(mirror(), "fsck", "--strict", "--no-dangling");

    // Nothing new: no pack asked for (the one request is the listing of branch names a new branch's name is checked against).
    const before = server.requests.filter((request) => request.path.endsWith("/git-upload-pack")).length;
    await open();
    expect(server.requests.filter((request) => request.path.endsWith("/git-upload-pack")).length).toBe(before + 1);
    expect(await packObjects()).toEqual([310, 7]);
  });

  it("says which branch the remote does not have, and keeps the mirror", async () => {
    await expect(open("shop", "droid/gone")).rejects.toThrow("droid/gone was not found on the remote");
    expect(await packObjects()).toEqual([310, 7]);
  });

  it("names the HTTP status of a refusal", async () => {
    const wrong = { ...remote(), onAuth: () => ({ username: "x-access-token", password: "ghs_wrong" }) };
    const refused = await advertisedRefs(wrong).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(GitTransportError);
    expect(refused).toMatchObject({ status: 401, message: expect.stringContaining("HTTP 401") });
    await expect(advertisedRefs({ ...remote(), url: `${server.url}/nobody/nothing.git` })).rejects.toMatchObject({ status: 404 });
  });

  it("fetches the whole history when no depth is asked for", async () => {
    const advertisement = await advertisedRefs(remote());
    const tip = advertisement.refs.get("refs/heads/main") ?? "";
    const received = await fetchPack(remote(), advertisement, { wants: [tip], haves: [], shallow: [], depth: 0 });
    expect(received.shallow).toEqual([]);
    const indexed = await indexPack(received.pack ?? Buffer.alloc(0));
    expect(indexed.objects).toBe(315); // both commits and everything they reach
  });
});
