/**
 * SQLite and file-system failures translated into typed, reportable `JobStoreError`s.
 * node:sqlite reports the SQLite result code as `errcode` (extended codes keep the
 * primary code in their low byte).
 */
import { z } from "zod";
import { JobStoreError, type JobStoreFailure } from "./store-errors.ts";

const SQLITE_FAILURES: Record<number, JobStoreFailure> = {
  5: "locked", // SQLITE_BUSY
  6: "locked", // SQLITE_LOCKED
  8: "read-only", // SQLITE_READONLY
  10: "unavailable", // SQLITE_IOERR
  11: "corrupt-database", // SQLITE_CORRUPT
  13: "disk-full", // SQLITE_FULL
  14: "read-only", // SQLITE_CANTOPEN
  23: "read-only", // SQLITE_AUTH / permission
  26: "corrupt-database", // SQLITE_NOTADB
};

const sqliteErrorSchema = z.object({ errcode: z.number(), errstr: z.string().optional(), message: z.string() });

/** Translates a SQLite or file-system failure into a typed, reportable error. */
export function storeError(error: unknown, doing: string): JobStoreError {
  if (error instanceof JobStoreError) return error;
  const sqlite = sqliteErrorSchema.safeParse(error);
  if (sqlite.success) {
    const reason = SQLITE_FAILURES[sqlite.data.errcode & 0xff] ?? "unavailable";
    return new JobStoreError(reason, `${doing}: ${sqlite.data.message}`, { cause: error });
  }
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const reason: JobStoreFailure =
    code === "ENOSPC" ? "disk-full" : code === "EACCES" || code === "EROFS" || code === "EPERM" ? "read-only" : "unavailable";
  return new JobStoreError(reason, `${doing}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}

export function isBusy(error: unknown): boolean {
  const sqlite = sqliteErrorSchema.safeParse(error);
  return sqlite.success && [5, 6].includes(sqlite.data.errcode & 0xff);
}


