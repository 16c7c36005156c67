/**
 * A job's folder on the worker, `<dataDir>/jobs/<job id>`, and the start from a clean one: a
 * process killed mid-job leaves its folder (a clone with the job's branch already created), and
 * the retry of the job must not trip over it.
 */
import { rm } from "node:fs/promises";
import path from "node:path";
import { jobsFolder } from "../config/data-dir.ts";

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
