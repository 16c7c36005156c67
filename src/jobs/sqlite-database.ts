/**
 * The SQLite file behind the embedded queue: opened and migrated in one immediate
 * transaction (several processes may start at once), then written in short
 * `BEGIN IMMEDIATE` transactions that wait for other processes' locks without blocking
 * the event loop for more than a slice, and read with the same patience. Statements
 * are compiled once per connection. Failures become `JobStoreError`s, logged once.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync, type StatementSync } from "node:sqlite";
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "pino";
import { isBusy, storeError } from "./sqlite-errors.ts";
import { migrate } from "./sqlite-schema.ts";
import { JobStoreError } from "./store-errors.ts";

/** How long one attempt at a lock blocks the event loop; `transaction` retries until `lockTimeoutMs`. */
const BUSY_SLICE_MS = 20;

export class JobDatabase {
  readonly #db: DatabaseSync;
  readonly #log: Logger;
  readonly #lockTimeoutMs: number;
  readonly #statements = new Map<string, StatementSync>();

  constructor(options: { dataDir: string; file: string; lockTimeoutMs: number; log: Logger }) {
    this.#log = options.log;
    this.#lockTimeoutMs = options.lockTimeoutMs;
    const file = join(options.dataDir, options.file);
    this.#db = openDatabase(options.dataDir, file);
    try {
      // Opening may wait for another process that opens or migrates the same file at once
      // (several `droid` processes starting together); later writes wait without blocking.
      this.#db.exec(`PRAGMA busy_timeout = ${this.#lockTimeoutMs}`);
      this.#db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;");
      this.#db.exec("BEGIN IMMEDIATE");
      try {
        migrate(this.#db);
        this.#db.exec("COMMIT");
      } catch (error) {
        this.#db.exec("ROLLBACK");
        throw error;
      }
      this.#db.exec(`PRAGMA busy_timeout = ${BUSY_SLICE_MS}`);
    } catch (error) {
      this.#db.close();
      throw storeError(error, `opening ${file}`);
    }
  }

  /** Runs `work` in a write transaction, waiting (without blocking the event loop) for other processes' locks. */
  async transaction<T>(work: () => T): Promise<T> {
    const deadline = Date.now() + this.#lockTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      try {
        this.#db.exec("BEGIN IMMEDIATE");
      } catch (error) {
        if (isBusy(error) && Date.now() < deadline) {
          await sleep(Math.min(50, 2 + attempt * 3) * (0.5 + Math.random()));
          continue;
        }
        throw this.#fail(error, "starting a transaction");
      }
      try {
        const result = work();
        this.#db.exec("COMMIT");
        return result;
      } catch (error) {
        if (this.#db.isTransaction) this.#db.exec("ROLLBACK");
        if (error instanceof JobStoreError) throw error;
        throw this.#fail(error, "writing a job");
      }
    }
  }

  async read<T>(work: () => T): Promise<T> {
    const deadline = Date.now() + this.#lockTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return work();
      } catch (error) {
        if (!isBusy(error) || Date.now() >= deadline) throw this.#fail(error, "reading jobs");
        await sleep(Math.min(50, 2 + attempt * 3));
      }
    }
  }

  /** A prepared statement, compiled once per connection. */
  sql(text: string): StatementSync {
    let statement = this.#statements.get(text);
    if (!statement) {
      statement = this.#db.prepare(text);
      this.#statements.set(text, statement);
    }
    return statement;
  }

  exec(text: string): void {
    this.#db.exec(text);
  }

  close(): void {
    this.#db.close();
  }

  #fail(error: unknown, doing: string): JobStoreError {
    const failure = storeError(error, doing);
    this.#log.error({ err: failure, reason: failure.reason }, `job store failure while ${doing}`);
    return failure;
  }
}

function openDatabase(dataDir: string, file: string): DatabaseSync {
  try {
    mkdirSync(dataDir, { recursive: true });
    return new DatabaseSync(file, { timeout: BUSY_SLICE_MS });
  } catch (error) {
    throw storeError(error, `opening ${file}`);
  }
}
