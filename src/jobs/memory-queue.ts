/**
 * The in-process queue: jobs live in this process's memory. It keeps the whole
 * `JobQueue` contract and is what tests and `droid run` use; a restart loses it,
 * which is what the durable backends are for.
 */
import { randomUUID } from "node:crypto";
import { QueueSignals } from "./queue-signals.ts";
import { dedupesActive, incidentKey, isActive, lockKey, repoKey, reviewCovers, sameTarget, type EnqueueLimits, type IncidentRef, type JobPatch, type JobQueue, type PullRequestMerge, type QueueDepth, type RepoName, type Usage, type UsageQuery } from "./queue.ts";
import type { EnqueueResult, Job, JobKind, JobOutcome, NewJob, QueueFull, Target } from "./types.ts";

export class MemoryJobQueue implements JobQueue {
  readonly #jobs = new Map<string, Job>();
  readonly #byDelivery = new Map<string, string>();
  /** When each repository last had a job claimed: the fairness order. */
  readonly #lastServed = new Map<string, number>();
  readonly #signals = new QueueSignals();
  /** Interrupted jobs already handed out by `collectInterrupted`. */
  readonly #collected = new Set<string>();
  readonly #incidents = new Map<string, number>();
  readonly #merges = new Map<string, PullRequestMerge>();
  /** One-time notices: key → the delivery that claimed it. */
  readonly #notices = new Map<string, string>();
  readonly #now: () => Date;
  #claims = 0;

  constructor(options: { now?: () => Date } = {}) {
    this.#now = options.now ?? (() => new Date());
  }

  enqueue(input: NewJob): Promise<EnqueueResult>;
  enqueue(input: NewJob, limits: EnqueueLimits): Promise<EnqueueResult | QueueFull>;
  async enqueue(input: NewJob, limits?: EnqueueLimits): Promise<EnqueueResult | QueueFull> {
    const seen = this.#byDelivery.get(input.deliveryId);
    if (seen !== undefined) return { status: "duplicate-delivery", job: this.#require(seen) };
    const rivals = [...this.#jobs.values()].filter((j) => isActive(j) && j.request.kind === input.request.kind && sameTarget(j, input.repo, input.target));
    const active = dedupesActive(input) ? rivals[0] : undefined;
    if (active) return { status: "already-active", job: structuredClone(active) };
    const covering = rivals.find((j) => reviewCovers(j.request, input.request));
    if (covering) return { status: "covered", job: structuredClone(covering) };
    const queued = [...this.#jobs.values()].filter((j) => j.state === "queued" && repoKey(j.repo) === repoKey(input.repo)).length;
    if (limits && queued >= limits.maxQueuedInRepo) return { status: "queue-full", queued };
    const job: Job = {
      ...structuredClone(input),
      id: randomUUID(),
      state: "queued",
      attempts: 0,
      createdAt: this.#now(),
      startedAt: null,
      endedAt: null,
      costUsd: 0,
      links: {},
      error: null,
      outcome: null,
      stoppedBy: null,
    };
    this.#jobs.set(job.id, job);
    this.#byDelivery.set(job.deliveryId, job.id);
    this.#signals.runnable();
    return { status: "created", job: structuredClone(job) };
  }

  async get(id: string): Promise<Job | undefined> {
    const job = this.#jobs.get(id);
    return job && structuredClone(job);
  }

  async findByDelivery(deliveryId: string): Promise<Job | undefined> {
    const id = this.#byDelivery.get(deliveryId);
    return id === undefined ? undefined : this.get(id);
  }

  async listForTarget(repo: RepoName, target: Target, limit = 20): Promise<Job[]> {
    return [...this.#jobs.values()]
      .toReversed()
      .filter((j) => sameTarget(j, repo, target))
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
      .slice(0, limit)
      .map((j) => structuredClone(j));
  }

  async claim(_workerId: string, kinds: readonly JobKind[]): Promise<Job | undefined> {
    const all = [...this.#jobs.values()];
    const busy = new Set(all.filter((j) => j.state === "running").map(lockKey));
    const candidates = all
      .filter((j) => j.state === "queued" && kinds.includes(j.request.kind) && !busy.has(lockKey(j)))
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
    // Fair across repositories: the repository served longest ago goes first; FIFO within it.
    const next = candidates.sort(
      (a, b) => (this.#lastServed.get(repoKey(a.repo)) ?? -1) - (this.#lastServed.get(repoKey(b.repo)) ?? -1),
    )[0];
    if (!next) return undefined;
    next.state = "running";
    next.attempts += 1;
    next.endedAt = null;
    next.error = null;
    next.outcome = null;
    next.stoppedBy = null;
    next.startedAt = this.#now();
    this.#lastServed.set(repoKey(next.repo), ++this.#claims);
    return structuredClone(next);
  }

  async update(id: string, patch: JobPatch): Promise<void> {
    applyPatch(this.#require(id), patch);
  }

  async finish(id: string, outcome: JobOutcome, patch: JobPatch = {}): Promise<Job> {
    const job = this.#require(id);
    applyPatch(job, patch);
    job.state = outcome.state;
    job.error = "error" in outcome ? outcome.error : null;
    job.outcome = outcome.kind;
    job.endedAt = this.#now();
    this.#collected.delete(job.id);
    this.#signals.ended(job.id);
    this.#signals.runnable();
    return structuredClone(job);
  }

  async cancel(repo: RepoName, target: Target, stoppedBy: string | null = null): Promise<Job[]> {
    const active = [...this.#jobs.values()].filter((j) => isActive(j) && sameTarget(j, repo, target));
    const before = active.map((j) => structuredClone(j));
    for (const job of active) {
      if (job.state === "queued") {
        job.state = "cancelled";
        job.outcome = "stopped-by-user";
        job.stoppedBy = stoppedBy;
        job.endedAt = this.#now();
      } else {
        // The first person who asked counts: the worker may already be reporting their stop.
        job.stoppedBy ??= stoppedBy;
        this.#signals.cancel(job.id);
      }
    }
    return before;
  }

  async supersede(id: string): Promise<Job | undefined> {
    const job = this.#jobs.get(id);
    if (job?.state !== "queued") return undefined;
    job.state = "succeeded";
    job.outcome = "superseded";
    job.endedAt = this.#now();
    return structuredClone(job);
  }

  async claimNotice(key: string, deliveryId: string): Promise<boolean> {
    const holder = this.#notices.get(key) ?? deliveryId;
    this.#notices.set(key, holder);
    return holder === deliveryId;
  }

  onCancel(listener: (jobId: string) => void): () => void {
    return this.#signals.onCancel(listener);
  }

  onRunnable(listener: () => void): () => void {
    return this.#signals.onRunnable(listener);
  }

  /** In one process nothing is orphaned: only jobs that ended `interrupted` (graceful shutdown) are collected. */
  async collectInterrupted(): Promise<Job[]> {
    const fresh = [...this.#jobs.values()].filter((j) => j.state === "interrupted" && !this.#collected.has(j.id));
    for (const job of fresh) this.#collected.add(job.id);
    return fresh.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime()).map((j) => structuredClone(j));
  }

  async requeue(id: string): Promise<Job | undefined> {
    const job = this.#require(id);
    if (job.state !== "interrupted") return undefined;
    const rival = [...this.#jobs.values()].some(
      (j) => isActive(j) && j.request.kind === job.request.kind && sameTarget(j, job.repo, job.target),
    );
    if (rival) return undefined;
    job.state = "queued";
    job.error = null;
    job.outcome = null;
    job.stoppedBy = null;
    job.startedAt = null;
    job.endedAt = null;
    this.#collected.delete(job.id);
    this.#signals.runnable();
    return structuredClone(job);
  }

  async usage(query: UsageQuery): Promise<Usage> {
    const recent = [...this.#jobs.values()].filter((j) => j.createdAt >= query.since);
    const inRepo = (j: Job) => repoKey(j.repo) === repoKey(query.repo);
    return {
      repoUsd: sum(recent.filter(inRepo)),
      installationUsd: sum(recent.filter((j) => j.repo.installationId === query.installationId)),
      queuedInRepo: [...this.#jobs.values()].filter((j) => j.state === "queued" && inRepo(j)).length,
    };
  }

  async prune(endedBefore: Date): Promise<string[]> {
    const pruned = [...this.#jobs.values()].filter(
      (j) => !isActive(j) && (j.state !== "interrupted" || this.#collected.has(j.id)) && (j.endedAt ?? j.createdAt) < endedBefore,
    );
    for (const job of pruned) {
      this.#jobs.delete(job.id);
      this.#byDelivery.delete(job.deliveryId);
      this.#collected.delete(job.id);
    }
    return pruned.map((j) => j.id);
  }

  async incidentIssue(ref: IncidentRef): Promise<number | undefined> {
    return this.#incidents.get(incidentKey(ref));
  }

  async recordIncidentIssue(ref: IncidentRef, issueNumber: number): Promise<void> {
    this.#incidents.set(incidentKey(ref), issueNumber);
  }

  async depth(): Promise<QueueDepth> {
    const all = [...this.#jobs.values()];
    return { queued: all.filter((j) => j.state === "queued").length, running: all.filter((j) => j.state === "running").length };
  }

  async endedSince(since: Date, repo?: RepoName): Promise<Job[]> {
    return [...this.#jobs.values()]
      .filter((j) => !isActive(j) && j.endedAt !== null && j.endedAt >= since && (repo === undefined || repoKey(j.repo) === repoKey(repo)))
      .sort((a, b) => (a.endedAt?.getTime() ?? 0) - (b.endedAt?.getTime() ?? 0))
      .map((j) => structuredClone(j));
  }

  async recordMerge(merge: PullRequestMerge): Promise<void> {
    const key = `${merge.repo.toLowerCase()}#${merge.number}`;
    if (!this.#merges.has(key)) this.#merges.set(key, { ...merge, repo: merge.repo.toLowerCase() });
  }

  async merges(repo?: RepoName): Promise<PullRequestMerge[]> {
    return [...this.#merges.values()].filter((m) => repo === undefined || m.repo === repoKey(repo)).map((m) => structuredClone(m));
  }

  async close(): Promise<void> {
    this.#signals.close();
  }

  #require(id: string): Job {
    const job = this.#jobs.get(id);
    if (!job) throw new Error(`unknown job ${id}`);
    return job;
  }
}

function applyPatch(job: Job, patch: JobPatch): void {
  if (patch.costUsd !== undefined) job.costUsd = patch.costUsd;
  if (patch.links) job.links = { ...job.links, ...patch.links };
}

function sum(jobs: readonly Job[]): number {
  return jobs.reduce((total, j) => total + j.costUsd, 0);
}
