/**
 * Warm sandboxes: a few hardened containers created and started ahead of time for each
 * container specification jobs asked for (image, network, limits, runtime, disk), so a job does
 * not wait for the engine to create one. A pooled container is given to one job and removed
 * with it; the pool starts a replacement in the background. Containers carry the worker
 * instance's labels and the pool label, so `reapContainers` removes what a crash left, and
 * `close()` removes the idle ones at shutdown. Size 0 turns the pool off.
 *
 * The specifications are kept in a record on the worker's disk (pool-record.ts) whenever the set
 * changes; `prewarm` at start-up warms those (or a default job's when there is no record yet),
 * so the first job after a restart finds its container ready too.
 */
import { randomBytes } from "node:crypto";
import type Docker from "dockerode";
import type { Logger } from "pino";
import type { ContainerPlanInput } from "./container-spec.ts";
import { type StartedContainer, removeContainer, startContainer } from "./container-start.ts";
import type { DiskQuota } from "./disk-quota.ts";
import { isNotFound } from "./image.ts";
import { readPoolRecord, writePoolRecord } from "./pool-record.ts";

/** What a pooled container was made with: a job's request must match it exactly. */
export type PoolSpec = Omit<ContainerPlanInput, "owner" | "suffix" | "setupCacheVolume"> & { disk: DiskQuota };

/** The job id pooled containers carry until a job takes one (labels cannot change). */
export const POOL_JOB_ID = "pool";
/** Specifications kept warm at once; the one asked for least recently is dropped beyond this. */
const MAX_SPECS = 4;

export interface SandboxPoolOptions {
  /** Containers kept ready per specification (`DROID_SANDBOX_POOL`); 0: none. */
  size: number;
  /** The worker instance (labels; `reapContainers` at the next start removes what is left). */
  instance: string;
  /** Where the specifications are kept for the next start (`<data dir>/sandbox-pool.json`); absent: nowhere. */
  recordFile?: string;
  logger: Logger;
}

interface Shelf {
  spec: PoolSpec;
  ready: StartedContainer[];
  starting: number;
  lastAsked: number;
}

export class SandboxPool {
  readonly size: number;
  readonly #docker: Docker;
  readonly #options: SandboxPoolOptions;
  readonly #shelves = new Map<string, Shelf>();
  readonly #filling = new Set<Promise<void>>();
  /** The record's writes, one after the other (the first waits for `prewarm` to have read it). */
  #saving: Promise<void> = Promise.resolve();
  /** The set of specifications last written to the record or warmed from it (`setKey`); null: neither yet. */
  #recorded: string | null = null;
  #closed = false;

  constructor(docker: Docker, options: SandboxPoolOptions) {
    this.size = options.size;
    this.#docker = docker;
    this.#options = options;
  }

  /**
   * At start-up: starts containers in the background for the specifications the record holds
   * (those jobs asked for last), or for `fallback` (a default job's) when there is no usable
   * record. Returns at once; `settled()` resolves once they are ready. An image no longer on the
   * engine is dropped (never pulled).
   */
  prewarm(fallback: PoolSpec | null): void {
    if (this.size === 0 || this.#closed) return;
    const warming = this.#prewarm(fallback).catch((error: unknown) => this.#options.logger.warn({ err: error }, "could not warm the sandbox pool at start-up"));
    this.#saving = this.#saving.then(() => warming);
    this.#track(warming);
  }

  /**
   * A running container of this specification made ahead of time, or null (none ready, or the
   * pool is off). Either way the pool then starts what it lacks for `spec` in the background.
   */
  async take(spec: PoolSpec): Promise<StartedContainer | null> {
    if (this.size === 0 || this.#closed) return null;
    const shelf = this.#shelf(spec, Date.now());
    let taken: StartedContainer | null = null;
    while (taken === null && shelf.ready.length > 0) {
      const candidate = shelf.ready.shift() ?? null;
      // A container the engine lost meanwhile (a restart, an operator's rm) is skipped.
      const running = await candidate?.container.inspect().then((info) => info.State.Running, () => false);
      if (candidate && running) taken = candidate;
      else if (candidate) await removeContainer(this.#docker, candidate, this.#options.logger);
    }
    this.#fill(shelf);
    return taken;
  }

  /** Starts what the pool lacks for `spec` in the background, taking nothing. */
  keepWarm(spec: PoolSpec): void {
    if (this.size === 0 || this.#closed) return;
    this.#fill(this.#shelf(spec, Date.now()));
  }

  /** Idle containers ready for `spec` (all specifications when absent). */
  idle(spec?: PoolSpec): number {
    if (spec) return this.#shelves.get(specKey(spec))?.ready.length ?? 0;
    return [...this.#shelves.values()].reduce((sum, shelf) => sum + shelf.ready.length, 0);
  }

  /** Resolves once the containers being started now are ready (or failed) and the record is written. */
  async settled(): Promise<void> {
    while (this.#filling.size > 0) await Promise.all(this.#filling);
    await this.#saving;
  }

  /** Stops refilling and removes every idle container (those still starting are removed when ready). */
  async close(): Promise<void> {
    this.#closed = true;
    await this.settled();
    const idle = [...this.#shelves.values()].flatMap((shelf) => shelf.ready.splice(0));
    await Promise.all(idle.map((started) => removeContainer(this.#docker, started, this.#options.logger)));
    if (idle.length > 0) this.#options.logger.info({ removed: idle.length }, "sandbox pool closed");
  }

  async #prewarm(fallback: PoolSpec | null): Promise<void> {
    const { recordFile, logger } = this.#options;
    const record = recordFile ? await readPoolRecord(recordFile) : ({ kind: "absent" } as const);
    if (record.kind === "unusable") logger.warn({ file: recordFile, reason: record.reason }, "ignoring the sandbox pool's record (unreadable, or of another format)");
    const wanted = record.kind === "read" ? record.specs.slice(0, MAX_SPECS) : fallback ? [fallback] : [];
    const images = new Map<string, Promise<boolean>>();
    for (const [rank, spec] of wanted.entries()) {
      const present = images.get(spec.image) ?? this.#imagePresent(spec.image);
      images.set(spec.image, present);
      if (!(await present) || this.#closed) continue;
      // Older than anything a job asks for from now on, in the record's order.
      const shelf = this.#restore(spec, -1 - rank);
      if (shelf) this.#fill(shelf);
    }
    const warming = [...this.#shelves.values()].map((shelf) => shelf.spec.image);
    if (warming.length > 0) logger.info({ specifications: warming.length, images: [...new Set(warming)], source: record.kind === "read" ? "record" : "default job" }, "warming the sandbox pool");
    // Warming alone writes nothing (a gone image leaves the record at the next change); a job that
    // asked meanwhile wrote its own specification alone: the record gets the whole set.
    if (this.#recorded === null) this.#recorded = setKey([...this.#shelves.values()].map((shelf) => shelf.spec));
    else this.#save();
  }

  async #imagePresent(image: string): Promise<boolean> {
    try {
      await this.#docker.getImage(image).inspect();
      return true;
    } catch (error) {
      const why = isNotFound(error) ? "the image is no longer on the engine (never pulled)" : "the engine could not say whether the image is there";
      this.#options.logger.warn({ image, ...(isNotFound(error) ? {} : { err: error }) }, `not warming a sandbox specification: ${why}`);
      return false;
    }
  }

  /** The specification's shelf, marked as asked for at `now` (made, and the stalest dropped, if new). */
  #shelf(spec: PoolSpec, now: number): Shelf {
    const key = specKey(spec);
    const shelf = this.#shelves.get(key) ?? { spec, ready: [], starting: 0, lastAsked: 0 };
    shelf.lastAsked = now;
    const added = !this.#shelves.has(key);
    this.#shelves.set(key, shelf);
    const dropped = this.#dropStaleShelves();
    if (added || dropped) this.#save();
    return shelf;
  }

  /** A shelf for a recorded specification unless a job asked for it meanwhile (null when it is dropped at once). */
  #restore(spec: PoolSpec, rank: number): Shelf | null {
    const key = specKey(spec);
    if (this.#shelves.has(key)) return null;
    const shelf = { spec, ready: [], starting: 0, lastAsked: rank };
    this.#shelves.set(key, shelf);
    this.#dropStaleShelves();
    return this.#shelves.get(key) ?? null;
  }

  #fill(shelf: Shelf): void {
    while (!this.#closed && shelf.ready.length + shelf.starting < this.size) {
      shelf.starting++;
      const { disk, ...plan } = shelf.spec;
      const filling = startContainer(this.#docker, { ...plan, owner: { jobId: POOL_JOB_ID, instance: this.#options.instance }, suffix: randomBytes(4).toString("hex") }, disk, this.#options.logger)
        .then(async (started) => {
          // Closed, or the specification was dropped, while it started: nobody will take it.
          if (this.#closed || this.#shelves.get(specKey(shelf.spec)) !== shelf) await removeContainer(this.#docker, started, this.#options.logger);
          else shelf.ready.push(started);
        })
        .catch((error: unknown) => this.#options.logger.warn({ err: error, image: shelf.spec.image }, "could not start a pooled sandbox"))
        .finally(() => {
          shelf.starting--;
        });
      this.#track(filling);
    }
  }

  #track(work: Promise<void>): void {
    const tracked = work.finally(() => this.#filling.delete(tracked));
    this.#filling.add(tracked);
  }

  /** Writes the record when the set of specifications differs from what it holds. */
  #save(): void {
    const file = this.#options.recordFile;
    if (!file) return;
    const specs = [...this.#shelves.values()].sort((a, b) => b.lastAsked - a.lastAsked).map((shelf) => shelf.spec);
    const key = setKey(specs);
    if (key === this.#recorded) return;
    this.#recorded = key;
    this.#saving = this.#saving
      .then(() => writePoolRecord(file, specs))
      .catch((error: unknown) => this.#options.logger.warn({ err: error, file }, "could not write the sandbox pool's record"));
  }

  /** Drops the shelves beyond MAX_SPECS, the ones asked for least recently; whether any was. */
  #dropStaleShelves(): boolean {
    const byAge = [...this.#shelves.entries()].sort(([, a], [, b]) => b.lastAsked - a.lastAsked);
    for (const [key, shelf] of byAge.slice(MAX_SPECS)) {
      this.#shelves.delete(key);
      for (const started of shelf.ready.splice(0)) void removeContainer(this.#docker, started, this.#options.logger);
    }
    return byAge.length > MAX_SPECS;
  }
}

/**
 * A specification as a key: what the container is made with (of the limits, memory, CPUs,
 * processes and `/tmp`; timeouts and output caps are the job's own sandbox's, not the
 * container's, so an investigation's short commands share a fix's warm containers), as JSON
 * with its objects' keys sorted, so a record's spelling matches a job's.
 */
function specKey(spec: PoolSpec): string {
  const { memoryMb, cpus, pids, tmpMb } = spec.limits;
  return JSON.stringify({ ...spec, limits: { memoryMb, cpus, pids, tmpMb } }, (_key, value: unknown) =>
    value !== null && typeof value === "object" && !Array.isArray(value) ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : value,
  );
}

/** A set of specifications as one key, whatever their order. */
function setKey(specs: readonly PoolSpec[]): string {
  return JSON.stringify(specs.map(specKey).sort());
}
