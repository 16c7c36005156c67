/**
 * The SQLite job store's schema, versioned by `PRAGMA user_version`: migration N turns a
 * version N-1 database into version N. Append migrations; never edit a released one.
 */
import type { DatabaseSync } from "node:sqlite";
import { JobStoreError } from "./store-errors.ts";

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE jobs (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     id TEXT NOT NULL UNIQUE,
     delivery_id TEXT NOT NULL UNIQUE,
     kind TEXT NOT NULL,
     repo TEXT NOT NULL,
     repo_ref TEXT NOT NULL,
     target_kind TEXT NOT NULL,
     target_number INTEGER NOT NULL,
     requester TEXT NOT NULL,
     trigger_comment_id INTEGER,
     request TEXT NOT NULL,
     lock_key TEXT NOT NULL,
     state TEXT NOT NULL CHECK (state IN ('queued','running','succeeded','failed','cancelled','interrupted')),
     attempts INTEGER NOT NULL DEFAULT 0,
     created_at INTEGER NOT NULL,
     started_at INTEGER,
     ended_at INTEGER,
     cost_usd REAL NOT NULL DEFAULT 0,
     links TEXT NOT NULL DEFAULT '{}',
     error TEXT,
     cancel_requested INTEGER NOT NULL DEFAULT 0,
     worker_id TEXT,
     claim_token TEXT,
     owner TEXT,
     heartbeat_at INTEGER,
     collected INTEGER NOT NULL DEFAULT 0
   );
   CREATE UNIQUE INDEX jobs_one_active_per_target ON jobs (repo, target_kind, target_number, kind)
     WHERE state IN ('queued', 'running');
   CREATE UNIQUE INDEX jobs_one_running_per_lock ON jobs (lock_key) WHERE state = 'running';
   CREATE INDEX jobs_by_state ON jobs (state, seq);
   CREATE INDEX jobs_by_target ON jobs (repo, target_kind, target_number, seq);
   CREATE TABLE repo_turns (repo TEXT PRIMARY KEY, served INTEGER NOT NULL);`,
  // Revisions of one branch queue up (the branch lock keeps them in order) instead of deduping.
  `DROP INDEX jobs_one_active_per_target;
   CREATE UNIQUE INDEX jobs_one_active_per_target ON jobs (repo, target_kind, target_number, kind)
     WHERE state IN ('queued', 'running') AND kind <> 'revise';`,
  // Daily caps sum costs by repository and installation; retention prunes by end time; the
  // Sentry → GitHub issue map outlives restarts.
  `ALTER TABLE jobs ADD COLUMN installation_id INTEGER GENERATED ALWAYS AS (json_extract(repo_ref, '$.installationId')) VIRTUAL;
   CREATE INDEX jobs_by_installation ON jobs (installation_id, created_at);
   CREATE INDEX jobs_by_repo_created ON jobs (repo, created_at);
   CREATE INDEX jobs_by_end ON jobs (ended_at) WHERE state NOT IN ('queued', 'running');
   CREATE TABLE incidents (
     repo TEXT NOT NULL,
     sentry_issue_id TEXT NOT NULL,
     issue_number INTEGER NOT NULL,
     PRIMARY KEY (repo, sentry_issue_id)
   ) WITHOUT ROWID;`,
  // Why each job ended (`OutcomeKind`; NULL for jobs that ended before), and the merges of
  // Droid's pull requests (`droid stats`).
  `ALTER TABLE jobs ADD COLUMN outcome TEXT;
   CREATE TABLE merges (
     repo TEXT NOT NULL,
     number INTEGER NOT NULL,
     merged_at INTEGER NOT NULL,
     PRIMARY KEY (repo, number)
   ) WITHOUT ROWID;`,
  // CI revisions queue up on their branch too (one per head commit, by delivery id).
  `DROP INDEX jobs_one_active_per_target;
   CREATE UNIQUE INDEX jobs_one_active_per_target ON jobs (repo, target_kind, target_number, kind)
     WHERE state IN ('queued', 'running') AND kind NOT IN ('revise', 'ci-revision');`,
  // One-time notices (the CI stop comment of a pull request): the delivery that posts each.
  `CREATE TABLE notices (
     key TEXT PRIMARY KEY,
     delivery_id TEXT NOT NULL,
     claimed_at INTEGER NOT NULL
   ) WITHOUT ROWID;`,
  // Who asked to stop a job (`Job.stoppedBy`; NULL for jobs stopped before, and when nobody did).
  `ALTER TABLE jobs ADD COLUMN stopped_by TEXT;`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Brings the database to `SCHEMA_VERSION`. Call inside a write transaction. */
export function migrate(db: DatabaseSync): void {
  const row = db.prepare("PRAGMA user_version").get();
  const version = typeof row?.user_version === "number" ? row.user_version : 0;
  if (version > SCHEMA_VERSION) {
    throw new JobStoreError("schema-too-new", `database schema ${version}, this Droid knows up to ${SCHEMA_VERSION}`);
  }
  for (let next = version; next < SCHEMA_VERSION; next++) {
    db.exec(MIGRATIONS[next] ?? "");
  }
  if (version !== SCHEMA_VERSION) db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
}
