/**
 * A hardened container created and started from its plan, with its two volumes and their
 * folders handed to the sandbox user: what a job's sandbox runs in, made on demand or ahead of
 * time by the pool (pool.ts).
 */
import type Docker from "dockerode";
import type { Logger } from "pino";
import { packEntries } from "./archive-pack.ts";
import { SANDBOX_GID, SANDBOX_UID, WORKDIR, type ContainerPlanInput, planContainer } from "./container-spec.ts";
import { type DiskQuota, volumeOptions } from "./disk-quota.ts";
import { STATE_DIR } from "./exec.ts";
import { isNotFound } from "./image.ts";

export interface StartedContainer {
  container: Docker.Container;
  /** The work tree's and `/droid`'s volumes, removed with the container. */
  volumes: string[];
}

const OWNER = { uid: SANDBOX_UID, gid: SANDBOX_GID };

/** Creates the plan's volumes and container, starts it, and gives its folders to the sandbox user. */
export async function startContainer(docker: Docker, input: ContainerPlanInput, disk: DiskQuota, logger: Logger): Promise<StartedContainer> {
  const plan = planContainer(input);
  const labels = plan.create.Labels ?? {};
  const volumes = [plan.workVolume, plan.stateVolume];
  let container: Docker.Container | null = null;
  try {
    for (const volume of volumes) await docker.createVolume({ Name: volume, Labels: labels, ...volumeOptions(disk) });
    container = await docker.createContainer(plan.create);
    await container.start();
    // Volumes of images without these folders start root-owned: hand them to the sandbox user.
    await container.putArchive(packEntries([{ type: "directory", name: "./" }], OWNER), { path: WORKDIR });
    const stateFolders = ["./", "home/", "out/", "run/"].map((name) => ({ type: "directory" as const, name }));
    await container.putArchive(packEntries(stateFolders, OWNER), { path: STATE_DIR });
    return { container, volumes };
  } catch (error) {
    await removeContainer(docker, { container, volumes }, logger);
    throw error;
  }
}

/** Removes a container and its volumes; what is already gone is fine, other failures are logged. */
export async function removeContainer(docker: Docker, started: { container: Docker.Container | null; volumes: readonly string[] }, logger: Logger): Promise<void> {
  const { container } = started;
  if (container) {
    await container.remove({ force: true, v: true }).catch((error: unknown) => {
      if (!isNotFound(error)) logger.warn({ err: error, container: container.id.slice(0, 12) }, "could not remove sandbox container");
    });
  }
  for (const volume of started.volumes) {
    await docker.getVolume(volume).remove().catch((error: unknown) => {
      if (!isNotFound(error)) logger.warn({ err: error, volume }, "could not remove sandbox volume");
    });
  }
}
