/**
 * Transcripts next to the embedded job store: `<dataDir>/transcripts.db` (one row per
 * run, one per entry) and the full command logs as files `<dataDir>/transcripts/<job
 * id>/<name>.log` — outside the job's working folder, which is removed when the job ends.
 * Writes are small and few (a handful per model turn); readers (the run pages) never
 * block the writer (WAL).
 */
import { mkdirSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { checkNames, isJobId, repoIndexKey, type RunSummary, type TranscriptEntry, type TranscriptRecord, type TranscriptStore } from "./transcript.ts";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS runs (
  job_id TEXT PRIMARY KEY,
  repo_key TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  ended_at INTEGER,
  summary TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_by_repo ON runs (repo_key, created_at DESC);
CREATE TABLE IF NOT EXISTS entries (
  job_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  at INTEGER NOT NULL,
  data TEXT NOT NULL,
  PRIMARY KEY (job_id, seq)
);
`;

/** `<dataDir>/transcripts`: one folder of full command logs per job. */
export function transcriptsFolder(dataDir: string): string {
  return path.join(dataDir, "transcripts");
}

export class SqliteTranscriptStore implements TranscriptStore {
  readonly #db: DatabaseSync;
  readonly #folder: string;

  constructor(options: { dataDir: string; file?: string }) {
    mkdirSync(options.dataDir, { recursive: true });
    this.#folder = transcriptsFolder(options.dataDir);
    this.#db = new DatabaseSync(path.join(options.dataDir, options.file ?? "transcripts.db"), { timeout: 2_000 });
    this.#db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
    this.#db.exec(SCHEMA);
  }

  async begin(run: Omit<RunSummary, "ended">): Promise<void> {
    checkNames(run.jobId);
    this.#db
      .prepare("INSERT INTO runs (job_id, repo_key, created_at, summary) VALUES (?, ?, ?, ?) ON CONFLICT (job_id) DO UPDATE SET summary = excluded.summary, ended_at = NULL")
      .run(run.jobId, repoIndexKey(run.repo), run.createdAt, JSON.stringify({ ...run, ended: null }));
  }

  async append(jobId: string, entry: TranscriptEntry, at: number): Promise<number> {
    const row = this.#db
      .prepare("INSERT INTO entries (job_id, seq, at, data) SELECT ?, COALESCE(MAX(seq), 0) + 1, ?, ? FROM entries WHERE job_id = ? RETURNING seq")
      .get(jobId, at, JSON.stringify(entry), jobId);
    return Number(row?.seq);
  }

  async end(jobId: string, ended: NonNullable<RunSummary["ended"]>): Promise<void> {
    const current = await this.run(jobId);
    if (!current) return;
    this.#db.prepare("UPDATE runs SET ended_at = ?, summary = ? WHERE job_id = ?").run(ended.at, JSON.stringify({ ...current, ended }), jobId);
  }

  async run(jobId: string): Promise<RunSummary | undefined> {
    const row = this.#db.prepare("SELECT summary FROM runs WHERE job_id = ?").get(jobId);
    return row ? (JSON.parse(String(row.summary)) as RunSummary) : undefined;
  }

  async entries(jobId: string, afterSeq = 0): Promise<TranscriptRecord[]> {
    const rows = this.#db.prepare("SELECT seq, at, data FROM entries WHERE job_id = ? AND seq > ? ORDER BY seq").all(jobId, afterSeq);
    return rows.map((r) => ({ ...(JSON.parse(String(r.data)) as TranscriptEntry), seq: Number(r.seq), at: Number(r.at) }));
  }

  async runs(repo: string, limit: number): Promise<RunSummary[]> {
    const rows = this.#db.prepare("SELECT summary FROM runs WHERE repo_key = ? ORDER BY created_at DESC LIMIT ?").all(repoIndexKey(repo), limit);
    return rows.map((r) => JSON.parse(String(r.summary)) as RunSummary);
  }

  async saveLog(jobId: string, name: string, text: string): Promise<void> {
    checkNames(jobId, name);
    await mkdir(path.join(this.#folder, jobId), { recursive: true });
    await writeFile(path.join(this.#folder, jobId, `${name}.log`), text);
  }

  async readLog(jobId: string, name: string): Promise<string | undefined> {
    checkNames(jobId, name);
    return readFile(path.join(this.#folder, jobId, `${name}.log`), "utf8").catch(() => undefined);
  }

  async prune(jobIds: readonly string[], endedBefore: Date): Promise<number> {
    const old = this.#db.prepare("SELECT job_id FROM runs WHERE ended_at IS NOT NULL AND ended_at < ?").all(endedBefore.getTime());
    const ids = [...new Set([...jobIds, ...old.map((r) => String(r.job_id))])];
    let pruned = 0;
    for (const id of ids) {
      const gone = this.#db.prepare("DELETE FROM runs WHERE job_id = ?").run(id).changes;
      this.#db.prepare("DELETE FROM entries WHERE job_id = ?").run(id);
      pruned += Number(gone);
      if (isJobId(id)) await rm(path.join(this.#folder, id), { recursive: true, force: true });
    }
    return pruned;
  }

  async close(): Promise<void> {
    this.#db.close();
  }
}
