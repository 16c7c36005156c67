/**
 * The disk quota of a sandbox's two volumes (the work tree and `/droid`). Docker has no
 * quota for ordinary volumes on overlay2/ext4, so there are two real mechanisms, both
 * working on a remote engine (no host path, no privileges):
 *
 * - `quota`: the `local` driver's `size` option, an XFS project quota on the engine's data
 *   root. Disk-backed; needs the engine's data root on XFS mounted with `pquota`.
 * - `tmpfs`: `local` volumes of type tmpfs with a `size`. Works on every Linux engine, but
 *   memory-backed: what the sandbox writes there is charged to its memory cgroup, so the
 *   container's memory limit grows by both volumes' sizes (a full disk still leaves
 *   `limits.memoryMb` to the processes, and a write past the size fails with ENOSPC
 *   instead of an OOM kill).
 *
 * Either way a `dd` that fills a volume fails inside the sandbox, and the engine's disk
 * is untouched beyond the quota. docs/sandbox.md has the measurements.
 */
import type Docker from "dockerode";
import { SANDBOX_GID, SANDBOX_UID } from "./container-spec.ts";

export type DiskQuota =
  | { kind: "none" }
  | { kind: "quota"; sizeMb: number }
  | { kind: "tmpfs"; sizeMb: number };

export const NO_DISK_QUOTA: DiskQuota = { kind: "none" };

/** The volume driver and options that give a volume the quota. */
export function volumeOptions(disk: DiskQuota): Pick<Docker.VolumeCreateOptions, "Driver" | "DriverOpts"> {
  switch (disk.kind) {
    case "none":
      return {};
    case "quota":
      return { Driver: "local", DriverOpts: { size: `${disk.sizeMb}m` } };
    case "tmpfs":
      return {
        Driver: "local",
        DriverOpts: { type: "tmpfs", device: "tmpfs", o: `size=${disk.sizeMb}m,uid=${SANDBOX_UID},gid=${SANDBOX_GID},mode=0755,nosuid,nodev` },
      };
  }
}

/** MiB the volumes may take from the container's memory cgroup (tmpfs pages are charged to it). */
export function volumeMemoryMb(disk: DiskQuota): number {
  return disk.kind === "tmpfs" ? 2 * disk.sizeMb : 0;
}

export function describeDiskQuota(disk: DiskQuota): string {
  switch (disk.kind) {
    case "none":
      return "no disk quota on the sandbox's volumes";
    case "quota":
      return `${disk.sizeMb} MiB per sandbox volume, disk-backed (the engine's volume quota)`;
    case "tmpfs":
      return `${disk.sizeMb} MiB per sandbox volume, memory-backed (tmpfs; the memory limit grows by both volumes' sizes)`;
  }
}
