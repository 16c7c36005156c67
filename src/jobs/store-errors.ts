/**
 * Typed failures of a durable job store. The webhook handler and the worker catch
 * `JobStoreError`, log it with `reason`, and tell the human `userMessage` (which never
 * contains a path, a stack or a secret).
 */

export type JobStoreFailure =
  /** Another process holds the database lock for longer than the lock timeout. */
  | "locked"
  /** The disk (or the database's size limit) is full. */
  | "disk-full"
  /** The database or its directory cannot be written. */
  | "read-only"
  /** The database file is damaged or is not a database. */
  | "corrupt-database"
  /** One stored job does not parse; the others are fine. */
  | "corrupt-record"
  /** The database was written by a newer Droid (unknown schema version). */
  | "schema-too-new"
  /** The store is unreachable (Redis down, I/O error). */
  | "unavailable"
  /** The job is no longer running under this worker (it was recovered elsewhere). */
  | "lost-lease"
  | "unknown-job";

const USER_MESSAGES: Record<JobStoreFailure, string> = {
  locked: "Droid's job store is busy (locked by another process); please try again in a minute.",
  "disk-full": "Droid's job store is out of disk space; an operator needs to free space. Please try again later.",
  "read-only": "Droid's job store cannot be written (read-only); an operator needs to fix its permissions.",
  "corrupt-database": "Droid's job store is damaged; an operator needs to restore it.",
  "corrupt-record": "A job record in Droid's store is damaged and was set aside; please ask again.",
  "schema-too-new": "Droid's job store was written by a newer Droid version; an operator needs to upgrade.",
  unavailable: "Droid's job store is unreachable; please try again in a minute.",
  "lost-lease": "This job was taken over after its worker stopped responding.",
  "unknown-job": "Droid does not know this job.",
};

export class JobStoreError extends Error {
  readonly reason: JobStoreFailure;
  /** The job concerned, when there is one (corrupt record, lost lease). */
  readonly jobId: string | undefined;

  constructor(reason: JobStoreFailure, detail: string, options: { cause?: unknown; jobId?: string } = {}) {
    super(`job store ${reason}: ${detail}`, { cause: options.cause });
    this.name = "JobStoreError";
    this.reason = reason;
    this.jobId = options.jobId;
  }

  /** What to tell the human on GitHub. */
  get userMessage(): string {
    return USER_MESSAGES[this.reason];
  }
}

export function isJobStoreError(error: unknown): error is JobStoreError {
  return error instanceof JobStoreError;
}
