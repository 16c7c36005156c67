/**
 * Copy-back under attack, against the real engine: links made inside the sandbox (a chain
 * of relative links that reads as "inside" but climbs out, a hard link to a link, a file
 * swapped for a link between the listing and the packing) must never bring a file of the
 * worker into the work tree, the diff Droid shows, or a commit. A secret is planted next
 * to the job's folder on the worker, where such a chain would lead.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import { mkdtemp, readFile, readdir, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { listFiles, readBlob } from "isomorphic-git";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { describeChanges } from "../../src/agent/changes.ts";
import { DEFAULT_LIMITS, SANDBOX_IMAGE, SYSTEM_TOOLS, type Sandbox, UnsafeArchiveError, bringChangesBack, copyTreeIntoSandbox, createSandbox } from "../../src/sandbox/index.ts";
import { Repository } from "../../src/workspace/index.ts";
import { docker, dockerAnswers, memoryLogger, uniqueId } from "../helpers/docker.ts";
import { type FixtureFile, type GitServer, startGitServer } from "../helpers/git-server.ts";

const engine = await dockerAnswers();
const { logger } = memoryLogger();
const DROID = { name: "Droid", email: "droid[bot]@users.noreply.github.com" };
const MARKER = `DROID_HOST_SECRET_${randomBytes(8).toString("hex")}`;

/** `a/l0 -> ..`, `a/l1 -> l0/..`, …: each reads as inside the tree, `a/l<n>` is n levels above it. */
const chainCommand = (links: number) =>
  `mkdir -p a && ln -s .. a/l0 && for i in $(seq 1 ${links - 1}); do ln -s "l$((i - 1))/.." "a/l$i"; done`;

/** The same chain as committed files (a fork could carry it). */
const chainFixture = (links: number): Record<string, FixtureFile> =>
  Object.fromEntries(Array.from({ length: links }, (_, i) => [`a/l${i}`, { symlink: i === 0 ? ".." : `l${i - 1}/..` }]));

describe.skipIf(!engine)("copy-back cannot be fooled by links made in the sandbox", () => {
  const token = `ghs_${randomBytes(18).toString("hex")}`;
  let server: GitServer;
  let dataDir: string;
  let repo: Repository;
  let sandbox: Sandbox;
  let count = 0;

  beforeAll(async () => {
    server = await startGitServer(token);
  });
  afterAll(async () => {
    await server?.close();
  });

  /** A data dir like the worker's: `<data>/secret.env` beside `<data>/jobs/<id>/tree`, three levels above the tree. */
  async function open(files: Record<string, FixtureFile> = {}): Promise<void> {
    const name = `app-${++count}`;
    await server.createRepo(name, { "README.md": "# app\n", "src/index.js": "console.log('hello');\n", ".gitignore": "node_modules/\n", ...files });
    dataDir = await mkdtemp(path.join(tmpdir(), "droid-data-"));
    await writeFile(path.join(dataDir, "secret.env"), `ANTHROPIC_API_KEY=${MARKER}\n`);
    repo = await Repository.open({ cloneUrl: server.cloneUrl(name), token, defaultBranch: "main", jobDir: path.join(dataDir, "jobs", name), checkout: { kind: "new-branch", name: "droid/1-x" }, logger });
    sandbox = await createSandbox(docker, { owner: { jobId: uniqueId("copyback"), instance: "test-copyback" }, image: SANDBOX_IMAGE, network: "none", limits: DEFAULT_LIMITS, logger });
    await copyTreeIntoSandbox(repo.tree, sandbox);
  }

  afterEach(async () => {
    await sandbox?.remove();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  async function run(command: string): Promise<void> {
    expect(await sandbox.exec(command)).toMatchObject({ kind: "completed", exitCode: 0 });
  }

  const bringBack = (from: Sandbox = sandbox) => bringChangesBack(from, repo.tree, () => repo.ignoreRules()).then(() => null, (error: unknown) => error);

  /**
   * Nothing of the worker's files in the tree, the diff, or a commit of whatever came back; no
   * link leading out of the tree but those the branch itself carries (`committed`).
   */
  async function expectNoLeak(committed: string[] = []): Promise<void> {
    expect.soft(await filesHolding(repo.tree, MARKER), "work tree files").toEqual([]);
    expect.soft(await linksLeaving(repo.tree), "links resolving outside the tree").toEqual(committed);
    const changes = await describeChanges(repo);
    expect.soft(changes.diff, "diff").not.toContain(MARKER);
    expect.soft(changes.diff, "diff").not.toContain("root:x:0:0");
    await repo.commit({ message: "whatever came back", author: DROID });
    expect.soft(await committedHolding(repo, [MARKER, "root:x:0:0"]), "commit").toEqual([]);
  }

  it("refuses a chain of relative links that climbs out of the tree to a planted secret and to /etc/passwd", async () => {
    await open();
    await run(`${chainCommand(30)} && ln -s a/l3/secret.env leak && ln -s a/l29/etc/passwd passwd && echo changed >> README.md`);
    const error = await bringBack();
    await expectNoLeak();
    expect(error).toBeInstanceOf(UnsafeArchiveError);
    expect(String(error)).toMatch(/outside the tree/);
  });

  it("refuses a hard link to a link (made with ln -P), whether the link leaves the tree or not", async () => {
    await open();
    await run(`${chainCommand(4)} && ln -s a/l3/secret.env leak && ln -P leak stolen`);
    expect(await bringBack()).toBeInstanceOf(UnsafeArchiveError);
    await expectNoLeak();

    await sandbox.exec("rm -rf a leak stolen");
    await run("ln -s README.md readme && ln -P readme twin");
    const error = await bringBack();
    expect(error).toBeInstanceOf(UnsafeArchiveError);
    expect(String(error)).toMatch(/hard link to a symlink/);
    await expectNoLeak();
  });

  it("refuses a file swapped for a link between the listing and the packing, through a chain the branch already carries", async () => {
    await open({ ...chainFixture(4), "victim.txt": "plain\n" });
    await run("echo edited >> victim.txt");
    const swapping = swapBeforePacking(sandbox, "rm victim.txt && ln -s a/l3/secret.env victim.txt");
    const error = await bringBack(swapping);
    await expectNoLeak(["a/l1", "a/l2", "a/l3"]);
    expect(error).toBeInstanceOf(UnsafeArchiveError);
    expect(error).toMatchObject({ entry: "victim.txt" });
  });

  it("takes only the paths it asked for, whatever the sandbox adds to the request", async () => {
    await open();
    await run("mkdir -p node_modules/dep && echo ignored > node_modules/dep/index.js && echo changed >> README.md");
    const adding = swapBeforePacking(sandbox, "printf 'node_modules/dep/index.js\\0' >> /droid/run/sync-request");
    expect(await bringBack(adding)).toBeNull();
    await expect(readFile(path.join(repo.tree, "README.md"), "utf8")).resolves.toBe("# app\nchanged\n");
    await expect(readdir(repo.tree)).resolves.not.toContain("node_modules");
  });

  it("lists and packs with the image's own find and tar, not those the sandbox put first on PATH", async () => {
    await open();
    const fake = "#!/bin/sh\ntouch /workspace/fake-$(basename \"$0\")-ran\nexit 0\n";
    await sandbox.writeFile("/droid/venv/bin/find", fake, { mode: 0o755 });
    await sandbox.writeFile("/droid/venv/bin/tar", fake, { mode: 0o755 });
    await run("command -v find | grep -qx /droid/venv/bin/find && echo changed >> README.md && rm src/index.js");
    expect(await bringBack()).toBeNull();
    await expect(readFile(path.join(repo.tree, "README.md"), "utf8")).resolves.toBe("# app\nchanged\n");
    await expect(readdir(repo.tree)).resolves.toEqual([".gitignore", "README.md", "src"]);
    expect((await sandbox.exec("ls /workspace")).stdout).not.toContain("fake-");
  });

  it("keeps links that stay inside the tree, as links", async () => {
    await open();
    await run("mkdir -p lib && ln -s ../src/index.js lib/entry && ln -s lib alias && ln -s alias/entry deep");
    expect(await bringBack()).toBeNull();
    expect(await fs.promises.readlink(path.join(repo.tree, "deep"))).toBe("alias/entry");
    const changes = await describeChanges(repo);
    expect(changes.files.map((f) => f.path)).toEqual(["alias", "deep", "lib/entry"]);
    expect(changes.diff).toContain("+alias/entry");
    await expectNoLeak();
  });
});

/** A sandbox whose packing step first runs `swap` in the sandbox: the race, made certain. */
function swapBeforePacking(sandbox: Sandbox, swap: string): Sandbox {
  const swapFirst = async () => {
    await sandbox.exec(swap);
  };
  return {
    id: sandbox.id,
    workdir: sandbox.workdir,
    network: sandbox.network,
    exec: (command, options) => sandbox.exec(command, options),
    runSystemTool: async (command) => {
      if (command[0] === SYSTEM_TOOLS.tar && command.includes("-cf")) await swapFirst();
      return sandbox.runSystemTool(command);
    },
    readFile: (filePath) => sandbox.readFile(filePath),
    writeFile: (filePath, content, options) => sandbox.writeFile(filePath, content, options),
    putArchive: (archive, directory) => sandbox.putArchive(archive, directory),
    unpackArchive: (archive, directory) => sandbox.unpackArchive(archive, directory),
    getArchive: (sourcePath) => sandbox.getArchive(sourcePath),
    disconnectNetwork: () => sandbox.disconnectNetwork(),
    remove: () => sandbox.remove(),
  };
}

/** Regular files under `root` (walking real folders only) whose bytes contain `marker`. */
async function filesHolding(root: string, marker: string, relative = ""): Promise<string[]> {
  const found: string[] = [];
  for (const dirent of await readdir(path.join(root, relative), { withFileTypes: true })) {
    const child = relative === "" ? dirent.name : `${relative}/${dirent.name}`;
    if (dirent.isDirectory()) found.push(...(await filesHolding(root, marker, child)));
    else if (dirent.isFile() && (await readFile(path.join(root, child))).includes(marker)) found.push(child);
  }
  return found;
}

/** Links under `root` that the kernel resolves to somewhere outside it. */
async function linksLeaving(root: string, relative = ""): Promise<string[]> {
  const inside = await realpath(root);
  const found: string[] = [];
  for (const dirent of await readdir(path.join(root, relative), { withFileTypes: true })) {
    const child = relative === "" ? dirent.name : `${relative}/${dirent.name}`;
    if (dirent.isDirectory()) found.push(...(await linksLeaving(root, child)));
    else if (dirent.isSymbolicLink()) {
      const resolved = await realpath(path.join(root, child)).catch(() => null);
      if (resolved !== null && resolved !== inside && !resolved.startsWith(`${inside}/`)) found.push(child);
    }
  }
  return found;
}

/** Paths of the branch's last commit whose blob holds one of the strings. */
async function committedHolding(repo: Repository, needles: string[]): Promise<string[]> {
  const git = { fs, dir: repo.tree, gitdir: repo.gitdir };
  const head = await repo.head();
  const found: string[] = [];
  for (const filepath of await listFiles({ ...git, ref: head })) {
    const { blob } = await readBlob({ ...git, oid: head, filepath });
    const text = Buffer.from(blob).toString("utf8");
    if (needles.some((needle) => text.includes(needle))) found.push(filepath);
  }
  return found;
}
