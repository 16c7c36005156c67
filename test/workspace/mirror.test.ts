/**
 * The per-repository object mirrors stay within DROID_MIRRORS_MB: after a fetch the least
 * recently used mirrors are removed until the rest fit, a mirror being fetched into (locked) is
 * left alone, and a job whose mirror was removed still reads its files. Real git smart-HTTP
 * server; no Docker needed.
 */
import { randomBytes } from "node:crypto";
import { access, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Repository } from "../../src/workspace/index.ts";
import { mirrorFolder, pruneMirrors } from "../../src/workspace/mirror.ts";
import { type GitServer, startGitServer } from "../helpers/git-server.ts";
import { silentLog } from "../helpers/github.ts";

const token = `ghs_${randomBytes(18).toString("hex")}`;
let server: GitServer;
let dataDir: string;
let jobs = 0;

beforeAll(async () => {
  server = await startGitServer(token);
  // About 460 KB of packed objects each (random bytes do not compress).
  for (const name of ["alpha", "beta", "gamma"]) await server.createRepo(name, { "data.txt": randomBytes(450_000).toString("base64") });
  dataDir = await mkdtemp(path.join(tmpdir(), "droid-mirrors-"));
});
afterAll(async () => {
  await server?.close();
  await rm(dataDir, { recursive: true, force: true });
});

const mirrorsDir = () => path.join(dataDir, "mirrors");
const mirrorOf = (name: string) => mirrorFolder(mirrorsDir(), server.cloneUrl(name));
const present = (folder: string) => access(folder).then(() => true, () => false);

const open = (name: string, mirrorsMb?: number) =>
  Repository.open({
    cloneUrl: server.cloneUrl(name),
    token,
    defaultBranch: "main",
    jobDir: path.join(dataDir, "jobs", String(++jobs)),
    checkout: { kind: "new-branch", name: "droid/1-mirror" },
    mirrorsDir: mirrorsDir(),
    ...(mirrorsMb === undefined ? {} : { mirrorsMb }),
    logger: silentLog,
  });

async function fileCount(repo: Repository): Promise<number> {
  let count = 0;
  for await (const file of repo.files()) if (file.kind === "file" && file.content.byteLength > 300_000) count++;
  return count;
}

describe("object mirror pruning", () => {
  it("removes the least recently used mirrors beyond the bound, after the fetch", async () => {
    await open("alpha");
    const beta = await open("beta");
    await open("gamma");
    expect(await Promise.all(["alpha", "beta", "gamma"].map((name) => present(mirrorOf(name))))).toEqual([true, true, true]);

    // alpha is used again with a bound of 1 MiB: alpha (now) and gamma fit, beta does not.
    const alpha = await open("alpha", 1);
    expect(await Promise.all(["alpha", "beta", "gamma"].map((name) => present(mirrorOf(name))))).toEqual([true, false, true]);
    expect(await fileCount(alpha)).toBe(1);
    // The job that used beta's mirror keeps its objects (its pack files are its own links).
    expect(await fileCount(beta)).toBe(1);

    // beta comes back whole, and gamma is now the least recently used.
    expect(await fileCount(await open("beta", 1))).toBe(1);
    expect(await Promise.all(["alpha", "beta", "gamma"].map((name) => present(mirrorOf(name))))).toEqual([true, true, false]);
  });

  it("leaves a mirror that is being fetched into", async () => {
    await open("gamma");
    await writeFile(`${mirrorOf("alpha")}.lock`, `${process.pid} ${Date.now()}\n`);
    try {
      const removed = await pruneMirrors(mirrorsDir(), 0);
      expect(removed.sort()).toEqual([mirrorOf("beta"), mirrorOf("gamma")].sort());
      expect(await present(mirrorOf("alpha"))).toBe(true);
    } finally {
      await rm(`${mirrorOf("alpha")}.lock`, { force: true });
    }
    expect(await pruneMirrors(mirrorsDir(), 0)).toEqual([mirrorOf("alpha")]);
  });
});
