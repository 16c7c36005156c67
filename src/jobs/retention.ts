/**
 * Retention: job records that ended more than `DROID_RETENTION_DAYS` days ago are deleted
 * from the store, with their folders under `<dataDir>/jobs/<id>`; so are job folders a crash
 * left behind that old. Queued and running jobs are never touched. Run by every Droid
 * process at start-up and then hourly (deleting is idempotent across processes).
 */
import { readdir, rm, stat } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "pino";
import { isActive, type JobQueue } from "./queue.ts";
import { jobsFolder } from "../config/data-dir.ts";
import type { TranscriptStore } from "./transcript.ts";

const DAY_MS = 24 * 60 * 60 * 1000;

export interface RetentionOptions {
  queue: JobQueue;
  dataDir: string;
  /** Keep ended jobs this many days; 0 keeps them forever. */
  days: number;
  log: Logger;
  /** The jobs' transcripts, pruned with them. */
  transcripts?: Pick<TranscriptStore, "prune">;
  everyMs?: number;
  now?: () => Date;
}

export interface RetentionSweep {
  jobs: number;
  folders: number;
  transcripts: number;
}

/** Deletes what is older than the retention period, once. */
export async function pruneOldJobs(options: RetentionOptions): Promise<RetentionSweep> {
  const cutoff = new Date((options.now?.() ?? new Date()).getTime() - options.days * DAY_MS);
  const jobsDir = jobsFolder(options.dataDir);
  const pruned = await options.queue.prune(cutoff);
  for (const id of pruned) await rm(path.join(jobsDir, id), { recursive: true, force: true });
  const transcripts = (await options.transcripts?.prune(pruned, cutoff)) ?? 0;
  let folders = 0;
  for (const name of await readdir(jobsDir).catch(() => [])) {
    const folder = path.join(jobsDir, name);
    const { mtime } = await stat(folder).catch(() => ({ mtime: new Date() }));
    if (mtime >= cutoff) continue;
    const job = await options.queue.get(name);
    if (job && isActive(job)) continue;
    await rm(folder, { recursive: true, force: true });
    folders += 1;
  }
  return { jobs: pruned.length, folders, transcripts };
}

/** Prunes now and then every `everyMs` (default hourly); returns the function that stops it. */
export function startRetention(options: RetentionOptions): () => void {
  if (options.days === 0) return () => {};
  const log = options.log.child({ name: "retention" });
  const sweep = async () => {
    try {
      const result = await pruneOldJobs(options);
      if (result.jobs + result.folders + result.transcripts > 0) log.info({ ...result, days: options.days }, "pruned jobs that ended before the retention period");
    } catch (error) {
      log.error({ err: error }, "could not prune old jobs; will retry");
    }
  };
  void sweep();
  const timer = setInterval(() => void sweep(), options.everyMs ?? 60 * 60 * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
