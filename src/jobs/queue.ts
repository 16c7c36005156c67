/**
 * The job queue contract. Every backend (in-process, SQLite, BullMQ on Redis) keeps
 * these promises, checked by one shared contract test suite:
 *
 * - `enqueue` never creates a second job for the same delivery id, nor a second
 *   active (queued or running) job of the same kind for the same target — except
 *   `revise` jobs (see `dedupesActive`): a review that arrives while a revision runs
 *   is queued and runs next, on the branch as the first revision left it.
 * - `claim` hands out queued jobs FIFO within a repository, fairly across
 *   repositories, never two running jobs with the same lock key (one per target).
 * - `cancel` removes queued jobs at once and signals running ones to the worker
 *   that runs them, through `onCancel` (within seconds, across processes).
 * - `collectInterrupted` turns running jobs whose process is gone into `interrupted`
 *   ones and hands each interrupted job to exactly one caller; `requeue` puts one back.
 */
import type { EnqueueResult, Job, JobKind, JobLinks, JobOutcome, NewJob, Target } from "./types.ts";

export interface RepoName {
  owner: string;
  name: string;
}

export interface JobPatch {
  costUsd?: number;
  links?: JobLinks;
}

export interface JobQueue {
  enqueue(job: NewJob): Promise<EnqueueResult>;
  get(id: string): Promise<Job | undefined>;
  /** The job a delivery created, if it created one (missed-delivery recovery skips those). */
  findByDelivery(deliveryId: string): Promise<Job | undefined>;
  /** Jobs for one issue or PR, newest first. */
  listForTarget(repo: RepoName, target: Target, limit?: number): Promise<Job[]>;
  /** Takes the next runnable job of one of `kinds` and marks it running, or returns undefined. */
  claim(workerId: string, kinds: readonly JobKind[]): Promise<Job | undefined>;
  /** Records progress (cost so far, links) of a running job. */
  update(id: string, patch: JobPatch): Promise<void>;
  /** Records how a job ended. The orchestrator calls this exactly once per run, in a `finally`. */
  finish(id: string, outcome: JobOutcome, patch?: JobPatch): Promise<Job>;
  /**
   * Cancels the active jobs of a target: queued ones at once, running ones through
   * `onCancel`. Returns the jobs as they were before (state queued or running).
   */
  cancel(repo: RepoName, target: Target): Promise<Job[]>;
  /** Subscribes to cancellation requests for running jobs; returns the unsubscribe function. */
  onCancel(listener: (jobId: string) => void): () => void;
  /** Subscribes to "a job became runnable", so workers need not poll; returns the unsubscribe function. */
  onRunnable(listener: () => void): () => void;
  /**
   * Restart recovery. Marks `running` jobs whose worker is gone (its process died, or it
   * stopped renewing its lease) as `interrupted` (`cancelled` when a stop was requested),
   * then returns every interrupted job not returned before, oldest first: each one is
   * handed to one caller only, even when several processes start at once.
   */
  collectInterrupted(): Promise<Job[]>;
  /**
   * Puts an interrupted job back in the queue, in its original place. Returns undefined
   * when the job is not interrupted or its target has another active job of its kind.
   */
  requeue(id: string): Promise<Job | undefined>;
  close(): Promise<void>;
}

/**
 * Whether a second active job of this kind for the same target is refused. Every kind
 * but `revise`: each review carries its own comments, so none may be dropped; the lock
 * key keeps revisions of one branch one at a time, in order.
 */
export function dedupesActive(job: NewJob): boolean {
  return job.request.kind !== "revise";
}

/** Two jobs with the same lock key never run at once. */
export function lockKey(job: NewJob): string {
  const repo = `${job.repo.owner}/${job.repo.name}`.toLowerCase();
  if (job.request.kind === "revise") return `${repo}@${job.request.branch}`;
  return `${repo}#${job.target.number}`;
}

export function repoKey(repo: RepoName): string {
  return `${repo.owner}/${repo.name}`.toLowerCase();
}

export function sameTarget(job: Job, repo: RepoName, target: Target): boolean {
  return repoKey(job.repo) === repoKey(repo) && job.target.kind === target.kind && job.target.number === target.number;
}

export function isActive(job: Job): boolean {
  return job.state === "queued" || job.state === "running";
}
