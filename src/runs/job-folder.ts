/**
 * A job's folder on the worker, `<dataDir>/jobs/<job id>`, and the start from a clean one: a
 * process killed mid-job leaves its folder (a clone with the job's branch already created), and
 * the retry of the job must not trip over it.
 */
import { rm } from "node:fs/promises";
import path from "node:path";
import type Docker from "dockerode";
import type { Logger } from "pino";
import { jobFolder, jobsFolder } from "../config/data-dir.ts";
import { reapJobSandboxes } from "../sandbox/index.ts";

/**
 * Removes `folder` if an earlier attempt left it, and only when it lies strictly inside
 * `<dataDir>/jobs/` (a job id that would lead elsewhere is refused, never followed).
 */
export async function removeLeftoverFolder(dataDir: string, folder: string): Promise<void> {
  const jobs = path.resolve(jobsFolder(dataDir));
  const relative = path.relative(jobs, path.resolve(folder));
  if (relative === "" || relative.startsWith("..") || path.isAbsolute(relative)) {
    throw new Error(`refusing to remove ${folder}: not inside ${jobs}`);
  }
  await rm(folder, { recursive: true, force: true, maxRetries: 3 });
}

/**
 * What an interrupted job that will not run again left on this worker — its folder and its
 * sandboxes — removed (its work is on its branch; the humans are told how to resume).
 */
export async function removeJobLeftovers(deps: { docker: Docker; dataDir: string; log: Logger }, jobId: string): Promise<void> {
  await removeLeftoverFolder(deps.dataDir, jobFolder(deps.dataDir, jobId));
  await reapJobSandboxes(deps.docker, jobId, deps.log).catch((error: unknown) => deps.log.warn({ err: error, jobId }, "could not remove the sandboxes of an interrupted job"));
}
