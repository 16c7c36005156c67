/**
 * The scale-out queue: jobs live in Redis (`DROID_QUEUE_URL=redis://…`), any number of
 * webhook servers enqueue and any number of `droid worker` processes claim. Every
 * operation is one Lua script (see `redis-scripts.ts`), so dedupe, claims, cancellation
 * and recovery are atomic across processes.
 *
 * - A running job holds a lock key with a TTL (the lease) that the claiming process renews
 *   every `leaseMs / 3`; a job whose lease lapsed, or whose process on this host is gone,
 *   is interrupted by `collectInterrupted`.
 * - Stop requests and "runnable" are published on a channel for speed, and the stop flag
 *   is also read with each heartbeat, so a request made while a subscriber was
 *   reconnecting still arrives.
 * - After a Redis restart (with persistence on) the client reconnects by itself; a finish
 *   or update that was in flight is retried (they are idempotent), so no job is lost or
 *   run twice. Redis must persist (`appendonly yes`): without it a restart loses the queue.
 *
 * Longer than most files (~400 lines): the whole `JobQueue` contract plus the lease,
 * subscription and reconnection handling all its methods share; the Lua scripts are in
 * `redis-scripts.ts`, record encoding in `redis-records.ts`, the policy operations (caps,
 * retention, the incident map) in `redis-upkeep.ts`.
 */
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import pino, { type Logger } from "pino";
import { z } from "zod";
import { safeJson } from "./job-schema.ts";
import { ORPHAN_ERROR, ownerIsGone, ownerSchema, THIS_PROCESS } from "./ownership.ts";
import { dedupesActive, lockKey, repoKey, reviewKeys, type EnqueueLimits, type IncidentRef, type JobPatch, type JobQueue, type PullRequestMerge, type QueueDepth, type RepoName, type Usage, type UsageQuery } from "./queue.ts";
import { QueueSignals } from "./queue-signals.ts";
import { parseJob, redisError } from "./redis-records.ts";
import { SCRIPTS } from "./redis-scripts.ts";
import * as upkeep from "./redis-upkeep.ts";
import { JobStoreError } from "./store-errors.ts";
import { JOB_KINDS, type EnqueueResult, type Job, type JobKind, type JobOutcome, type NewJob, type QueueFull, type Target } from "./types.ts";

export interface RedisQueueOptions {
  /** `redis://[user:password@]host:port[/db]` */
  url: string;
  /** Key prefix, so several Droids can share one Redis. */
  prefix?: string;
  log?: Logger;
  now?: () => Date;
  /** How long a running job's lock lives without renewal; renewed every third of it. */
  leaseMs?: number;
  /** How long enqueue, claim and reads wait for Redis before failing with "unavailable". */
  timeoutMs?: number;
}

const CLAIM_SCAN_DEPTH = 100;

export class RedisJobQueue implements JobQueue {
  readonly #redis: Redis;
  readonly #subscriber: Redis;
  readonly #prefix: string;
  readonly #log: Logger;
  readonly #now: () => Date;
  readonly #leaseMs: number;
  readonly #timeoutMs: number;
  readonly #signals = new QueueSignals();
  /** Jobs this instance claimed and runs: job id → claim token. */
  readonly #claims = new Map<string, string>();
  readonly #timer: NodeJS.Timeout;
  #closed = false;

  constructor(options: RedisQueueOptions) {
    this.#prefix = options.prefix ?? "droid:";
    this.#log = options.log ?? pino({ enabled: false });
    this.#now = options.now ?? (() => new Date());
    this.#leaseMs = options.leaseMs ?? 30_000;
    this.#timeoutMs = options.timeoutMs ?? 5000;
    const connection = {
      // No command is held back while disconnected, to run later after its caller was told
      // it failed: `#run` waits for the connection instead, within `timeoutMs`…
      enableOfflineQueue: false,
      maxRetriesPerRequest: null,
      // …and a command in flight when the connection dropped is not silently sent twice.
      autoResendUnfulfilledCommands: false,
      retryStrategy: (attempt: number) => Math.min(attempt * 100, 2000),
      lazyConnect: false,
    };
    this.#redis = new Redis(options.url, connection);
    this.#subscriber = new Redis(options.url, connection);
    for (const client of [this.#redis, this.#subscriber]) {
      client.on("error", (error: Error) => this.#log.warn({ err: error }, "Redis connection problem; reconnecting"));
    }
    this.#subscriber.on("message", (_channel: string, message: string) => this.#onMessage(message));
    // Messages published while (re)subscribing are lost: look for work once subscribed.
    this.#subscriber.on("ready", () => this.#signals.runnable());
    void this.#subscriber.subscribe(this.#channel).then(
      () => this.#signals.runnable(),
      () => {},
    );
    this.#timer = setInterval(() => void this.#heartbeat(), Math.max(50, Math.floor(this.#leaseMs / 3)));
    this.#timer.unref();
  }

  enqueue(input: NewJob): Promise<EnqueueResult>;
  enqueue(input: NewJob, limits: EnqueueLimits): Promise<EnqueueResult | QueueFull>;
  async enqueue(input: NewJob, limits?: EnqueueLimits): Promise<EnqueueResult | QueueFull> {
    const review = reviewKeys(input.request);
    const reply = await this.#run("recording a job", () =>
      SCRIPTS.enqueue.run(this.#redis, [
        this.#prefix,
        randomUUID(),
        input.deliveryId,
        repoKey(input.repo),
        targetKey(input.repo, input.target),
        input.request.kind,
        lockKey(input),
        JSON.stringify(input),
        this.#now().getTime(),
        dedupesActive(input) ? "1" : "0",
        input.repo.installationId,
        review.review,
        review.body,
        limits?.maxQueuedInRepo ?? "",
      ]),
    );
    const [status, id] = z.tuple([z.enum(["created", "duplicate-delivery", "already-active", "covered", "queue-full"]), z.string()]).parse(reply);
    if (status === "queue-full") return { status, queued: Number(id) };
    if (status === "created") this.#signals.runnable();
    return { status, job: await this.#require(id) };
  }

  async get(id: string): Promise<Job | undefined> {
    const fields = await this.#run("reading a job", () => this.#redis.hgetall(this.#key("job:", id)));
    return Object.keys(fields).length === 0 ? undefined : parseJob(id, fields);
  }

  async findByDelivery(deliveryId: string): Promise<Job | undefined> {
    const id = await this.#run("reading a delivery", () => this.#redis.get(this.#key("delivery:", deliveryId)));
    return id === null ? undefined : this.get(id);
  }

  async listForTarget(repo: RepoName, target: Target, limit = 20): Promise<Job[]> {
    const ids = await this.#run("listing jobs", () =>
      this.#redis.zrevrange(this.#key("target:", targetKey(repo, target)), 0, limit - 1),
    );
    return Promise.all(ids.map((id) => this.#require(id)));
  }

  async claim(workerId: string, kinds: readonly JobKind[]): Promise<Job | undefined> {
    const token = randomUUID();
    const reply = await this.#run("claiming a job", () =>
      SCRIPTS.claim.run(this.#redis, [
        this.#prefix,
        kinds.join(","),
        this.#now().getTime(),
        token,
        JSON.stringify(THIS_PROCESS),
        workerId,
        this.#leaseMs,
        CLAIM_SCAN_DEPTH,
      ]),
    );
    if (typeof reply !== "string") return undefined;
    this.#claims.set(reply, token);
    try {
      return await this.#require(reply);
    } catch (error) {
      if (error instanceof JobStoreError && error.reason === "corrupt-record") {
        // A damaged record would be claimed forever: set it aside, then report it.
        this.#log.error({ err: error, jobId: reply }, "a stored job is damaged; it is marked failed");
        await this.finish(reply, { state: "failed", error: "the job record was damaged and set aside", kind: "internal-error" });
      }
      throw error;
    }
  }

  async update(id: string, patch: JobPatch): Promise<void> {
    const links = patch.links && JSON.stringify({ ...(await this.#require(id)).links, ...patch.links });
    await this.#retry("recording progress", () =>
      SCRIPTS.update.run(this.#redis, [this.#prefix, id, this.#claims.get(id) ?? "", patch.costUsd ?? "", links ?? ""]),
    );
  }

  async finish(id: string, outcome: JobOutcome, patch: JobPatch = {}): Promise<Job> {
    const links = patch.links && JSON.stringify({ ...(await this.#require(id)).links, ...patch.links });
    await this.#retry("recording how a job ended", () =>
      SCRIPTS.finish.run(this.#redis, [
        this.#prefix,
        id,
        this.#claims.get(id) ?? "",
        outcome.state,
        "error" in outcome ? outcome.error : "",
        this.#now().getTime(),
        patch.costUsd ?? "",
        links ?? "",
        outcome.kind,
      ]),
    );
    this.#claims.delete(id);
    this.#signals.ended(id);
    this.#signals.runnable();
    return this.#require(id);
  }

  async cancel(repo: RepoName, target: Target, stoppedBy: string | null = null): Promise<Job[]> {
    const reply = await this.#run("cancelling jobs", () =>
      SCRIPTS.cancel.run(this.#redis, [this.#prefix, targetKey(repo, target), this.#now().getTime(), stoppedBy ?? "", ...JOB_KINDS]),
    );
    const before = z.array(z.tuple([z.string(), z.enum(["queued", "running"])])).parse(reply);
    const jobs = await Promise.all(
      before.map(async ([id, state]) => ({ ...(await this.#require(id)), state, endedAt: null })),
    );
    for (const job of jobs) if (job.state === "running" && this.#claims.has(job.id)) this.#signals.cancel(job.id);
    return jobs.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  }

  async supersede(id: string): Promise<Job | undefined> {
    const reply = await this.#run("superseding a job", () => SCRIPTS.supersede.run(this.#redis, [this.#prefix, id, this.#now().getTime()]));
    return reply === "ok" ? this.#require(id) : undefined;
  }

  async claimNotice(key: string, deliveryId: string): Promise<boolean> {
    const holder = await this.#run("claiming a notice", () => SCRIPTS.notice.run(this.#redis, [this.#prefix, key, deliveryId]));
    return holder === deliveryId;
  }

  onCancel(listener: (jobId: string) => void): () => void {
    return this.#signals.onCancel(listener);
  }

  onRunnable(listener: () => void): () => void {
    return this.#signals.onRunnable(listener);
  }

  async collectInterrupted(): Promise<Job[]> {
    const running = await this.#run("reading running jobs", () => this.#redis.smembers(this.#key("running")));
    const dead: string[] = [];
    for (const id of running) {
      if (this.#claims.has(id)) continue;
      const [owner, token] = await this.#redis.hmget(this.#key("job:", id), "owner", "token");
      const parsed = ownerSchema.safeParse(safeJson(owner));
      if (parsed.success && token && ownerIsGone(parsed.data)) dead.push(id, token);
    }
    const reply = await this.#run("recovering interrupted jobs", () =>
      SCRIPTS.collect.run(this.#redis, [
        this.#prefix,
        this.#now().getTime(),
        ORPHAN_ERROR,
        [...this.#claims.keys()].join(","),
        ...dead,
      ]),
    );
    const jobs: Job[] = [];
    for (const id of z.array(z.string()).parse(reply)) {
      try {
        jobs.push(await this.#require(id));
      } catch (error) {
        this.#log.error({ err: error, jobId: id }, "an interrupted job's record is damaged; skipped");
      }
    }
    return jobs;
  }

  async requeue(id: string): Promise<Job | undefined> {
    const reply = await this.#run("re-queueing a job", () => SCRIPTS.requeue.run(this.#redis, [this.#prefix, id]));
    if (reply !== "ok") return undefined;
    this.#signals.runnable();
    return this.#require(id);
  }

  usage(query: UsageQuery): Promise<Usage> {
    return this.#run("summing costs", () => upkeep.usage(this.#redis, this.#prefix, query));
  }

  prune(endedBefore: Date): Promise<string[]> {
    return this.#run("pruning old jobs", () => upkeep.prune(this.#redis, this.#prefix, endedBefore));
  }

  incidentIssue(ref: IncidentRef): Promise<number | undefined> {
    return this.#run("reading the incident map", () => upkeep.incidentIssue(this.#redis, this.#prefix, ref));
  }

  recordIncidentIssue(ref: IncidentRef, issueNumber: number): Promise<void> {
    return this.#run("recording an incident issue", () => upkeep.recordIncidentIssue(this.#redis, this.#prefix, ref, issueNumber));
  }

  depth(): Promise<QueueDepth> {
    return this.#run("counting jobs", () => upkeep.depth(this.#redis, this.#prefix));
  }

  async endedSince(since: Date, repo?: RepoName): Promise<Job[]> {
    const ids = await this.#run("listing ended jobs", () => this.#redis.zrangebyscore(this.#key("ended"), since.getTime(), "+inf"));
    const jobs: Job[] = [];
    for (const id of ids) {
      const job = await this.get(id);
      if (job && (repo === undefined || repoKey(job.repo) === repoKey(repo))) jobs.push(job);
    }
    return jobs;
  }

  recordMerge(merge: PullRequestMerge): Promise<void> {
    return this.#run("recording a merge", () => upkeep.recordMerge(this.#redis, this.#prefix, merge));
  }

  merges(repo?: RepoName): Promise<PullRequestMerge[]> {
    return this.#run("reading merges", () => upkeep.merges(this.#redis, this.#prefix, repo));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    this.#signals.close();
    this.#subscriber.disconnect();
    // QUIT lets replies in flight arrive; it would wait forever for a Redis that is away.
    if (this.#redis.status === "ready") {
      await Promise.race([this.#redis.quit().catch(() => {}), new Promise((r) => setTimeout(r, 1000).unref())]);
    }
    this.#redis.disconnect();
  }

  get #channel(): string {
    return `${this.#prefix}events`;
  }

  #key(kind: string, id = ""): string {
    return `${this.#prefix}${kind}${id}`;
  }

  async #require(id: string): Promise<Job> {
    const job = await this.get(id);
    if (!job) throw new JobStoreError("unknown-job", `no job ${id}`, { jobId: id });
    return job;
  }

  /** One attempt, bounded by `timeoutMs`: the webhook path must answer GitHub even when Redis is away. */
  async #run<T>(doing: string, operation: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new JobStoreError("unavailable", `${doing}: Redis did not answer within ${this.#timeoutMs} ms`)),
        this.#timeoutMs,
      );
    });
    try {
      return await Promise.race([this.#whenReady(Date.now() + this.#timeoutMs).then(operation), timeout]);
    } catch (error) {
      const failure = redisError(error, doing);
      this.#log.error({ err: failure, reason: failure.reason }, `job store failure while ${doing}`);
      throw failure;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Resolves once the command connection is up (at start-up, or after Redis came back), or gives up at `deadline`. */
  async #whenReady(deadline: number): Promise<void> {
    while (this.#redis.status !== "ready") {
      if (this.#closed || Date.now() >= deadline) throw new JobStoreError("unavailable", "Redis is not connected");
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.#redis.off("ready", done);
          resolve();
        };
        const timer = setTimeout(done, 50);
        this.#redis.once("ready", done);
      });
    }
  }

  /** Retries an idempotent write through a Redis outage (a worker must not forget how its job ended). */
  async #retry(doing: string, operation: () => Promise<unknown>): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.#run(doing, operation);
        return;
      } catch (error) {
        if (!(error instanceof JobStoreError) || error.reason !== "unavailable" || this.#closed || attempt >= 60) throw error;
        await new Promise((r) => setTimeout(r, Math.min(2000, 100 * 2 ** attempt)));
      }
    }
  }

  #onMessage(message: string): void {
    if (message === "runnable") this.#signals.runnable();
    else if (message.startsWith("cancel:")) {
      const id = message.slice("cancel:".length);
      if (this.#claims.has(id)) this.#signals.cancel(id);
    }
  }

  /** Renews the leases of this process's jobs and picks up stop requests missed on the channel. */
  async #heartbeat(): Promise<void> {
    if (this.#closed || this.#claims.size === 0 || this.#redis.status !== "ready") return;
    try {
      const reply = await SCRIPTS.heartbeat.run(this.#redis, [this.#prefix, this.#leaseMs, ...[...this.#claims].flat()]);
      const [lost, stops] = z.tuple([z.array(z.string()), z.array(z.string())]).parse(reply);
      for (const id of stops) this.#signals.cancel(id);
      for (const id of lost) {
        this.#log.error({ jobId: id }, "this worker's claim on a job was taken over; stopping it here");
        this.#signals.cancel(id);
      }
    } catch (error) {
      this.#log.warn({ err: error }, "could not renew job leases; will retry");
    }
  }
}

/** A target's identity in keys: `owner/name|issue|12`. */
function targetKey(repo: RepoName, target: Target): string {
  return `${repoKey(repo)}|${target.kind}|${target.number}`;
}

