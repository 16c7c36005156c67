import type Docker from "dockerode";
import { type SandboxOwner, ownerLabels } from "./labels.ts";
import type { NetworkPolicy, SandboxLimits } from "./settings.ts";
import { STATE_DIR } from "./exec.ts";
import { REAPER_CAPABILITIES, REAPER_PROCESS } from "./process-reaper.ts";

/** The work tree inside the sandbox (a volume). */
export const WORKDIR = "/workspace";
/** The unprivileged user every command runs as; files copied in are owned by it. */
export const SANDBOX_UID = 1000;
export const SANDBOX_GID = 1000;
export const SANDBOX_USER = `${SANDBOX_UID}:${SANDBOX_GID}`;

export interface ContainerPlan {
  name: string;
  workVolume: string;
  stateVolume: string;
  create: Docker.ContainerCreateOptions;
}

export interface ContainerPlanInput {
  owner: SandboxOwner;
  image: string;
  network: NetworkPolicy;
  limits: SandboxLimits;
  /** Container runtime, e.g. "runsc" for gVisor; null for the engine's default. */
  runtime: string | null;
  /** MiB the volumes may take from the memory cgroup (tmpfs-backed volumes, see `disk-quota.ts`). */
  volumeMemoryMb?: number;
  /** Network used while the policy allows network access (default "bridge"). */
  networkName: string;
  /** Unique suffix for names. */
  suffix: string;
  /** A dependency cache entry's volume, mounted read only at `/droid-cache` (setup-cache.ts). */
  setupCacheVolume?: string;
}

/** The start of the names of a job's containers and volumes (a pooled container is renamed to it when a job takes it). */
export function containerNamePrefix(jobId: string): string {
  return `droid-${jobId.replace(/[^a-zA-Z0-9_.-]/g, "-").slice(0, 40)}-`;
}

/**
 * The hardened container Droid runs a job's commands in. Pure: tests can inspect it. Its main
 * process is the process reaper (`process-reaper.ts`); every command is a `docker exec` as
 * SANDBOX_USER.
 */
export function planContainer(input: ContainerPlanInput): ContainerPlan {
  const base = `${containerNamePrefix(input.owner.jobId)}${input.suffix}`;
  const labels = ownerLabels(input.owner);
  const workVolume = `${base}-work`;
  const stateVolume = `${base}-state`;
  const memoryBytes = (input.limits.memoryMb + (input.volumeMemoryMb ?? 0)) * 1024 * 1024;
  const hostConfig: Docker.HostConfig = {
    NetworkMode: input.network === "none" ? "none" : input.networkName,
    CapDrop: ["ALL"],
    CapAdd: REAPER_CAPABILITIES,
    SecurityOpt: ["no-new-privileges:true"],
    Privileged: false,
    PidsLimit: input.limits.pids,
    Memory: memoryBytes,
    MemorySwap: memoryBytes,
    NanoCpus: Math.round(input.limits.cpus * 1e9),
    ReadonlyRootfs: true,
    Tmpfs: { "/tmp": `rw,nosuid,nodev,exec,size=${input.limits.tmpMb}m,mode=1777` },
    Mounts: [
      { Type: "volume", Source: workVolume, Target: WORKDIR, ReadOnly: false },
      { Type: "volume", Source: stateVolume, Target: STATE_DIR, ReadOnly: false },
      ...(input.setupCacheVolume ? [{ Type: "volume" as const, Source: input.setupCacheVolume, Target: "/droid-cache", ReadOnly: true }] : []),
    ],
    Init: true,
    AutoRemove: false,
    ...(input.runtime ? { Runtime: input.runtime } : {}),
  };
  return {
    name: base,
    workVolume,
    stateVolume,
    create: {
      name: base,
      Image: input.image,
      ...REAPER_PROCESS,
      Entrypoint: [""],
      // An image's HEALTHCHECK would run its own command as the container's user (root): none.
      Healthcheck: { Test: ["NONE"] },
      WorkingDir: WORKDIR,
      Env: [`HOME=${STATE_DIR}/home`, "CI=true", "LANG=C.UTF-8", "PAGER=cat", "GIT_PAGER=cat", "TMPDIR=/tmp"],
      Labels: labels,
      HostConfig: hostConfig,
    },
  };
}
