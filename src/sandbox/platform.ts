/**
 * How this worker's sandboxes run on its Docker engine, settled once at start-up: the
 * container runtime (e.g. gVisor's `runsc`), checked against the runtimes the engine knows,
 * and the disk quota mechanism the engine supports (`disk-quota.ts`).
 */
import { randomBytes } from "node:crypto";
import type Docker from "dockerode";
import type { Logger } from "pino";
import { z } from "zod";
import { type DiskQuota, describeDiskQuota, volumeOptions } from "./disk-quota.ts";
import { ownerLabels } from "./labels.ts";
import type { SandboxPool } from "./pool.ts";

/** The operator's choices (`DROID_SANDBOX_RUNTIME`, `DROID_SANDBOX_DISK_MB`, `DROID_SANDBOX_DISK_BACKING`). */
export interface SandboxPlatformSettings {
  /** Container runtime, e.g. `runsc` (gVisor); null: the engine's default. */
  runtime: string | null;
  /** Size of each of a sandbox's two volumes (work tree, `/droid`); 0: no quota. */
  diskMb: number;
  /** `quota`: the engine's volume size option (XFS project quota), `tmpfs`: memory-backed volumes, `auto`: quota when the engine has it. */
  diskBacking: "auto" | "quota" | "tmpfs";
  /** Total size of the dependency cache (`DROID_SETUP_CACHE_MB`, setup-cache.ts); 0 or absent: off. */
  setupCacheMb?: number;
  /** Warm containers kept per container specification (`DROID_SANDBOX_POOL`, pool.ts); 0 or absent: none. */
  poolSize?: number;
  /** Total size of the per-repository object mirrors (`DROID_MIRRORS_MB`); 0 or absent: no bound. */
  mirrorsMb?: number;
}

/** What every sandbox of this worker is created with. */
export interface SandboxPlatform {
  /** Passed as `HostConfig.Runtime`; null: the engine's default. */
  runtime: string | null;
  disk: DiskQuota;
  /** Total size of the dependency cache in MiB; 0 or absent: no cache. */
  setupCacheMb?: number;
  /** Total size of the object mirrors in MiB; 0 or absent: no bound. */
  mirrorsMb?: number;
  /** Warm containers (pool.ts), made by the worker at start-up; absent: every sandbox is created on demand. */
  pool?: SandboxPool;
}

export class SandboxPlatformError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SandboxPlatformError";
  }
}

const engineInfo = z.object({ Runtimes: z.record(z.string(), z.unknown()).optional(), DefaultRuntime: z.string().optional() });

/** The runtime sandboxes will use: the configured one if the engine knows it, else the engine's default. */
export async function checkRuntime(docker: Docker, runtime: string | null): Promise<string> {
  const info = engineInfo.parse(await docker.info());
  const known = Object.keys(info.Runtimes ?? {});
  if (runtime === null) return info.DefaultRuntime ?? "runc";
  if (known.includes(runtime)) return runtime;
  throw new SandboxPlatformError(
    `DROID_SANDBOX_RUNTIME=${runtime}, but the Docker engine does not know that runtime (it knows: ${known.join(", ") || "none"}). ` +
      `Install it and register it in the engine's daemon.json ("runtimes"), or unset DROID_SANDBOX_RUNTIME to use the engine's default.`,
  );
}

/** The disk quota the engine can enforce for the operator's choice. */
export async function resolveDiskQuota(docker: Docker, settings: Pick<SandboxPlatformSettings, "diskMb" | "diskBacking">): Promise<DiskQuota> {
  if (settings.diskMb === 0) return { kind: "none" };
  if (settings.diskBacking === "tmpfs") return { kind: "tmpfs", sizeMb: settings.diskMb };
  if (await engineHasVolumeQuota(docker)) return { kind: "quota", sizeMb: settings.diskMb };
  if (settings.diskBacking === "auto") return { kind: "tmpfs", sizeMb: settings.diskMb };
  throw new SandboxPlatformError(
    "DROID_SANDBOX_DISK_BACKING=quota, but the Docker engine cannot size volumes (its data root must be on XFS mounted with pquota). " +
      "Use DROID_SANDBOX_DISK_BACKING=tmpfs (memory-backed) or auto, or DROID_SANDBOX_DISK_MB=0 for no quota.",
  );
}

/** Creates and removes a one-megabyte sized volume: the engine refuses it when it has no quota support. */
async function engineHasVolumeQuota(docker: Docker): Promise<boolean> {
  const name = `droid-quota-probe-${randomBytes(4).toString("hex")}`;
  try {
    await docker.createVolume({ Name: name, Labels: ownerLabels({ jobId: "quota-probe", instance: "probe" }), ...volumeOptions({ kind: "quota", sizeMb: 1 }) });
  } catch (error) {
    if (error instanceof Error && /quota/i.test(error.message)) return false;
    throw error;
  }
  await docker.getVolume(name).remove();
  return true;
}

/**
 * Settles the platform at start-up and says which runtime and quota sandboxes use.
 * Throws `SandboxPlatformError` when the operator's choice cannot be honoured (refuse to start).
 */
export async function prepareSandboxPlatform(docker: Docker, settings: SandboxPlatformSettings, log: Logger): Promise<SandboxPlatform> {
  const runtime = await checkRuntime(docker, settings.runtime);
  const disk = await resolveDiskQuota(docker, settings);
  const source = settings.runtime === null ? "the engine's default" : "DROID_SANDBOX_RUNTIME";
  log.info({ runtime, disk }, `sandboxes run with runtime ${runtime} (${source}); disk: ${describeDiskQuota(disk)}`);
  return { runtime: settings.runtime, disk, setupCacheMb: settings.setupCacheMb ?? 0, mirrorsMb: settings.mirrorsMb ?? 0 };
}

/**
 * `prepareSandboxPlatform`, but an engine that does not answer yet does not stop Droid (its
 * jobs will say so): the settings are used as they are, tmpfs standing in for `auto`.
 * An operator's choice the engine refuses still throws `SandboxPlatformError`.
 */
export async function settleSandboxPlatform(docker: Docker, settings: SandboxPlatformSettings, log: Logger): Promise<SandboxPlatform> {
  try {
    return await prepareSandboxPlatform(docker, settings, log);
  } catch (error) {
    if (error instanceof SandboxPlatformError) throw error;
    log.error({ err: error }, "could not ask the Docker engine about runtimes and volume quotas; using the settings as they are");
    const { runtime, diskMb, diskBacking } = settings;
    return { runtime, disk: diskMb === 0 ? { kind: "none" } : { kind: diskBacking === "quota" ? "quota" : "tmpfs", sizeMb: diskMb }, setupCacheMb: settings.setupCacheMb ?? 0, mirrorsMb: settings.mirrorsMb ?? 0 };
  }
}
