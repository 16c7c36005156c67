/**
 * Chooses the queue backend from the settings: Redis when `DROID_QUEUE_URL`
 * is set (scale-out), otherwise the embedded SQLite store in `DROID_DATA_DIR`.
 */
import type { Logger } from "pino";
import type { JobQueue } from "./queue.ts";
import { RedisJobQueue } from "./redis-queue.ts";
import { SqliteJobQueue } from "./sqlite-queue.ts";

export interface QueueSettings {
  dataDir: string;
  queueUrl: string | undefined;
}

export function openJobQueue(settings: QueueSettings, log: Logger): JobQueue {
  const queueLog = log.child({ name: "jobs" });
  if (settings.queueUrl) return new RedisJobQueue({ url: settings.queueUrl, log: queueLog });
  return new SqliteJobQueue({ dataDir: settings.dataDir, log: queueLog });
}

/** Where jobs live, for the start-up log line (never the URL: it may hold a password). */
export function describeQueue(settings: QueueSettings): string {
  if (!settings.queueUrl) return `SQLite in ${settings.dataDir}`;
  const url = new URL(settings.queueUrl);
  return `Redis at ${url.host}`;
}
