import type Docker from "dockerode";
import type { Logger } from "pino";
import { containerNamePrefix } from "./container-spec.ts";
import { instanceFilter, jobFilter } from "./labels.ts";
import { POOL_JOB_ID } from "./pool.ts";

export interface ReapResult {
  containers: number;
  volumes: number;
}

/**
 * Removes every container, network and volume a previous run of this worker instance left behind
 * (a crash or a kill skips `remove()`). Call once at start-up, before taking jobs.
 */
export async function reapContainers(docker: Docker, instance: string, logger: Logger): Promise<ReapResult> {
  return reapLabelled(docker, instanceFilter(instance), logger.child({ instance }), "reaped sandboxes left by a previous run");
}

/**
 * Removes every container, network and volume of one job, whichever instance made them: what an
 * earlier attempt of the job left when its process was killed. Call before a retry's new sandbox.
 */
export async function reapJobSandboxes(docker: Docker, jobId: string, logger: Logger): Promise<ReapResult> {
  const log = logger.child({ jobId });
  const labelled = await reapLabelled(docker, jobFilter(jobId), log, "removed the sandbox an earlier attempt of the job left");
  // A pooled container keeps the pool's labels; the job it was given to renamed it.
  const pooled = await docker.listContainers({ all: true, filters: JSON.stringify({ ...jobFilter(POOL_JOB_ID), name: [containerNamePrefix(jobId)] }) });
  let volumes = 0;
  for (const info of pooled) {
    const named = (info.Mounts ?? []).flatMap((mount) => (mount.Type === "volume" && mount.Name ? [mount.Name] : []));
    await docker.getContainer(info.Id).remove({ force: true, v: true });
    for (const volume of named) await docker.getVolume(volume).remove().then(() => volumes++, () => {});
  }
  if (pooled.length > 0) log.info({ containers: pooled.length, volumes }, "removed the pooled sandbox an earlier attempt of the job left");
  return { containers: labelled.containers + pooled.length, volumes: labelled.volumes + volumes };
}

async function reapLabelled(docker: Docker, filter: { label: string[] }, logger: Logger, message: string): Promise<ReapResult> {
  const filters = JSON.stringify(filter);
  const containers = await docker.listContainers({ all: true, filters });
  for (const info of containers) {
    await docker.getContainer(info.Id).remove({ force: true, v: true });
  }
  // Egress networks (egress/gate.ts), once the containers on them are gone; counted in the log line only.
  const networks = await docker.listNetworks({ filters });
  for (const network of networks) {
    await docker.getNetwork(network.Id).remove();
  }
  const { Volumes } = await docker.listVolumes({ filters });
  for (const volume of Volumes ?? []) {
    await docker.getVolume(volume.Name).remove();
  }
  const result = { containers: containers.length, volumes: Volumes?.length ?? 0 };
  if (result.containers + result.volumes + networks.length > 0) logger.info({ ...result, networks: networks.length }, message);
  return result;
}
