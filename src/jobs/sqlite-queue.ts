/**
 * The embedded durable queue: one SQLite file (`droid.db` in `DROID_DATA_DIR`) that any
 * number of processes on the host share. Every write is one `BEGIN IMMEDIATE`
 * transaction, so dedupe and claims are atomic across processes; partial unique indexes
 * back the two promises that matter (one active job per target and kind, one running
 * job per lock key) even against a bug here.
 *
 * Other processes' writes are noticed by polling `PRAGMA data_version` every `pollMs`:
 * a change wakes the worker (`onRunnable`) and delivers stop requests for the jobs this
 * process runs (`cancel_requested`), so `/droid stop` received by the webhook server
 * reaches a worker in another process within a second. The same timer renews the
 * heartbeat of the jobs this process runs; restart recovery treats a running job whose
 * process is gone, or whose heartbeat is older than `staleAfterMs`, as interrupted.
 *
 * Longer than most files (~460 lines): it is the whole `JobQueue` contract against one
 * table, each method one transaction, and they read best side by side. Opening,
 * migrating and the transaction machinery are in `sqlite-database.ts`; the policy
 * queries (caps, retention, the incident map) in `sqlite-upkeep.ts`.
 */
import { randomUUID } from "node:crypto";
import type { SQLInputValue } from "node:sqlite";
import pino, { type Logger } from "pino";
import { safeJson } from "./job-schema.ts";
import { ORPHAN_ERROR, ownerIsGone, ownerSchema, THIS_PROCESS } from "./ownership.ts";
import { dedupesActive, lockKey, repoKey, type EnqueueLimits, type IncidentRef, type JobPatch, type JobQueue, type PullRequestMerge, type QueueDepth, type RepoName, type Usage, type UsageQuery } from "./queue.ts";
import { QueueSignals } from "./queue-signals.ts";
import { JobDatabase } from "./sqlite-database.ts";
import { isBusy, storeError } from "./sqlite-errors.ts";
import { parseRow, safeParseRow } from "./sqlite-rows.ts";
import * as upkeep from "./sqlite-upkeep.ts";
import { JobStoreError } from "./store-errors.ts";
import type { EnqueueResult, Job, JobKind, JobLinks, JobOutcome, NewJob, QueueFull, Target } from "./types.ts";

export interface SqliteQueueOptions {
  /** The directory holding `droid.db` (created if missing). */
  dataDir: string;
  log?: Logger;
  now?: () => Date;
  /** How long a write waits for another process's lock before failing with "locked". */
  lockTimeoutMs?: number;
  /** How often other processes' writes (new jobs, stop requests) are looked for. */
  pollMs?: number;
  /** How often the heartbeat of running jobs is renewed. */
  heartbeatMs?: number;
  /** A running job whose heartbeat is older than this is taken as orphaned by recovery. */
  staleAfterMs?: number;
}

export const DATABASE_FILE = "droid.db";

export class SqliteJobQueue implements JobQueue {
  readonly #db: JobDatabase;
  readonly #log: Logger;
  readonly #now: () => Date;
  readonly #signals = new QueueSignals();
  readonly #heartbeatMs: number;
  readonly #staleAfterMs: number;
  /** Jobs this instance claimed and runs: job id → claim token. */
  readonly #claims = new Map<string, string>();
  /** Enqueues waiting for the next group commit. */
  readonly #pendingEnqueues: {
    input: NewJob;
    limits: EnqueueLimits | undefined;
    resolve: (result: EnqueueResult | QueueFull) => void;
    reject: (error: unknown) => void;
  }[] = [];
  readonly #timer: NodeJS.Timeout;
  #dataVersion = -1;
  #lastHeartbeat = 0;
  #closed = false;

  constructor(options: SqliteQueueOptions) {
    this.#log = options.log ?? pino({ enabled: false });
    this.#now = options.now ?? (() => new Date());
    this.#heartbeatMs = options.heartbeatMs ?? 5000;
    this.#staleAfterMs = options.staleAfterMs ?? 30_000;
    this.#db = new JobDatabase({ dataDir: options.dataDir, file: DATABASE_FILE, lockTimeoutMs: options.lockTimeoutMs ?? 5000, log: this.#log });
    this.#timer = setInterval(() => this.#tick(), options.pollMs ?? 500);
    this.#timer.unref();
  }

  /**
   * Records a job. Enqueues arriving in the same turn of the event loop share one
   * transaction (group commit): one disk sync for a burst of webhooks, and each caller
   * still hears back only after its job is on disk.
   */
  enqueue(input: NewJob): Promise<EnqueueResult>;
  enqueue(input: NewJob, limits: EnqueueLimits): Promise<EnqueueResult | QueueFull>;
  enqueue(input: NewJob, limits?: EnqueueLimits): Promise<EnqueueResult | QueueFull> {
    return new Promise((resolve, reject) => {
      this.#pendingEnqueues.push({ input, limits, resolve, reject });
      if (this.#pendingEnqueues.length === 1) setImmediate(() => void this.#flushEnqueues());
    });
  }

  async #flushEnqueues(): Promise<void> {
    const batch = this.#pendingEnqueues.splice(0);
    try {
      const outcomes = await this.#db.transaction(() => batch.map(({ input, limits }) => this.#insert(input, limits)));
      if (outcomes.some((o) => o.status === "created")) this.#signals.runnable();
      batch.forEach(({ resolve, reject }, i) => {
        const outcome = outcomes[i];
        if (!outcome) return reject(new Error("group commit lost a result"));
        try {
          resolve("row" in outcome ? { status: outcome.status, job: parseRow(outcome.row) } : outcome);
        } catch (error) {
          reject(error);
        }
      });
    } catch (error) {
      for (const { reject } of batch) reject(error);
    }
  }

  /** Dedupe and caps, then insert; inside a write transaction. */
  #insert(
    input: NewJob,
    limits: EnqueueLimits | undefined,
  ): { status: "created"; job: Job } | { status: "duplicate-delivery" | "already-active" | "covered"; row: Record<string, unknown> } | QueueFull {
    const seen = this.#select("WHERE delivery_id = ?", input.deliveryId)[0];
    if (seen) return { status: "duplicate-delivery", row: seen };
    const active = !dedupesActive(input)
      ? undefined
      : this.#select(
          "WHERE repo = ? AND target_kind = ? AND target_number = ? AND kind = ? AND state IN ('queued', 'running')",
          repoKey(input.repo),
          input.target.kind,
          input.target.number,
          input.request.kind,
        )[0];
    if (active) return { status: "already-active", row: active };
    const covering = upkeep.coveringRevision(this.#db, input);
    if (covering) return { status: "covered", row: covering };
    const full = upkeep.queueFull(this.#db, input, limits);
    if (full) return full;
    const id = randomUUID();
    const createdAt = this.#now();
    this.#db.sql(
        `INSERT INTO jobs (id, delivery_id, kind, repo, repo_ref, target_kind, target_number, requester,
           trigger_comment_id, request, lock_key, state, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?)`,
      )
      .run(
        id,
        input.deliveryId,
        input.request.kind,
        repoKey(input.repo),
        JSON.stringify(input.repo),
        input.target.kind,
        input.target.number,
        input.requester,
        input.triggerCommentId,
        JSON.stringify(input.request),
        lockKey(input),
        createdAt.getTime(),
      );
    const job: Job = {
      ...structuredClone(input),
      id,
      state: "queued",
      attempts: 0,
      createdAt,
      startedAt: null,
      endedAt: null,
      costUsd: 0,
      links: {},
      error: null,
      outcome: null,
      stoppedBy: null,
    };
    return { status: "created", job };
  }

  async get(id: string): Promise<Job | undefined> {
    const row = await this.#db.read(() => this.#select("WHERE id = ?", id)[0]);
    return row && parseRow(row);
  }

  async findByDelivery(deliveryId: string): Promise<Job | undefined> {
    const row = await this.#db.read(() => this.#select("WHERE delivery_id = ?", deliveryId)[0]);
    return row && parseRow(row);
  }

  async listForTarget(repo: RepoName, target: Target, limit = 20): Promise<Job[]> {
    const rows = await this.#db.read(() =>
      this.#select(
        "WHERE repo = ? AND target_kind = ? AND target_number = ? ORDER BY seq DESC LIMIT ?",
        repoKey(repo),
        target.kind,
        target.number,
        limit,
      ),
    );
    return rows.map(parseRow);
  }

  async claim(workerId: string, kinds: readonly JobKind[]): Promise<Job | undefined> {
    const token = randomUUID();
    const claimed = await this.#db.transaction(() => {
      // FIFO within a repository; across repositories the one served longest ago goes first.
      const next = this.#db.sql(
          `SELECT j.id FROM jobs j LEFT JOIN repo_turns t ON t.repo = j.repo
           WHERE j.state = 'queued' AND j.kind IN (SELECT value FROM json_each(?))
             AND NOT EXISTS (SELECT 1 FROM jobs r WHERE r.state = 'running' AND r.lock_key = j.lock_key)
           ORDER BY COALESCE(t.served, 0), j.seq LIMIT 1`,
        )
        .get(JSON.stringify(kinds));
      if (!next) return undefined;
      const id = String(next.id);
      const now = this.#now().getTime();
      this.#db.sql(
          `UPDATE jobs SET state = 'running', attempts = attempts + 1, started_at = ?, ended_at = NULL, error = NULL, outcome = NULL,
             worker_id = ?, claim_token = ?, owner = ?, heartbeat_at = ?, cancel_requested = 0, stopped_by = NULL, collected = 0
           WHERE id = ?`,
        )
        .run(now, workerId, token, JSON.stringify(THIS_PROCESS), now, id);
      this.#db.sql(
          `INSERT INTO repo_turns (repo, served) SELECT repo, (SELECT COALESCE(MAX(served), 0) + 1 FROM repo_turns)
           FROM jobs WHERE id = ? ON CONFLICT (repo) DO UPDATE SET served = excluded.served`,
        )
        .run(id);
      const row = this.#require(id);
      const parsed = safeParseRow(row);
      if (parsed.success) return parsed.job;
      // A damaged record would block its repository forever: set it aside, then report it.
      this.#quarantine(id, now);
      return new JobStoreError("corrupt-record", `job ${id}: ${parsed.problem}`, { jobId: id });
    });
    if (claimed instanceof JobStoreError) {
      this.#log.error({ err: claimed, jobId: claimed.jobId }, "a stored job is damaged; it was marked failed");
      throw claimed;
    }
    if (claimed) this.#claims.set(claimed.id, token);
    return claimed;
  }

  async update(id: string, patch: JobPatch): Promise<void> {
    await this.#db.transaction(() => {
      this.#requireOwnRun(id);
      this.#applyPatch(id, patch);
    });
  }

  async finish(id: string, outcome: JobOutcome, patch: JobPatch = {}): Promise<Job> {
    const row = await this.#db.transaction(() => {
      this.#requireOwnRun(id);
      this.#applyPatch(id, patch);
      this.#db.sql("UPDATE jobs SET state = ?, error = ?, outcome = ?, ended_at = ?, collected = 0 WHERE id = ?")
        .run(outcome.state, "error" in outcome ? outcome.error : null, outcome.kind, this.#now().getTime(), id);
      return this.#require(id);
    });
    this.#claims.delete(id);
    this.#signals.ended(id);
    this.#signals.runnable();
    return parseRow(row);
  }

  async cancel(repo: RepoName, target: Target, stoppedBy: string | null = null): Promise<Job[]> {
    const rows = await this.#db.transaction(() => {
      const where = "WHERE repo = ? AND target_kind = ? AND target_number = ?";
      const args = [repoKey(repo), target.kind, target.number];
      const active = this.#select(`${where} AND state IN ('queued', 'running') ORDER BY seq`, ...args);
      const now = this.#now().getTime();
      this.#db.sql(`UPDATE jobs SET state = 'cancelled', outcome = 'stopped-by-user', stopped_by = ?, ended_at = ? ${where} AND state = 'queued'`)
        .run(stoppedBy, now, ...args);
      // The first person who asked counts: the worker may already be reporting their stop.
      this.#db.sql(`UPDATE jobs SET cancel_requested = 1, stopped_by = COALESCE(stopped_by, ?) ${where} AND state = 'running'`).run(stoppedBy, ...args);
      return active;
    });
    const jobs = rows.map(parseRow);
    for (const job of jobs) if (job.state === "running") this.#signals.cancel(job.id);
    return jobs;
  }

  async supersede(id: string): Promise<Job | undefined> {
    // In one write transaction, as `claim` is: a job is either superseded here or claimed there.
    const row = await this.#db.transaction(() => {
      const ended = this.#db.sql("UPDATE jobs SET state = 'succeeded', outcome = 'superseded', ended_at = ? WHERE id = ? AND state = 'queued'").run(this.#now().getTime(), id);
      return ended.changes === 0 ? undefined : this.#require(id);
    });
    return row && parseRow(row);
  }

  async claimNotice(key: string, deliveryId: string): Promise<boolean> {
    return (await this.#db.transaction(() => upkeep.claimNotice(this.#db, key, deliveryId, this.#now()))) === deliveryId;
  }

  onCancel(listener: (jobId: string) => void): () => void {
    return this.#signals.onCancel(listener);
  }

  onRunnable(listener: () => void): () => void {
    return this.#signals.onRunnable(listener);
  }

  async collectInterrupted(): Promise<Job[]> {
    const rows = await this.#db.transaction(() => {
      const now = this.#now().getTime();
      for (const row of this.#select("WHERE state = 'running'")) {
        const id = String(row.id);
        if (this.#claims.has(id) || !this.#isOrphan(row, now)) continue;
        const stopped = row.cancel_requested === 1;
        this.#db.sql("UPDATE jobs SET state = ?, error = ?, outcome = ?, ended_at = ? WHERE id = ?")
          .run(stopped ? "cancelled" : "interrupted", stopped ? null : ORPHAN_ERROR, stopped ? "stopped-by-user" : "interrupted", now, id);
      }
      const fresh = this.#select("WHERE state = 'interrupted' AND collected = 0 ORDER BY seq");
      this.#db.exec("UPDATE jobs SET collected = 1 WHERE state = 'interrupted' AND collected = 0");
      return fresh;
    });
    const jobs: Job[] = [];
    for (const row of rows) {
      const parsed = safeParseRow(row);
      if (parsed.success) jobs.push(parsed.job);
      else this.#log.error({ jobId: row.id, problem: parsed.problem }, "an interrupted job's record is damaged; skipped");
    }
    return jobs;
  }

  async requeue(id: string): Promise<Job | undefined> {
    const row = await this.#db.transaction(() => {
      const job = this.#select("WHERE id = ? AND state = 'interrupted'", id)[0];
      if (!job) return undefined;
      const rival = this.#select(
        "WHERE repo = ? AND target_kind = ? AND target_number = ? AND kind = ? AND state IN ('queued', 'running')",
        sqlValue(job.repo),
        sqlValue(job.target_kind),
        sqlValue(job.target_number),
        sqlValue(job.kind),
      )[0];
      if (rival) return undefined;
      this.#db.sql(
          `UPDATE jobs SET state = 'queued', error = NULL, outcome = NULL, started_at = NULL, ended_at = NULL, cancel_requested = 0,
             stopped_by = NULL, collected = 0, claim_token = NULL WHERE id = ?`,
        )
        .run(id);
      return this.#require(id);
    });
    if (!row) return undefined;
    this.#signals.runnable();
    return parseRow(row);
  }

  async usage(query: UsageQuery): Promise<Usage> {
    return this.#db.read(() => upkeep.usage(this.#db, query));
  }

  async prune(endedBefore: Date): Promise<string[]> {
    return this.#db.transaction(() => upkeep.prune(this.#db, endedBefore));
  }

  async incidentIssue(ref: IncidentRef): Promise<number | undefined> {
    return this.#db.read(() => upkeep.incidentIssue(this.#db, ref));
  }

  async recordIncidentIssue(ref: IncidentRef, issueNumber: number): Promise<void> {
    await this.#db.transaction(() => upkeep.recordIncidentIssue(this.#db, ref, issueNumber));
  }

  async depth(): Promise<QueueDepth> {
    return this.#db.read(() => upkeep.depth(this.#db));
  }

  async endedSince(since: Date, repo?: RepoName): Promise<Job[]> {
    const rows = await this.#db.read(() =>
      repo === undefined
        ? this.#select("WHERE ended_at >= ? AND state NOT IN ('queued', 'running') ORDER BY ended_at", since.getTime())
        : this.#select("WHERE ended_at >= ? AND state NOT IN ('queued', 'running') AND repo = ? ORDER BY ended_at", since.getTime(), repoKey(repo)),
    );
    return rows.map(parseRow);
  }

  async recordMerge(merge: PullRequestMerge): Promise<void> {
    await this.#db.transaction(() => upkeep.recordMerge(this.#db, merge));
  }

  async merges(repo?: RepoName): Promise<PullRequestMerge[]> {
    return this.#db.read(() => upkeep.merges(this.#db, repo));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    this.#signals.close();
    this.#db.close();
  }

  #select(where: string, ...args: SQLInputValue[]): Record<string, unknown>[] {
    return this.#db.sql(`SELECT * FROM jobs ${where}`).all(...args);
  }

  #require(id: string): Record<string, unknown> {
    const row = this.#select("WHERE id = ?", id)[0];
    if (!row) throw new JobStoreError("unknown-job", `no job ${id}`, { jobId: id });
    return row;
  }

  /** A job this instance claimed must still be running under its claim (recovery may have taken it over). */
  #requireOwnRun(id: string): void {
    const row = this.#require(id);
    const token = this.#claims.get(id);
    if (row.state !== "running" || (token !== undefined && row.claim_token !== token)) {
      throw new JobStoreError("lost-lease", `job ${id} is ${String(row.state)}, no longer running here`, { jobId: id });
    }
  }

  #applyPatch(id: string, patch: JobPatch): void {
    if (patch.costUsd !== undefined) this.#db.sql("UPDATE jobs SET cost_usd = ? WHERE id = ?").run(patch.costUsd, id);
    if (patch.links) {
      const current = this.#require(id).links;
      const links: JobLinks = { ...JSON.parse(typeof current === "string" ? current : "{}"), ...patch.links };
      this.#db.sql("UPDATE jobs SET links = ? WHERE id = ?").run(JSON.stringify(links), id);
    }
  }

  #quarantine(id: string, now: number): void {
    this.#db.sql("UPDATE jobs SET state = 'failed', error = ?, outcome = 'internal-error', ended_at = ? WHERE id = ?")
      .run("the job record was damaged and set aside", now, id);
  }

  #isOrphan(row: Record<string, unknown>, now: number): boolean {
    const heartbeat = typeof row.heartbeat_at === "number" ? row.heartbeat_at : 0;
    if (now - heartbeat > this.#staleAfterMs) return true;
    const owner = ownerSchema.safeParse(safeJson(row.owner));
    return owner.success && ownerIsGone(owner.data);
  }

  /** Heartbeats, other processes' new jobs and stop requests. Never throws: failures are logged and retried next tick. */
  #tick(): void {
    if (this.#closed) return;
    try {
      const now = this.#now().getTime();
      if (this.#claims.size > 0 && Date.now() - this.#lastHeartbeat >= this.#heartbeatMs) {
        this.#lastHeartbeat = Date.now();
        const tokens = JSON.stringify([...this.#claims.values()]);
        this.#db.sql("UPDATE jobs SET heartbeat_at = ? WHERE state = 'running' AND claim_token IN (SELECT value FROM json_each(?))")
          .run(now, tokens);
      }
      const version = Number(this.#db.sql("PRAGMA data_version").get()?.data_version);
      if (version === this.#dataVersion) return;
      this.#dataVersion = version;
      if (this.#claims.size > 0) {
        const stops = this.#db.sql(
            "SELECT id FROM jobs WHERE state = 'running' AND cancel_requested = 1 AND claim_token IN (SELECT value FROM json_each(?))",
          )
          .all(JSON.stringify([...this.#claims.values()]));
        for (const stop of stops) this.#signals.cancel(String(stop.id));
      }
      this.#signals.runnable();
    } catch (error) {
      if (!isBusy(error)) this.#log.error({ err: storeError(error, "polling") }, "job store poll failed; will retry");
    }
  }
}


function sqlValue(value: unknown): SQLInputValue {
  return typeof value === "number" || typeof value === "string" || value === null ? value : String(value);
}


