/**
 * The code a plan or an answer reads: a read-only shallow clone of the default branch on the
 * worker (in the job's folder, removed by `close()`), indexed incrementally from the last
 * commit indexed for the repository (`<dataDir>/index`). The token is used by isomorphic-git
 * on the host only; nothing is executed.
 *
 * A fresh clone per job rather than one kept per repository and fetched: a few seconds more
 * on large repositories (docs/context.md, "Figures"), but no work tree shared by concurrent
 * jobs, no lock, and nothing to repair after a crash — the job's folder is simply removed.
 */
import { mkdir, rm, rmdir } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "pino";
import { repositoryCloneUrl, type GitHubHost } from "../config/github-host.ts";
import { latestSnapshotCommit, RepositoryIndex, type BuildStats } from "../context/index.ts";
import type { Job } from "../jobs/types.ts";
import { GitignoreMatcher, Repository } from "../workspace/index.ts";

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
  return path.join(dataDir, "jobs", job.id, "code");
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
    await mkdir(dir, { recursive: true });
    const cloneStarted = performance.now();
    const repo = await Repository.open({
      cloneUrl: repositoryCloneUrl(reader.githubHost, repository),
      token: await reader.token(),
      defaultBranch: branch,
      jobDir: dir,
      checkout: { kind: "existing-branch", name: branch },
      readOnly: true,
      logger: log,
    });
    const commit = await repo.head();
    const cloneMs = Math.round(performance.now() - cloneStarted);
    const ignore = await GitignoreMatcher.load(repo.tree, repo.gitdir);
    const cacheDir = path.join(reader.dataDir, "index");
    const latest = await latestSnapshotCommit(cacheDir, repository);
    const previousCommit = latest !== null && latest !== commit ? latest : null;
    const indexStarted = performance.now();
    const index = await RepositoryIndex.build({
      root: repo.tree,
      repository,
      commit,
      cacheDir,
      ...(previousCommit ? { previous: { commit: previousCommit } } : {}),
      isIgnored: (relative, isDirectory) => ignore.isIgnored(relative, isDirectory),
      log: (message, details) => log.debug(details, message),
    });
    const figures: CodebaseFigures = { cloneMs, indexMs: Math.round(performance.now() - indexStarted), previousCommit, stats: index.stats };
    log.info({ commit, branch, cloneMs, indexMs: figures.indexMs, files: index.stats.files, parsedFiles: index.stats.parsedFiles, fromCache: index.stats.fromCache, previousCommit }, "code read");
    return { index, branch, figures, close };
  } catch (error) {
    await close();
    throw error;
  }
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
