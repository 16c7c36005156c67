/**
 * Pushing to a branch that others push to: the job's change lands on top of their
 * commits (never a force-push), and overlapping edits are refused with the files named.
 * Real git smart-HTTP server; no Docker needed.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { BranchConflict, Repository } from "../../src/workspace/index.ts";
import { type GitServer, startGitServer } from "../helpers/git-server.ts";
import { silentLog } from "../helpers/github.ts";

const DROID = { name: "droid[bot]", email: "droid[bot]@users.noreply.github.com" };
const token = `ghs_${randomBytes(18).toString("hex")}`;
const BRANCH = "droid/3-shout";
let server: GitServer;
let jobDir: string;
let name: string;
let count = 0;

beforeAll(async () => {
  server = await startGitServer(token);
});
afterAll(async () => {
  await server?.close();
});
beforeEach(async () => {
  name = `app-${++count}`;
  await server.createRepo(name, { "a.txt": "one\ntwo\nthree\n", "b.txt": "alpha\n" });
  await server.commitFiles(name, BRANCH, { "a.txt": "one\ntwo\nthree\nfour\n" }, { message: "Droid's first revision", from: "main" });
  jobDir = await mkdtemp(path.join(tmpdir(), "droid-push-"));
  return () => rm(jobDir, { recursive: true, force: true });
});

async function openBranch(): Promise<Repository> {
  return Repository.open({ cloneUrl: server.cloneUrl(name), token, defaultBranch: "main", jobDir, checkout: { kind: "existing-branch", name: BRANCH }, logger: silentLog });
}

const log = (...args: string[]) => server.git(name, "log", "--format=%an|%s", ...args, BRANCH);

describe("Repository.pushKeepingOthers", () => {
  it("pushes on top when nobody else pushed", async () => {
    const repo = await openBranch();
    await writeFile(path.join(repo.tree, "b.txt"), "alpha\nbeta\n");
    const commit = await repo.commit({ message: "Add beta", author: DROID });
    const result = await repo.pushKeepingOthers();
    expect(result).toEqual({ kind: "pushed", commit });
    expect(await log()).toBe("droid[bot]|Add beta\nHuman|Droid's first revision\nFixture|Initial commit\n");
  });

  it("replays the change on top of a human's commit pushed meanwhile, keeping theirs as it is", async () => {
    const repo = await openBranch();
    const human = await server.commitFiles(name, BRANCH, { "a.txt": "zero\none\ntwo\nthree\nfour\n" }, { message: "Human: add zero", author: "Human" });
    await writeFile(path.join(repo.tree, "b.txt"), "alpha\nbeta\n");
    await repo.commit({ message: "Add beta", author: DROID });
    const result = await repo.pushKeepingOthers();
    expect(result).toMatchObject({ kind: "replayed", onto: human });
    expect(await log("-3")).toBe("droid[bot]|Add beta\nHuman|Human: add zero\nHuman|Droid's first revision\n");
    expect(await server.git(name, "rev-parse", `${BRANCH}~1`)).toBe(`${human}\n`);
    expect(await server.git(name, "show", `${BRANCH}:a.txt`)).toBe("zero\none\ntwo\nthree\nfour\n");
    expect(await server.git(name, "show", `${BRANCH}:b.txt`)).toBe("alpha\nbeta\n");
    // The work tree follows, so later steps see the branch as pushed.
    expect(await readFile(path.join(repo.tree, "a.txt"), "utf8")).toBe("zero\none\ntwo\nthree\nfour\n");
  });

  it("merges edits to different lines of the same file", async () => {
    const repo = await openBranch();
    await server.commitFiles(name, BRANCH, { "a.txt": "ONE\ntwo\nthree\nfour\n" }, { message: "Human: shout one" });
    await writeFile(path.join(repo.tree, "a.txt"), "one\ntwo\nthree\nFOUR\n");
    await repo.commit({ message: "Shout four", author: DROID });
    await repo.pushKeepingOthers();
    expect(await server.git(name, "show", `${BRANCH}:a.txt`)).toBe("ONE\ntwo\nthree\nFOUR\n");
  });

  it("refuses overlapping edits: names the file, pushes nothing, leaves the human's commit on top", async () => {
    const repo = await openBranch();
    const human = await server.commitFiles(name, BRANCH, { "a.txt": "one\ntwo\nTHREE\nfour\n" }, { message: "Human: shout three" });
    await writeFile(path.join(repo.tree, "a.txt"), "one\ntwo\n3\nfour\n");
    await repo.commit({ message: "Number three", author: DROID });
    const error = await repo.pushKeepingOthers().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BranchConflict);
    expect((error as BranchConflict).files).toEqual(["a.txt"]);
    expect(await server.git(name, "rev-parse", BRANCH)).toBe(`${human}\n`);
  });
});

describe("a read-only clone (a fork's branch)", () => {
  it("may check out the default branch, and never pushes", async () => {
    const repo = await Repository.open({
      cloneUrl: server.cloneUrl(name),
      token,
      defaultBranch: "main",
      jobDir,
      checkout: { kind: "existing-branch", name: "main" },
      readOnly: true,
      logger: silentLog,
    });
    expect(await readFile(path.join(repo.tree, "a.txt"), "utf8")).toBe("one\ntwo\nthree\n");
    await writeFile(path.join(repo.tree, "b.txt"), "alpha\nbeta\n");
    await repo.commit({ message: "Add beta", author: DROID });
    await expect(repo.pushKeepingOthers()).rejects.toThrow(/read only/);
    expect(await server.git(name, "show", "main:b.txt")).toBe("alpha\n");
  });

  it("is refused on the default branch when it could be pushed", async () => {
    await expect(
      Repository.open({ cloneUrl: server.cloneUrl(name), token, defaultBranch: "main", jobDir, checkout: { kind: "existing-branch", name: "main" }, logger: silentLog }),
    ).rejects.toThrow(/default branch/);
  });
});
