import { rm } from "node:fs/promises";
import path from "node:path";
import { packDirectory } from "./archive-pack.ts";
import { extractArchive } from "./archive-unpack.ts";
import { SANDBOX_GID, SANDBOX_UID, WORKDIR } from "./container-spec.ts";
import { STATE_DIR } from "./exec.ts";
import { walkTree } from "./host-files.ts";
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

interface SandboxFile {
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
export async function bringChangesBack(sandbox: Sandbox, tree: string, loadIgnoreRules: () => Promise<IgnoreRules>): Promise<SyncResult> {
  const listed = await listSandboxFiles(sandbox);
  const local = await listLocalFiles(tree);
  const changed: string[] = [];
  const added: string[] = [];
  for (const [relative, remote] of listed) {
    const mine = local.get(relative);
    if (!mine) added.push(relative);
    else if (differs(mine, remote)) changed.push(relative);
  }
  const deleted = [...local.keys()].filter((relative) => !listed.has(relative));
  // Deletions first: a file that became a folder (or the reverse) must make way.
  for (const relative of deleted) await rm(path.join(tree, relative), { force: true });

  // New or changed .gitignore files decide what else is ignored: fetch them first.
  const ignoreFiles = [...changed, ...added].filter((relative) => path.posix.basename(relative) === ".gitignore");
  await fetchFiles(sandbox, tree, ignoreFiles);
  const isIgnored = await loadIgnoreRules();
  const keptAdded: string[] = [];
  for (const relative of added) {
    if (ignoreFiles.includes(relative) || !(await isIgnored(relative))) keptAdded.push(relative);
  }
  await fetchFiles(
    sandbox,
    tree,
    [...changed, ...keptAdded].filter((relative) => !ignoreFiles.includes(relative)),
  );
  return { changed: changed.sort(), added: keptAdded.sort(), deleted: deleted.sort() };
}

async function listSandboxFiles(sandbox: Sandbox): Promise<Map<string, SandboxFile>> {
  const listing = await sandbox.runSystemTool([
    SYSTEM_TOOLS.find, ".", "-name", ".git", "-prune", "-o", "(", "-type", "f", "-o", "-type", "l", ")", "-printf", "%y\\0%m\\0%s\\0%T@\\0%P\\0%l\\0",
  ]);
  const fields = (await systemToolOutput(listing, MAX_LISTING_BYTES).catch((error: unknown) => {
    throw new Error(`Listing the sandbox's work tree failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  })).toString("utf8").split("\0");
  const files = new Map<string, SandboxFile>();
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

async function listLocalFiles(tree: string): Promise<Map<string, SandboxFile>> {
  const files = new Map<string, SandboxFile>();
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

function differs(local: SandboxFile, remote: SandboxFile): boolean {
  if (local.type !== remote.type) return true;
  if (local.type === "symlink") return local.target !== remote.target;
  return local.size !== remote.size || local.mtimeSeconds !== remote.mtimeSeconds || local.executable !== remote.executable;
}

/**
 * Has the sandbox's tar stream exactly these paths (no file in between that the sandbox could
 * swap), and unpacks only those safely into the tree: a request file altered in the sandbox
 * adds nothing.
 */
async function fetchFiles(sandbox: Sandbox, tree: string, paths: string[]): Promise<void> {
  if (paths.length === 0) return;
  await sandbox.writeFile(REQUEST, `${paths.join("\0")}\0`);
  const requested = new Set(paths);
  const packing = await sandbox.runSystemTool([SYSTEM_TOOLS.tar, "--null", "--verbatim-files-from", "--no-recursion", "-T", REQUEST, "-cf", "-"]);
  await Promise.all([
    extractArchive(packing.stdout, tree, { include: (relative) => requested.has(relative) }),
    packing.done.catch((error: unknown) => {
      throw new Error(`Packing the sandbox's changes failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }),
  ]);
}

/** Any `.git` path segment: a git dir made inside the sandbox never travels. */
function isGitPath(relative: string): boolean {
  return relative.split("/").includes(".git");
}
