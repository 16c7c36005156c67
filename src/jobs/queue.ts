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
 * - `supersede` ends one job that is still queued (`superseded`) atomically with respect to
 *   `claim`: either no worker ever runs it, or it is left to the worker that claimed it.
 * - `claimNotice` hands a one-time notice (the CI stop comment) to one delivery, across
 *   processes; the same delivery (GitHub's redelivery after a crash) gets it again.
 * - `collectInterrupted` turns running jobs whose process is gone into `interrupted`
 *   ones and hands each interrupted job to exactly one caller; `requeue` puts one back.
 * - A revise request that an active revise job already answers (`reviewCovers`) is not
 *   recorded again; with `maxQueuedInRepo`, nothing is recorded beyond that many queued jobs.
 * - `usage` sums the cost of a repository's and an installation's recent jobs (the daily
 *   caps); `prune` deletes ended jobs, never a queued or running one; the incident map
 *   (Sentry issue → GitHub issue) lives in the same store and survives restarts.
 * - `depth` counts the queued and running jobs (metrics, readiness); `endedSince` and the
 *   merges of Droid's pull requests (`recordMerge`, `merges`) are what `droid stats` reads.
 */
import { createHash } from "node:crypto";
import type { EnqueueResult, Job, JobKind, JobLinks, JobOutcome, JobRequest, NewJob, QueueFull, Target } from "./types.ts";

export interface RepoName {
  owner: string;
  name: string;
}

export interface JobPatch {
  costUsd?: number;
  links?: JobLinks;
}

/** Refuses a new job when its repository already has this many queued. */
export interface EnqueueLimits {
  maxQueuedInRepo: number;
}

export interface UsageQuery {
  repo: RepoName;
  installationId: number;
  /** Jobs recorded at or after this moment count. */
  since: Date;
}

/** What a repository and its installation spent since a moment, and how many jobs wait. */
export interface Usage {
  repoUsd: number;
  installationUsd: number;
  queuedInRepo: number;
}

/** Jobs in the store now, by state. */
export interface QueueDepth {
  queued: number;
  running: number;
}

/** A pull request merged, as its `pull_request` `closed` event said. */
export interface PullRequestMerge {
  /** `owner/name`, lower case (`repoKey`). */
  repo: string;
  number: number;
  mergedAt: Date;
}

/** A Sentry issue reported in a repository (`owner/name`). */
export interface IncidentRef {
  repo: string;
  sentryIssueId: string;
}

export interface JobQueue {
  enqueue(job: NewJob): Promise<EnqueueResult>;
  enqueue(job: NewJob, limits: EnqueueLimits): Promise<EnqueueResult | QueueFull>;
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
   * `stoppedBy` is the person who asked (their GitHub login), recorded with each job
   * (`Job.stoppedBy`) before a running one is signalled; absent when no person asked.
   */
  cancel(repo: RepoName, target: Target, stoppedBy?: string | null): Promise<Job[]>;
  /**
   * Ends a job that no longer applies before any worker claims it: a queued job ends
   * `succeeded`/`superseded` (as its run would have ended), in one step with respect to
   * `claim`. Returns the job as it ended, or undefined when it was not queued (a worker
   * claimed it, and its run notices on its own; or it had ended).
   */
  supersede(id: string): Promise<Job | undefined>;
  /**
   * Claims the posting of a one-time notice (`key`, e.g. `ciStopNoticeKey`) for one webhook
   * delivery: true when nobody had claimed it or this delivery had (a redelivery of the same
   * webhook after a crash finishes what it started), false when another delivery has it.
   * Kept for good: a notice is posted once for the life of the store.
   */
  claimNotice(key: string, deliveryId: string): Promise<boolean>;
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
  usage(query: UsageQuery): Promise<Usage>;
  /** Deletes jobs that ended before `endedBefore` (never a queued, running or uncollected interrupted one); returns their ids. */
  prune(endedBefore: Date): Promise<string[]>;
  /** The GitHub issue that reports a Sentry issue, if recorded. */
  incidentIssue(ref: IncidentRef): Promise<number | undefined>;
  recordIncidentIssue(ref: IncidentRef, issueNumber: number): Promise<void>;
  /** How many jobs are queued and running now. */
  depth(): Promise<QueueDepth>;
  /** The jobs that ended at or after `since`, of one repository or of all, oldest end first (jobs that ended in the same millisecond in any order). */
  endedSince(since: Date, repo?: RepoName): Promise<Job[]>;
  /** Records that a pull request was merged; recording it again changes nothing. */
  recordMerge(merge: PullRequestMerge): Promise<void>;
  /** The merges recorded, of one repository or of all. */
  merges(repo?: RepoName): Promise<PullRequestMerge[]>;
  close(): Promise<void>;
}

/**
 * Whether a second active job of this kind for the same target is refused. Every kind
 * but `revise` and `ci-revision`: each review carries its own comments, so none may be
 * dropped; a CI failure of a newer head commit (a human pushed) must not be dropped
 * because the older commit's job still waits (it ends without running: its commit is no
 * longer the head). The lock key keeps revisions of one branch one at a time, in order.
 * A ci-revision is recorded once per head commit by its delivery id (`ciDeliveryId`).
 */
export function dedupesActive(job: NewJob): boolean {
  return job.request.kind !== "revise" && job.request.kind !== "ci-revision";
}

/**
 * The delivery id of the one ci-revision a head commit may have: every check event of
 * that commit (duplicates, out of order, redelivered) names the same job, so each store's
 * delivery dedupe records it once, even after it ended.
 */
export function ciDeliveryId(repo: RepoName, headSha: string): string {
  return `ci-revision:${repoKey(repo)}@${headSha}`;
}

/** The one "Droid stops fixing CI" notice of a pull request (`claimNotice`). */
export function ciStopNoticeKey(repo: RepoName, pullNumber: number): string {
  return `ci-stopped:${repoKey(repo)}#${pullNumber}`;
}

/**
 * Two jobs with the same lock key never run at once. A question (`ask`) only reads a clone
 * and posts its own comment, so it does not wait for a plan or a fix of the same target.
 * A Jira ticket's key names its Jira id, apart from the repository's issue numbers.
 */
export function lockKey(job: NewJob): string {
  const repo = `${job.repo.owner}/${job.repo.name}`.toLowerCase();
  if (job.request.kind === "revise" || job.request.kind === "ci-revision") return `${repo}@${job.request.branch}`;
  const target = job.target.kind === "jira_issue" ? `jira-${job.target.number}` : String(job.target.number);
  if (job.request.kind === "ask") return `${repo}#${target}?ask`;
  return `${repo}#${target}`;
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

/**
 * Whether an active revise job already answers all a new revise request asks: the same review
 * (GitHub reports a reply in a thread both as a review and as a review comment, and each
 * comment of a submitted review as an event of its own, all naming the review), without
 * instructions, and with no review text the active job lacks. The caller checks the target.
 */
export function reviewCovers(active: JobRequest, incoming: JobRequest): boolean {
  const [a, b] = [reviewKeys(active), reviewKeys(incoming)];
  return b.review !== "" && a.review === b.review && (b.body === "" || b.body === a.body);
}

/** `reviewCovers` as keys a store can compare: the review id ("" when the request covers nothing) and its text's digest ("" when empty). */
export function reviewKeys(request: JobRequest): { review: string; body: string } {
  if (request.kind !== "revise" || request.reviewId === null || request.instructions.trim() !== "") return { review: "", body: "" };
  const body = request.reviewBody.trim();
  return { review: String(request.reviewId), body: body === "" ? "" : createHash("sha256").update(body).digest("hex") };
}

export function incidentKey(ref: IncidentRef): string {
  return `${ref.repo.toLowerCase()}#${ref.sentryIssueId}`;
}
