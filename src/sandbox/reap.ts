import type Docker from "dockerode";
import type { Logger } from "pino";
import { instanceFilter, jobFilter } from "./labels.ts";

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
  return reapLabelled(docker, jobFilter(jobId), logger.child({ jobId }), "removed the sandbox an earlier attempt of the job left");
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
