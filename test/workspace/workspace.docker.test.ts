import { randomBytes } from "node:crypto";
import { lstat, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_LIMITS, SANDBOX_IMAGE, type Sandbox, SecretInSandboxError, UnsafeArchiveError, createSandbox, readArchiveFiles } from "../../src/sandbox/index.ts";
import { Repository, WorkspaceRefusal } from "../../src/workspace/index.ts";
import { bringChangesBack, copyTreeIntoSandbox } from "../../src/sandbox/index.ts";
import { docker, dockerAnswers, memoryLogger, uniqueId } from "../helpers/docker.ts";
import { type GitServer, startGitServer } from "../helpers/git-server.ts";

const engine = await dockerAnswers();
const DROID = { name: "Droid", email: "droid[bot]@users.noreply.github.com" };
const REQUESTER = { name: "octocat", email: "583231+octocat@users.noreply.github.com" };

describe.skipIf(!engine)("workspace: clone, sandbox round trip, commit and push over smart HTTP", () => {
  const token = `ghs_${randomBytes(18).toString("hex")}`;
  const { logger, lines } = memoryLogger();
  let server: GitServer;
  let jobDir: string;
  let sandbox: Sandbox;
  let repo: Repository;

  beforeAll(async () => {
    server = await startGitServer(token);
    await server.createRepo("app", {
      "package.json": '{ "name": "app", "scripts": { "test": "node --test" } }\n',
      "src/index.js": "console.log('hello');\n",
      "run.sh": { content: "#!/bin/sh\nnode src/index.js\n", executable: true },
      "current": { symlink: "src/index.js" },
      "docs/old.md": "# old\n",
      ".gitignore": "node_modules/\n*.log\n",
    });
    jobDir = await mkdtemp(path.join(tmpdir(), "droid-job-"));
    repo = await Repository.open({
      cloneUrl: server.cloneUrl("app"),
      token,
      defaultBranch: "main",
      jobDir,
      checkout: { kind: "new-branch", name: "droid/7-fix-greeting" },
      logger,
    });
    sandbox = await createSandbox(docker, {
      owner: { jobId: uniqueId("workspace"), instance: "test-workspace" },
      image: SANDBOX_IMAGE,
      network: "none",
      limits: DEFAULT_LIMITS,
      secrets: [token],
      logger,
    });
    await copyTreeIntoSandbox(repo.tree, sandbox);
  });

  afterAll(async () => {
    await sandbox?.remove();
    await server?.close();
    if (jobDir) await rm(jobDir, { recursive: true, force: true });
  });

  it("keeps the git dir on the worker and copies only the work tree in, modes and links intact", async () => {
    expect(await readdir(repo.tree)).not.toContain(".git");
    const result = await sandbox.exec("ls -A; stat -c '%a %U' run.sh; readlink current; sh run.sh");
    expect(result.stdout).toBe(".gitignore\ncurrent\ndocs\npackage.json\nrun.sh\nsrc\n755 droid\nsrc/index.js\nhello\n");
  });

  it("brings back only changed, added and deleted files, respecting .gitignore", async () => {
    const edit = await sandbox.exec(
      [
        "echo \"console.log('hello, world');\" > src/index.js",
        "printf '#!/bin/sh\\necho new\\n' > src/new.sh && chmod +x src/new.sh",
        "ln -s src/new.sh latest",
        "rm docs/old.md",
        "mkdir -p node_modules/dep && echo ignored > node_modules/dep/index.js",
        "echo ignored > debug.log",
        "mkdir -p .git && echo '[core]' > .git/config",
      ].join(" && "),
    );
    expect(edit).toMatchObject({ kind: "completed", exitCode: 0 });
    const sync = await bringChangesBack(sandbox, repo.tree, () => repo.ignoreRules());
    expect(sync).toEqual({ changed: ["src/index.js"], added: ["latest", "src/new.sh"], deleted: ["docs/old.md"] });
    expect(await readFile(path.join(repo.tree, "src/index.js"), "utf8")).toBe("console.log('hello, world');\n");
  });

  it("commits as Droid with the requester as co-author and pushes the new branch", async () => {
    const oid = await repo.commit({ message: "Fix the greeting", author: DROID, coAuthors: [REQUESTER] });
    expect(oid).toMatch(/^[0-9a-f]{40}$/);
    await repo.push();
    const log = await server.git("app", "log", "-1", "--format=%an <%ae>%n%B", "droid/7-fix-greeting");
    expect(log).toBe(`Droid <${DROID.email}>\nFix the greeting\n\nCo-authored-by: octocat <${REQUESTER.email}>\n\n`);
    const tree = await server.git("app", "ls-tree", "-r", "--format=%(objectmode) %(path)", "droid/7-fix-greeting");
    expect(tree.trim().split("\n")).toEqual([
      "100644 .gitignore",
      "120000 current",
      "120000 latest",
      "100644 package.json",
      "100755 run.sh",
      "100644 src/index.js",
      "100755 src/new.sh",
    ]);
    expect(await server.git("app", "rev-list", "--count", "main")).toBe("1\n");
    expect(await repo.commit({ message: "nothing", author: DROID })).toBeNull();
  });

  it("never lets the token into the sandbox or the logs", async () => {
    await expect(sandbox.exec(`echo ${token}`)).rejects.toThrow(SecretInSandboxError);
    await expect(sandbox.exec("env", { env: { GITHUB_TOKEN: token } })).rejects.toThrow(SecretInSandboxError);
    await expect(sandbox.writeFile(".env", `TOKEN=${token}\n`)).rejects.toThrow(SecretInSandboxError);
    const processes = await sandbox.exec("cat /proc/[0-9]*/environ /proc/[0-9]*/cmdline 2>/dev/null | tr '\\0' '\\n'; env");
    expect(processes.stdout).toContain("HOME=/droid/home");
    expect(processes.stdout).not.toContain(token);
    for (const root of ["/workspace", "/droid"]) {
      const files = await readArchiveFiles(await sandbox.getArchive(root));
      expect(files.size).toBeGreaterThan(0);
      for (const [name, content] of files) expect(content.includes(token), `${root} ${name}`).toBe(false);
    }
    const inspected = JSON.stringify(await docker.getContainer(sandbox.id).inspect());
    expect(inspected).not.toContain(token);
    expect(await readFile(path.join(repo.gitdir, "config"), "utf8")).not.toContain(token);
    expect(lines.length).toBeGreaterThan(3);
    expect(lines.join("")).not.toContain(token);
  });

  it("picks a free branch name when its branch exists, and refuses unsafe pushes", async () => {
    const again = await Repository.open({
      cloneUrl: server.cloneUrl("app"),
      token,
      defaultBranch: "main",
      jobDir: path.join(jobDir, "again"),
      checkout: { kind: "new-branch", name: "droid/7-fix-greeting" },
      logger,
    });
    expect(again.branch).toBe("droid/7-fix-greeting-2");

    const existing = await Repository.open({
      cloneUrl: server.cloneUrl("app"),
      token,
      defaultBranch: "main",
      jobDir: path.join(jobDir, "existing"),
      checkout: { kind: "existing-branch", name: "droid/7-fix-greeting" },
      logger,
    });
    expect(await readFile(path.join(existing.tree, "src/new.sh"), "utf8")).toBe("#!/bin/sh\necho new\n");
    await expect(existing.push({ force: true })).rejects.toThrow(WorkspaceRefusal);
    await writeFile(path.join(existing.tree, "src/index.js"), "console.log('revised');\n");
    expect(await existing.commit({ message: "Address review", author: DROID })).toMatch(/^[0-9a-f]{40}$/);
    await existing.push();
    expect(await server.git("app", "log", "--format=%s", "droid/7-fix-greeting")).toBe("Address review\nFix the greeting\nInitial commit\n");
    await expect(
      Repository.open({
        cloneUrl: server.cloneUrl("app"),
        token,
        defaultBranch: "main",
        jobDir: path.join(jobDir, "main"),
        checkout: { kind: "existing-branch", name: "main" },
        logger,
      }),
    ).rejects.toThrow(/does not work on the default branch/);
  });

  it("refuses a link made in the sandbox that points outside the tree", async () => {
    await sandbox.exec("ln -s /etc/passwd leak && ln -s ../../../../etc/shadow src/leak2");
    await expect(bringChangesBack(sandbox, repo.tree, () => repo.ignoreRules())).rejects.toThrow(UnsafeArchiveError);
    await expect(lstat(path.join(repo.tree, "leak"))).rejects.toThrow(/ENOENT/);
    await expect(lstat(path.join(repo.tree, "src/leak2"))).rejects.toThrow(/ENOENT/);
  });

  it("fails to clone with a wrong token", async () => {
    await expect(
      Repository.open({
        cloneUrl: server.cloneUrl("app"),
        token: "wrong",
        defaultBranch: "main",
        jobDir: path.join(jobDir, "denied"),
        checkout: { kind: "new-branch", name: "droid/8-x" },
        logger,
      }),
    ).rejects.toThrow(/401|HTTP Error/);
    expect(server.requests.some((request) => request.status === 401)).toBe(true);
  });
});
