import fs from "node:fs";
import { lstat, mkdir } from "node:fs/promises";
import path from "node:path";
import { type AuthCallback, Errors, type HttpClient, add, branch as createBranch, checkout, clone, commit, fetch, hashBlob, init, listServerRefs, merge, push, readBlob, readCommit, remove, resolveRef, setConfig, statusMatrix, writeRef } from "isomorphic-git";
import http, { request as gitRequest } from "isomorphic-git/http/node";
import type { Logger } from "pino";
import { type CommittedEntry, type CommittedFile, LINK_MODE, type TreeChange, committedFiles, flattenTree, writeChangedTree } from "./committed-tree.ts";
import { GitignoreMatcher } from "./gitignore.ts";
import { fetchThroughMirror, mirrorFolder, pruneMirrors } from "./mirror.ts";
import { writeCommittedFiles } from "./read-tree.ts";
import { PackedObjects } from "./pack-objects.ts";
import { readTreeFile, walkFiles } from "./tree-files.ts";

/** How the job's work tree starts. */
export type Checkout =
  /** A new branch from the default branch (a free name is picked if this one exists on the remote). */
  | { kind: "new-branch"; name: string }
  /** An existing branch, e.g. a PR's head branch. Droid did not create it: it is never force-pushed. */
  | { kind: "existing-branch"; name: string };

export interface OpenRepositoryOptions {
  /**
   * Built by the caller from the configured GitHub host and owner/name, never taken from a
   * payload (https, or http for test servers); must not carry credentials.
   */
  cloneUrl: string;
  /** The installation token: used for HTTP auth only, never written to disk, a URL or a log line. */
  token: string;
  defaultBranch: string;
  /** The job's folder on the worker: `tree/` (work tree) and `git/` (git dir) are created in it. */
  jobDir: string;
  checkout: Checkout;
  /** History depth to fetch (default 1: shallow). */
  depth?: number;
  /**
   * A clone that is never pushed (a fork's branch, which Droid cannot push to): any
   * branch may be checked out, and `push` refuses.
   */
  readOnly?: boolean;
  /**
   * The folder of per-repository object mirrors (`<dataDir>/mirrors`): when set, the objects are
   * fetched through the repository's mirror (only what it lacks) and the work tree is **not**
   * checked out on the worker — it lives in the sandbox, streamed in from the objects
   * (`files()`); `tree` then holds only what came back from the sandbox (`markDeleted` records
   * what was removed there), and commits are built from those changes.
   */
  mirrorsDir?: string;
  /** The mirrors' bound in MiB (`DROID_MIRRORS_MB`): after the fetch the least recently used beyond it are removed. 0 or absent: none. */
  mirrorsMb?: number;
  /** Aborts the clone (and the branch listing) at once, e.g. on `/droid stop`; pushes are never cut halfway. */
  signal?: AbortSignal;
  logger: Logger;
}

export interface Person {
  name: string;
  email: string;
}

/**
 * Someone else pushed to the branch while the job ran and their changes overlap with the
 * job's: nothing was pushed, nothing of theirs was touched.
 */
export class BranchConflict extends Error {
  readonly files: string[];
  constructor(branch: string, files: string[]) {
    super(`${branch} changed on the remote while Droid worked, and the changes overlap${files.length > 0 ? ` in ${files.join(", ")}` : ""}`);
    this.name = "BranchConflict";
    this.files = files;
  }
}

/** How the job's commit reached the remote. */
export type PushResult =
  /** The remote branch had not moved: the commit went on top as it was. */
  | { kind: "pushed"; commit: string }
  /** Others pushed meanwhile: the job's change was replayed on top of their commits (kept as they are). */
  | { kind: "replayed"; commit: string; onto: string };

export class WorkspaceRefusal extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WorkspaceRefusal";
  }
}

/** A clone on the worker: the git dir stays here; only `tree` is ever copied into a sandbox. */
export class Repository {
  readonly tree: string;
  readonly gitdir: string;
  readonly branch: string;
  /** True when this job created the branch (then, and only then, it may be force-pushed). */
  readonly createdBranch: boolean;
  readonly defaultBranch: string;
  readonly #onAuth: AuthCallback;
  readonly #logger: Logger;

  /** True for a clone that is never pushed (see `OpenRepositoryOptions.readOnly`). */
  readonly readOnly: boolean;
  /** True when the work tree was not checked out (`OpenRepositoryOptions.mirrorsDir`): `tree` holds only what came back. */
  readonly sparse: boolean;
  /** Paths removed in the sandbox since the last commit (sparse work trees only). */
  readonly #deleted = new Set<string>();
  readonly #cache = {};
  /** The git dir's pack files, read once for the job (objects written later, loose or in a new pack, are read through isomorphic-git). */
  #packs: Promise<PackedObjects> | null = null;
  #head: { oid: string; entries: Promise<Map<string, CommittedEntry>> } | null = null;
  #readingTree: Promise<string> | null = null;

  private constructor(fields: { tree: string; gitdir: string; branch: string; createdBranch: boolean; defaultBranch: string; readOnly: boolean; sparse: boolean; onAuth: AuthCallback; logger: Logger }) {
    this.readOnly = fields.readOnly;
    this.sparse = fields.sparse;
    this.tree = fields.tree;
    this.gitdir = fields.gitdir;
    this.branch = fields.branch;
    this.createdBranch = fields.createdBranch;
    this.defaultBranch = fields.defaultBranch;
    this.#onAuth = fields.onAuth;
    this.#logger = fields.logger;
  }

  /** Git's ignore rules for the work tree as they are now (`.gitignore` files and `info/exclude`). */
  async ignoreRules(): Promise<(relative: string, isDirectory?: boolean) => Promise<boolean>> {
    // A sparse tree's unchanged .gitignore files are read from the commit.
    const matcher = await GitignoreMatcher.load(this.tree, this.gitdir, this.sparse ? (relative) => this.#committedText(relative) : undefined);
    return (relative, isDirectory = false) => matcher.isIgnored(relative, isDirectory);
  }

  /** Clones shallow and single-branch, then creates or checks out the job's branch. */
  static async open(options: OpenRepositoryOptions): Promise<Repository> {
    assertNoCredentialsInUrl(options.cloneUrl);
    if (!options.readOnly && options.checkout.name === options.defaultBranch) {
      throw new WorkspaceRefusal(`Droid does not work on the default branch (${options.defaultBranch}); it uses its own branch.`);
    }
    const tree = path.join(options.jobDir, "tree");
    const gitdir = path.join(options.jobDir, "git");
    await mkdir(tree, { recursive: true });
    await mkdir(gitdir, { recursive: true });
    const onAuth: AuthCallback = () => ({ username: "x-access-token", password: options.token });
    const base = options.checkout.kind === "new-branch" ? options.defaultBranch : options.checkout.name;
    const gitHttp = abortableHttp(options.signal);
    const taken = async () => {
      const refs = await listServerRefs({ http: gitHttp, url: options.cloneUrl, prefix: "refs/heads/", onAuth });
      return new Set(refs.map((ref) => ref.ref.slice("refs/heads/".length)));
    };
    let branch = options.checkout.name;
    if (options.mirrorsDir) {
      await init({ fs, dir: tree, gitdir });
      await setConfig({ fs, gitdir, path: "remote.origin.url", value: options.cloneUrl });
      await setConfig({ fs, gitdir, path: "remote.origin.fetch", value: "+refs/heads/*:refs/remotes/origin/*" });
      const [{ oid, grew }, names] = await Promise.all([
        fetchThroughMirror({ mirror: mirrorFolder(options.mirrorsDir, options.cloneUrl), url: options.cloneUrl, ref: base, depth: options.depth ?? 1, http: gitHttp, onAuth, ...(options.signal ? { signal: options.signal } : {}) }, gitdir),
        options.checkout.kind === "new-branch" ? taken() : Promise.resolve(new Set<string>()),
      ]);
      if (options.checkout.kind === "new-branch") branch = freeBranchName(options.checkout.name, names);
      // Only after a fetch that stored something (or once per process: the bound may have been lowered).
      if (options.mirrorsMb && (grew || !prunedOnce)) {
        prunedOnce = true;
        const removed = await pruneMirrors(options.mirrorsDir, options.mirrorsMb * 1024 * 1024);
        if (removed.length > 0) options.logger.info({ removed: removed.length, maxMb: options.mirrorsMb }, "least recently used object mirrors removed");
      }
      await writeRef({ fs, gitdir, ref: `refs/heads/${branch}`, value: oid, force: true });
      await writeRef({ fs, gitdir, ref: "HEAD", value: `refs/heads/${branch}`, symbolic: true, force: true });
    } else {
      await clone({
        fs,
        http: gitHttp,
        dir: tree,
        gitdir,
        url: options.cloneUrl,
        ref: base,
        singleBranch: true,
        depth: options.depth ?? 1,
        onAuth,
        cache: {},
      });
      if (options.checkout.kind === "new-branch") {
        branch = freeBranchName(options.checkout.name, await taken());
        await createBranch({ fs, dir: tree, gitdir, ref: branch, checkout: true });
      }
    }
    options.logger.info({ branch, base, createdBranch: options.checkout.kind === "new-branch" }, "repository cloned");
    return new Repository({
      tree,
      gitdir,
      branch,
      createdBranch: options.checkout.kind === "new-branch",
      readOnly: options.readOnly ?? false,
      sparse: options.mirrorsDir !== undefined,
      defaultBranch: options.defaultBranch,
      onAuth,
      logger: options.logger,
    });
  }

  /**
   * Stages every change in the work tree (additions, modifications, deletions; ignored files
   * stay out) and commits it. Returns the commit id, or null when there was nothing to commit.
   */
  async commit(options: { message: string; author: Person; coAuthors?: Person[] }): Promise<string | null> {
    const repo = { fs, dir: this.tree, gitdir: this.gitdir };
    const trailers = (options.coAuthors ?? []).map((person) => `Co-authored-by: ${person.name} <${person.email}>`);
    const message = trailers.length > 0 ? `${options.message.trimEnd()}\n\n${trailers.join("\n")}\n` : options.message;
    let staged = 0;
    let tree: string | undefined;
    if (this.sparse) {
      const changes = await this.#sparseChanges();
      staged = changes.length;
      if (staged === 0) return null;
      tree = await writeChangedTree(this.gitdir, await this.#headEntries(), await Promise.all(changes.map((change) => this.#treeChange(change))));
    } else {
      for (const [filepath, head, workdir, stage] of await statusMatrix(repo)) {
        if (head === workdir && workdir === stage) continue;
        if (workdir === 0) await remove({ ...repo, filepath });
        else await add({ ...repo, filepath });
        staged++;
      }
      if (staged === 0) return null;
    }
    const oid = await commit({ ...repo, message, author: options.author, committer: options.author, ...(tree ? { tree, parent: [await this.head()] } : {}) });
    this.#deleted.clear();
    this.#logger.info({ branch: this.branch, commit: oid, files: staged }, "changes committed");
    return oid;
  }

  /**
   * Pushes the job's branch. Refuses the default branch, and refuses `force` unless this job
   * created the branch.
   */
  async push(options: { force?: boolean } = {}): Promise<void> {
    if (this.readOnly) throw new WorkspaceRefusal(`This clone of ${this.branch} is read only: Droid does not push it.`);
    if (this.branch === this.defaultBranch) {
      throw new WorkspaceRefusal(`Droid never pushes to the default branch (${this.defaultBranch}).`);
    }
    if (options.force && !this.createdBranch) {
      throw new WorkspaceRefusal(`Droid did not create ${this.branch}, so it will not force-push it.`);
    }
    const result = await push({
      fs,
      http,
      dir: this.tree,
      gitdir: this.gitdir,
      remote: "origin",
      ref: this.branch,
      remoteRef: this.branch,
      force: options.force ?? false,
      onAuth: this.#onAuth,
    });
    const refResult = result.refs[`refs/heads/${this.branch}`];
    if (!result.ok || (refResult && !refResult.ok)) {
      throw new Error(`Pushing ${this.branch} was rejected: ${refResult?.error ?? result.error ?? "unknown reason"}`);
    }
    this.#logger.info({ branch: this.branch, force: options.force ?? false }, "branch pushed");
  }

  /**
   * Pushes the job's commits without ever rewriting anyone's: fetches the remote branch
   * first and, when others pushed meanwhile, replays the job's change on top of their
   * commits (a three-way merge of the trees, kept linear: one commit whose parent is
   * their head). A push rejected because the branch moved again is retried once.
   * Throws `BranchConflict` when the changes overlap (nothing is pushed then).
   * `beforePush` learns the commit about to be pushed, before each push.
   */
  async pushKeepingOthers(beforePush: (result: PushResult) => Promise<void> = async () => {}): Promise<PushResult> {
    let result = await this.#replayOntoRemote();
    try {
      await beforePush(result);
      await this.push();
    } catch (error) {
      if (error instanceof WorkspaceRefusal) throw error;
      this.#logger.warn({ branch: this.branch, err: error }, "push rejected; fetching the branch again and retrying once");
      result = await this.#replayOntoRemote();
      await beforePush(result);
      await this.push();
    }
    return result;
  }

  async #replayOntoRemote(): Promise<PushResult> {
    const repo = { fs, dir: this.tree, gitdir: this.gitdir, cache: {} };
    const ours = await resolveRef({ ...repo, ref: this.branch });
    const fetched = await fetch({ ...repo, http, ref: this.branch, remoteRef: this.branch, singleBranch: true, tags: false, onAuth: this.#onAuth });
    const theirs = fetched.fetchHead;
    if (!theirs || theirs === ours) return { kind: "pushed", commit: ours };
    let tree: string;
    try {
      const merged = await merge({ ...repo, ours: this.branch, theirs, fastForward: true, noUpdateBranch: true, abortOnConflict: true, author: OURS_AUTHOR });
      if (merged.alreadyMerged) return { kind: "pushed", commit: ours };
      if (merged.fastForward) {
        if (!this.sparse) await checkout({ ...repo, ref: this.branch, force: true });
        return { kind: "pushed", commit: ours };
      }
      if (!merged.tree) throw new BranchConflict(this.branch, []);
      tree = merged.tree;
    } catch (error) {
      if (error instanceof Errors.MergeConflictError) throw new BranchConflict(this.branch, error.data.filepaths);
      if (error instanceof Errors.MergeNotSupportedError) throw new BranchConflict(this.branch, []);
      throw error;
    }
    const { commit: mine } = await readCommit({ ...repo, oid: ours });
    const replayed = await commit({ ...repo, ref: this.branch, tree, parent: [theirs], message: mine.message, author: mine.author, committer: mine.committer });
    // A sparse tree holds only the job's own changes, which the replayed commit keeps as they are.
    if (!this.sparse) await checkout({ ...repo, ref: this.branch, force: true });
    this.#logger.info({ branch: this.branch, onto: theirs, commit: replayed }, "replayed the job's change on top of the remote branch");
    return { kind: "replayed", commit: replayed, onto: theirs };
  }

  /** The commit the branch points to. */
  async head(): Promise<string> {
    return resolveRef({ fs, dir: this.tree, gitdir: this.gitdir, ref: "HEAD" });
  }

  /** The files and links of the branch's last commit, read from the object store (what a sandbox is given). */
  async *files(): AsyncGenerator<CommittedFile> {
    yield* committedFiles(this.gitdir, await this.#headEntries(), await this.#packed(), this.#cache);
  }

  /** A regular file of the work tree as text (a sparse tree's unchanged files from the commit); null for a link, a folder or nothing. */
  async regularFileText(relative: string): Promise<string | null> {
    const entry = await readTreeFile(this.tree, relative);
    if (entry !== null || !this.sparse) return entry?.kind === "file" ? entry.content.toString("utf8") : null;
    return this.#committedText(relative);
  }

  /** Whether the work tree has this path (a file, a link or a folder). */
  async exists(relative: string): Promise<boolean> {
    if (await lstat(path.join(this.tree, relative)).then(() => true, () => false)) return true;
    if (!this.sparse || this.#deleted.has(relative)) return false;
    const entries = await this.#headEntries();
    return entries.has(relative) || [...entries.keys()].some((name) => name.startsWith(`${relative}/`));
  }

  /** Every path of the branch's last commit (files, links, submodules). */
  async committedPaths(): Promise<string[]> {
    return [...(await this.#headEntries()).keys()];
  }

  /** Records paths removed in the sandbox (a sparse work tree cannot show their absence). */
  markDeleted(paths: readonly string[]): void {
    for (const relative of paths) this.#deleted.add(relative);
  }

  /** The work tree's changes against the branch's last commit, ignored files left out. */
  async changedFiles(): Promise<{ path: string; status: "added" | "modified" | "deleted" }[]> {
    if (this.sparse) return this.#sparseChanges();
    const matrix = await statusMatrix({ fs, dir: this.tree, gitdir: this.gitdir });
    return matrix
      .filter(([, inHead, inTree]) => inTree === 2 || (inHead === 1 && inTree === 0))
      .map(([filepath, inHead, inTree]) => ({ path: filepath, status: inHead === 0 ? ("added" as const) : inTree === 0 ? ("deleted" as const) : ("modified" as const) }));
  }

  /**
   * A folder holding the whole work tree as committed, for readers that need files on disk (the
   * code index): `tree` itself, or for a sparse work tree a checkout made once beside it.
   */
  readingTree(): Promise<string> {
    if (!this.sparse) return Promise.resolve(this.tree);
    this.#readingTree ??= (async () => {
      const dir = path.join(path.dirname(this.tree), "read");
      await mkdir(dir, { recursive: true });
      await writeCommittedFiles(dir, this.files());
      return dir;
    })();
    return this.#readingTree;
  }

  async #headEntries(): Promise<Map<string, CommittedEntry>> {
    const oid = await this.head();
    if (this.#head?.oid !== oid) {
      const { commit: parsed } = await readCommit({ fs, gitdir: this.gitdir, oid, cache: this.#cache });
      this.#head = { oid, entries: this.#packed().then((packs) => flattenTree(this.gitdir, parsed.tree, packs, this.#cache)) };
    }
    return this.#head.entries;
  }

  #packed(): Promise<PackedObjects> {
    this.#packs ??= (async () => {
      const packs = await PackedObjects.open(this.gitdir);
      await packs.load();
      return packs;
    })().catch((error: unknown) => {
      // Not kept: the next call reads the packs again.
      this.#packs = null;
      throw error;
    });
    return this.#packs;
  }

  async #committedText(relative: string): Promise<string | null> {
    if (this.#deleted.has(relative)) return null;
    const entry = (await this.#headEntries()).get(relative);
    if (entry?.type !== "blob" || entry.mode === LINK_MODE) return null;
    const { blob } = await readBlob({ fs, gitdir: this.gitdir, oid: entry.oid, cache: this.#cache });
    return Buffer.from(blob).toString("utf8");
  }

  /** What the sparse tree changed: each file that came back against the commit, and the deletions. */
  async #sparseChanges(): Promise<{ path: string; status: "added" | "modified" | "deleted" }[]> {
    const entries = await this.#headEntries();
    const isIgnored = await this.ignoreRules();
    const changes: { path: string; status: "added" | "modified" | "deleted" }[] = [];
    for (const [relative, entry] of await walkFiles(this.tree)) {
      const committed = entries.get(relative);
      if (committed === undefined) {
        if (!(await isIgnored(relative))) changes.push({ path: relative, status: "added" });
        continue;
      }
      const mode = entry.kind === "symlink" ? LINK_MODE : entry.executable ? "100755" : "100644";
      const oid = (await hashBlob({ object: entry.kind === "symlink" ? Buffer.from(entry.target) : entry.content })).oid;
      if (oid !== committed.oid || mode !== committed.mode) changes.push({ path: relative, status: "modified" });
    }
    for (const relative of this.#deleted) {
      if (entries.has(relative) && !(await readTreeFile(this.tree, relative))) changes.push({ path: relative, status: "deleted" });
    }
    return changes.sort((a, b) => a.path.localeCompare(b.path));
  }

  async #treeChange(change: { path: string; status: "added" | "modified" | "deleted" }): Promise<TreeChange> {
    const entry = change.status === "deleted" ? null : await readTreeFile(this.tree, change.path);
    if (entry === null) return { path: change.path, kind: "removed" };
    if (entry.kind === "symlink") return { path: change.path, kind: "symlink", target: entry.target.toString("utf8") };
    return { path: change.path, kind: "file", executable: entry.executable, content: entry.content };
  }
}

/** Whether this process has kept the mirrors within their bound once (then only after a fetch stored a pack). */
let prunedOnce = false;

/** Git over HTTP whose requests end when `signal` aborts. */
function abortableHttp(signal: AbortSignal | undefined): HttpClient {
  return signal ? { request: (request) => gitRequest({ ...request, signal }) } : http;
}

/** Only names the throwaway merge commit, which is never written to a branch. */
const OURS_AUTHOR = { name: "Droid", email: "droid@localhost" };

/** `name`, or `name-2`, `name-3`… when the remote already has a branch by that name. */
export function freeBranchName(name: string, taken: ReadonlySet<string>): string {
  if (!taken.has(name)) return name;
  for (let suffix = 2; ; suffix++) {
    if (!taken.has(`${name}-${suffix}`)) return `${name}-${suffix}`;
  }
}

function assertNoCredentialsInUrl(url: string): void {
  const parsed = new URL(url);
  if (parsed.username || parsed.password) {
    throw new WorkspaceRefusal("The clone URL must not carry credentials; the token is passed separately.");
  }
}

/** The commit `branch` points to on the remote, or null when the remote has no such branch. */
export async function remoteBranchHead(options: { cloneUrl: string; token: string; branch: string }): Promise<string | null> {
  assertNoCredentialsInUrl(options.cloneUrl);
  const refs = await listServerRefs({
    http,
    url: options.cloneUrl,
    prefix: `refs/heads/${options.branch}`,
    onAuth: () => ({ username: "x-access-token", password: options.token }),
  });
  return refs.find((r) => r.ref === `refs/heads/${options.branch}`)?.oid ?? null;
}
