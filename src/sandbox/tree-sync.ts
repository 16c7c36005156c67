import { lstat, rm } from "node:fs/promises";
import path from "node:path";
import { type TreeFile, packDirectory, packTreeFiles } from "./archive-pack.ts";
import { extractArchive } from "./archive-unpack.ts";
import { SANDBOX_GID, SANDBOX_UID, WORKDIR } from "./container-spec.ts";
import { STATE_DIR } from "./exec.ts";
import { walkTree } from "./host-files.ts";
import type { TreeNode, TreeView } from "./tree-links.ts";
import type { Sandbox } from "./sandbox.ts";
import { SYSTEM_TOOLS, systemToolOutput } from "./system-tool.ts";

/** Whether a new file is ignored by the tree's `.gitignore` files (loaded after they came back). */
export type IgnoreRules = (relative: string) => Promise<boolean>;

/** What came back from the sandbox into the work tree on the worker. */
export interface SyncResult {
  changed: string[];
  added: string[];
  deleted: string[];
}

/** Copies the work tree (never the git dir, which lives elsewhere) into the sandbox's `/workspace`. */
export async function copyTreeIntoSandbox(tree: string, sandbox: Sandbox): Promise<void> {
  await sandbox.unpackArchive(packDirectory(tree, { uid: SANDBOX_UID, gid: SANDBOX_GID }, (relative) => !isGitPath(relative)), WORKDIR);
}

/**
 * What the sandbox's work tree held when it was last in step with the worker, by relative path:
 * its listing is compared with this to find what changed, so the worker needs no copy of the
 * unchanged files. `bringChangesBack` keeps it up to date.
 */
export type TreeBaseline = Map<string, SyncedFile>;

/**
 * Streams a work tree into the sandbox's `/workspace` as it is produced (e.g. read from git's
 * object store): one tar stream into `tar -x`, no file on the worker. Returns the baseline that
 * later syncs compare the sandbox's listing with.
 */
export async function copyFilesIntoSandbox(files: AsyncIterable<TreeFile>, sandbox: Sandbox): Promise<TreeBaseline> {
  // Whole seconds: what `find -printf %T@` gives back once tar has set them.
  const mtime = new Date(Math.floor(Date.now() / 1000) * 1000);
  const baseline: TreeBaseline = new Map();
  async function* recorded(): AsyncGenerator<TreeFile> {
    for await (const file of files) {
      if (isGitPath(file.path)) continue;
      baseline.set(file.path, {
        type: file.kind,
        executable: file.kind === "file" && file.executable,
        size: file.kind === "file" ? file.content.byteLength : Buffer.byteLength(file.target),
        mtimeSeconds: mtime.getTime() / 1000,
        target: file.kind === "symlink" ? file.target : "",
      });
      yield file;
    }
  }
  await sandbox.unpackArchive(packTreeFiles(recorded(), { uid: SANDBOX_UID, gid: SANDBOX_GID }, mtime), WORKDIR);
  return baseline;
}

/** A file or link of the work tree as a listing describes it. */
export interface SyncedFile {
  type: "file" | "symlink";
  executable: boolean;
  size: number;
  mtimeSeconds: number;
  target: string;
}

const REQUEST = `${STATE_DIR}/run/sync-request`;
/** A listing larger than this is refused (about a million files). */
const MAX_LISTING_BYTES = 256 * 1024 * 1024;

/**
 * Brings the sandbox's changes back into `tree`: only files that differ (content size, mtime,
 * exec bit, symlink target), new files that `.gitignore` does not exclude, and deletions.
 * The listing and the archive are made by the image's own find and tar (system-tool.ts), but
 * what they produce is still the sandbox's word: only the paths asked for are taken, and all
 * of it passes the safe unpacker (no absolute paths, `..`, hard links to links, links that
 * leave the tree once resolved against it — `UnsafeArchiveError`).
 */
export async function bringChangesBack(sandbox: Sandbox, tree: string, loadIgnoreRules: () => Promise<IgnoreRules>, baseline?: TreeBaseline): Promise<SyncResult> {
  const listed = await listSyncedFiles(sandbox);
  // With a baseline (the tree was streamed in from git's objects), `tree` holds only what came back.
  const local = baseline ?? (await listLocalFiles(tree));
  const changed: string[] = [];
  const added: string[] = [];
  for (const [relative, remote] of listed) {
    const mine = local.get(relative);
    if (!mine) added.push(relative);
    else if (differs(mine, remote)) changed.push(relative);
  }
  const deleted = [...local.keys()].filter((relative) => !listed.has(relative));
  // Deletions first: a file that became a folder (or the reverse) must make way.
  for (const relative of deleted) await removeInTree(tree, relative);
  for (const relative of deleted) baseline?.delete(relative);
  const base = baseline ? baselineView(baseline) : undefined;

  // New or changed .gitignore files decide what else is ignored: fetch them first.
  const ignoreFiles = [...changed, ...added].filter((relative) => path.posix.basename(relative) === ".gitignore");
  await fetchFiles(sandbox, tree, ignoreFiles, base);
  const isIgnored = await loadIgnoreRules();
  const keptAdded: string[] = [];
  for (const relative of added) {
    if (ignoreFiles.includes(relative) || !(await isIgnored(relative))) keptAdded.push(relative);
  }
  await fetchFiles(
    sandbox,
    tree,
    [...changed, ...keptAdded].filter((relative) => !ignoreFiles.includes(relative)),
    base,
  );
  for (const relative of [...changed, ...keptAdded]) {
    const file = listed.get(relative);
    if (baseline && file) baseline.set(relative, file);
  }
  return { changed: changed.sort(), added: keptAdded.sort(), deleted: deleted.sort() };
}

async function listSyncedFiles(sandbox: Sandbox): Promise<Map<string, SyncedFile>> {
  const listing = await sandbox.runSystemTool([
    SYSTEM_TOOLS.find, ".", "-name", ".git", "-prune", "-o", "(", "-type", "f", "-o", "-type", "l", ")", "-printf", "%y\\0%m\\0%s\\0%T@\\0%P\\0%l\\0",
  ]);
  const fields = (await systemToolOutput(listing, MAX_LISTING_BYTES).catch((error: unknown) => {
    throw new Error(`Listing the sandbox's work tree failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  })).toString("utf8").split("\0");
  const files = new Map<string, SyncedFile>();
  for (let index = 0; index + 5 < fields.length; index += 6) {
    const [kind, mode, size, mtime, relative, target] = fields.slice(index, index + 6);
    if (!relative || isGitPath(relative)) continue;
    files.set(relative, {
      type: kind === "l" ? "symlink" : "file",
      executable: (Number.parseInt(mode ?? "0", 8) & 0o111) !== 0,
      size: Number(size),
      mtimeSeconds: Math.floor(Number(mtime)),
      target: target ?? "",
    });
  }
  return files;
}

async function listLocalFiles(tree: string): Promise<Map<string, SyncedFile>> {
  const files = new Map<string, SyncedFile>();
  for (const [relative, entry] of await walkTree(tree, isGitPath)) {
    if (entry.node.kind !== "file" && entry.node.kind !== "symlink") continue;
    files.set(relative, {
      type: entry.node.kind,
      executable: (entry.mode & 0o111) !== 0,
      size: entry.size,
      mtimeSeconds: Math.floor(entry.mtimeMs / 1000),
      target: entry.node.kind === "symlink" ? entry.node.target : "",
    });
  }
  return files;
}

function differs(local: SyncedFile, remote: SyncedFile): boolean {
  if (local.type !== remote.type) return true;
  if (local.type === "symlink") return local.target !== remote.target;
  return local.size !== remote.size || local.mtimeSeconds !== remote.mtimeSeconds || local.executable !== remote.executable;
}

/**
 * Has the sandbox's tar stream exactly these paths (no file in between that the sandbox could
 * swap), and unpacks only those safely into the tree: a request file altered in the sandbox
 * adds nothing.
 */
async function fetchFiles(sandbox: Sandbox, tree: string, paths: string[], base: TreeView | undefined): Promise<void> {
  if (paths.length === 0) return;
  await sandbox.writeFile(REQUEST, `${paths.join("\0")}\0`);
  const requested = new Set(paths);
  const packing = await sandbox.runSystemTool([SYSTEM_TOOLS.tar, "--null", "--verbatim-files-from", "--no-recursion", "-T", REQUEST, "-cf", "-"]);
  await Promise.all([
    extractArchive(packing.stdout, tree, { include: (relative) => requested.has(relative), ...(base ? { base } : {}) }),
    packing.done.catch((error: unknown) => {
      throw new Error(`Packing the sandbox's changes failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }),
  ]);
}

/** The tree a baseline describes (its files and links, and the folders they imply), for the unpacker's link checks. */
function baselineView(baseline: TreeBaseline): TreeView {
  const view = new Map<string, TreeNode>();
  for (const [relative, file] of baseline) {
    const segments = relative.split("/");
    for (let depth = 1; depth < segments.length; depth++) view.set(segments.slice(0, depth).join("/"), { kind: "directory" });
    view.set(relative, file.type === "symlink" ? { kind: "symlink", target: file.target } : { kind: "file" });
  }
  return view;
}

/** Removes a path of the worker's copy unless a folder on the way is a link (or missing): nothing outside is touched. */
async function removeInTree(tree: string, relative: string): Promise<void> {
  const segments = relative.split("/");
  for (let depth = 1; depth < segments.length; depth++) {
    const stats = await lstat(path.join(tree, ...segments.slice(0, depth))).catch(() => null);
    if (!stats?.isDirectory()) return;
  }
  await rm(path.join(tree, relative), { force: true });
}

/** Any `.git` path segment: a git dir made inside the sandbox never travels. */
function isGitPath(relative: string): boolean {
  return relative.split("/").includes(".git");
}
