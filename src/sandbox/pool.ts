/**
 * Warm sandboxes: a few hardened containers created and started ahead of time for each
 * container specification jobs asked for (image, network, limits, runtime, disk), so a job does
 * not wait for the engine to create one. A pooled container is given to one job and removed
 * with it; the pool starts a replacement in the background. Containers carry the worker
 * instance's labels and the pool label, so `reapContainers` removes what a crash left, and
 * `close()` removes the idle ones at shutdown. Size 0 turns the pool off.
 */
import { randomBytes } from "node:crypto";
import type Docker from "dockerode";
import type { Logger } from "pino";
import type { ContainerPlanInput } from "./container-spec.ts";
import { type StartedContainer, removeContainer, startContainer } from "./container-start.ts";
import type { DiskQuota } from "./disk-quota.ts";

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
  #closed = false;

  constructor(docker: Docker, options: SandboxPoolOptions) {
    this.size = options.size;
    this.#docker = docker;
    this.#options = options;
  }

  /**
   * A running container of this specification made ahead of time, or null (none ready, or the
   * pool is off). Either way the pool then starts what it lacks for `spec` in the background.
   */
  async take(spec: PoolSpec): Promise<StartedContainer | null> {
    if (this.size === 0 || this.#closed) return null;
    const shelf = this.#shelf(spec);
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

  /** Starts what the pool lacks for `spec` in the background, taking nothing (e.g. at start-up). */
  keepWarm(spec: PoolSpec): void {
    if (this.size === 0 || this.#closed) return;
    this.#fill(this.#shelf(spec));
  }

  /** Idle containers ready for `spec` (all specifications when absent). */
  idle(spec?: PoolSpec): number {
    if (spec) return this.#shelves.get(JSON.stringify(spec))?.ready.length ?? 0;
    return [...this.#shelves.values()].reduce((sum, shelf) => sum + shelf.ready.length, 0);
  }

  /** Resolves once the containers being started now are ready (or failed). */
  async settled(): Promise<void> {
    while (this.#filling.size > 0) await Promise.all(this.#filling);
  }

  /** Stops refilling and removes every idle container (those still starting are removed when ready). */
  async close(): Promise<void> {
    this.#closed = true;
    await this.settled();
    const idle = [...this.#shelves.values()].flatMap((shelf) => shelf.ready.splice(0));
    await Promise.all(idle.map((started) => removeContainer(this.#docker, started, this.#options.logger)));
    if (idle.length > 0) this.#options.logger.info({ removed: idle.length }, "sandbox pool closed");
  }

  /** The specification's shelf, marked as asked for now (made, and the stalest dropped, if new). */
  #shelf(spec: PoolSpec): Shelf {
    const key = JSON.stringify(spec);
    const shelf = this.#shelves.get(key) ?? { spec, ready: [], starting: 0, lastAsked: 0 };
    shelf.lastAsked = Date.now();
    this.#shelves.set(key, shelf);
    this.#dropStaleShelves();
    return shelf;
  }

  #fill(shelf: Shelf): void {
    while (!this.#closed && shelf.ready.length + shelf.starting < this.size) {
      shelf.starting++;
      const { disk, ...plan } = shelf.spec;
      const filling = startContainer(this.#docker, { ...plan, owner: { jobId: POOL_JOB_ID, instance: this.#options.instance }, suffix: randomBytes(4).toString("hex") }, disk, this.#options.logger)
        .then(async (started) => {
          // Closed, or the specification was dropped, while it started: nobody will take it.
          if (this.#closed || !this.#shelves.has(JSON.stringify(shelf.spec))) await removeContainer(this.#docker, started, this.#options.logger);
          else shelf.ready.push(started);
        })
        .catch((error: unknown) => this.#options.logger.warn({ err: error, image: shelf.spec.image }, "could not start a pooled sandbox"))
        .finally(() => {
          shelf.starting--;
          this.#filling.delete(filling);
        });
      this.#filling.add(filling);
    }
  }

  #dropStaleShelves(): void {
    const byAge = [...this.#shelves.entries()].sort(([, a], [, b]) => b.lastAsked - a.lastAsked);
    for (const [key, shelf] of byAge.slice(MAX_SPECS)) {
      this.#shelves.delete(key);
      for (const started of shelf.ready.splice(0)) void removeContainer(this.#docker, started, this.#options.logger);
    }
  }
}
