/**
 * The layout of `DROID_DATA_DIR` that more than one layer relies on: the job folders runs
 * work in (`<dataDir>/jobs/<job id>`) and retention prunes, and the worker's own files (the
 * sandbox pool's record, written by `sandbox/pool.ts` at the path the worker gives it).
 */
import path from "node:path";

/** `<dataDir>/jobs`: one folder per job. */
export function jobsFolder(dataDir: string): string {
  return path.join(dataDir, "jobs");
}

/** `<dataDir>/jobs/<jobId>`, or `sub` inside it. */
export function jobFolder(dataDir: string, jobId: string, ...sub: string[]): string {
  return path.join(jobsFolder(dataDir), jobId, ...sub);
}

/** `<dataDir>/mirrors`: one bare repository per repository, the objects every job of it fetches into. */
export function mirrorsFolder(dataDir: string): string {
  return path.join(dataDir, "mirrors");
}

/** `<dataDir>/sandbox-pool.json`: the container specifications the sandbox pool warms at the next start. */
export function poolRecordFile(dataDir: string): string {
  return path.join(dataDir, "sandbox-pool.json");
}
