/**
 * The code a plan or an answer reads: a read-only shallow copy of the default branch on the
 * worker (in the job's folder, removed by `close()`), indexed incrementally from the last
 * commit indexed for the repository (`<dataDir>/index`). The objects come through the
 * repository's object mirror (`<dataDir>/mirrors`, shared with fixes: only what is new is
 * fetched) and the tree is checked out into the job's own folder. The token is used on the
 * host only; nothing is executed.
 *
 * The work tree is per job rather than one kept per repository and updated: no work tree
 * shared by concurrent jobs and nothing to repair after a crash — the job's folder is simply
 * removed. The mirror holds objects only, behind its own lock (workspace/mirror.ts).
 */
import { mkdir, rm, rmdir } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "pino";
import { repositoryCloneUrl, type GitHubHost } from "../config/github-host.ts";
import { latestSnapshotCommit, RepositoryIndex, type BuildStats } from "../context/index.ts";
import { planningSettings, type RepoConfig } from "../config/repo-config.ts";
import { codeBudgetOf, groundIn, type CodeContext } from "../planning/code-context.ts";
import type { Job } from "../jobs/types.ts";
import { Repository } from "../workspace/index.ts";
import { jobFolder, mirrorsFolder } from "../config/data-dir.ts";
import { removeLeftoverFolder } from "./job-folder.ts";

/** What a run needs to read a repository's code on the worker. */
export interface CodeReader {
  /** The host repositories are cloned from (GHE_HOST, else github.com): the token goes nowhere else. */
  githubHost: GitHubHost;
  /** The installation token, for git over HTTPS on the worker only. */
  token: () => Promise<string>;
  dataDir: string;
}

export interface CodebaseFigures {
  cloneMs: number;
  indexMs: number;
  /** The commit the index was updated from (null: built from scratch or loaded from the cache). */
  previousCommit: string | null;
  stats: BuildStats;
}

export interface Codebase {
  index: RepositoryIndex;
  branch: string;
  figures: CodebaseFigures;
  close(): Promise<void>;
}

/** The read-only clone's folder: inside the job's folder, apart from a workbench's `tree/` and `git/`. */
function codeDir(dataDir: string, job: Job): string {
  return jobFolder(dataDir, job.id, "code");
}

/** Clones `branch` of the job's repository, shallow and read-only, and indexes it. */
export async function openCodebase(reader: CodeReader, job: Job, branch: string, log: Logger): Promise<Codebase> {
  const dir = codeDir(reader.dataDir, job);
  const repository = `${job.repo.owner}/${job.repo.name}`;
  const close = async () => {
    await rm(dir, { recursive: true, force: true, maxRetries: 3 }).catch((error: unknown) => log.warn({ err: error, dir }, "could not remove the code folder"));
    // The job's folder too, unless a workbench of the same job is using it.
    await rmdir(path.dirname(dir)).catch(() => {});
  };
  try {
    // A clone an earlier attempt of the job left (its process was killed) is not reused.
    await removeLeftoverFolder(reader.dataDir, dir);
    await mkdir(dir, { recursive: true });
    const cloneStarted = performance.now();
    const repo = await Repository.open({
      cloneUrl: repositoryCloneUrl(reader.githubHost, repository),
      token: await reader.token(),
      defaultBranch: branch,
      jobDir: dir,
      checkout: { kind: "existing-branch", name: branch },
      readOnly: true,
      mirrorsDir: mirrorsFolder(reader.dataDir),
      logger: log,
    });
    // The work tree the index reads, checked out from the objects (counted as the clone).
    await repo.readingTree();
    const cloneMs = Math.round(performance.now() - cloneStarted);
    const { index, indexMs, previousCommit } = await indexClone(reader.dataDir, repository, repo, log);
    const figures: CodebaseFigures = { cloneMs, indexMs, previousCommit, stats: index.stats };
    log.info({ commit: index.commit, branch, cloneMs, indexMs, files: index.stats.files, parsedFiles: index.stats.parsedFiles, fromCache: index.stats.fromCache, previousCommit }, "code read");
    return { index, branch, figures, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * Indexes a fresh clone (its work tree as checked out, before anything changed it) under its
 * head commit, from the repository's last indexed commit; the cache is `<dataDir>/index`.
 */
export async function indexClone(dataDir: string, repository: string, repo: Repository, log: Logger): Promise<{ index: RepositoryIndex; indexMs: number; previousCommit: string | null }> {
  const started = performance.now();
  const commit = await repo.head();
  const isIgnored = await repo.ignoreRules();
  const cacheDir = path.join(dataDir, "index");
  const latest = await latestSnapshotCommit(cacheDir, repository);
  const previousCommit = latest !== null && latest !== commit ? latest : null;
  const index = await RepositoryIndex.build({
    root: await repo.readingTree(),
    repository,
    commit,
    cacheDir,
    ...(previousCommit ? { previous: { commit: previousCommit } } : {}),
    isIgnored,
    log: (message, details) => log.debug(details, message),
  });
  return { index, indexMs: Math.round(performance.now() - started), previousCommit };
}

/** Opens the codebase without throwing: the codebase, or why it could not be read (a plan then goes on without the code). */
export async function tryOpenCodebase(reader: CodeReader, job: Job, branch: string, log: Logger): Promise<{ codebase: Codebase } | { problem: string }> {
  try {
    return { codebase: await openCodebase(reader, job, branch, log) };
  } catch (error) {
    // The details (a URL, a git error) stay in the log; the comment says what failed and where to look.
    log.warn({ err: error, branch }, "the code could not be read");
    return { problem: `cloning or indexing \`${branch}\` failed (the worker's log has the details)` };
  }
}

/**
 * The code a fix or a revision starts with: the workbench's fresh clone indexed, `text` (the
 * issue and the plan) localized in it, the map and the relevant code within the repository's
 * code budget. Null when it cannot be read: the agent then starts without it (and has its tools).
 */
export async function groundWorkbench(input: { dataDir: string; repository: string; repo: Repository; text: string; config: RepoConfig; log: Logger }): Promise<CodeContext | null> {
  try {
    const { index, indexMs } = await indexClone(input.dataDir, input.repository, input.repo, input.log);
    const code = await groundIn(index, { text: input.text, branch: input.repo.branch }, codeBudgetOf(planningSettings(input.config)));
    input.log.info({ commit: index.commit, indexMs, files: index.stats.files, shown: code.shown.length }, "the agent starts with the relevant code");
    return code;
  } catch (error) {
    input.log.warn({ err: error }, "the work tree could not be indexed; the agent starts without the relevant code");
    return null;
  }
}
