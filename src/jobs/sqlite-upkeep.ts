/**
 * The SQLite store's operator-policy queries, beside the queue proper (`sqlite-queue.ts`):
 * what a new job would be refused for beyond the contract's dedupe (a review already
 * answered, a full repository queue), the daily spending sums, retention, the
 * Sentry → GitHub issue map and the one-time notices. Each runs inside the caller's transaction or read.
 */
import type { JobDatabase } from "./sqlite-database.ts";
import { jobRequestSchema, jsonText } from "./job-schema.ts";
import { repoKey, reviewCovers, type EnqueueLimits, type IncidentRef, type PullRequestMerge, type QueueDepth, type RepoName, type Usage, type UsageQuery } from "./queue.ts";
import type { NewJob, QueueFull } from "./types.ts";

const storedRequest = jsonText(jobRequestSchema);

/** An active revise job of the same pull request that already answers `input`'s review, if any. */
export function coveringRevision(db: JobDatabase, input: NewJob): Record<string, unknown> | undefined {
  if (input.request.kind !== "revise") return undefined;
  const rows = db
    .sql("SELECT * FROM jobs WHERE repo = ? AND target_kind = ? AND target_number = ? AND kind = 'revise' AND state IN ('queued', 'running') ORDER BY seq")
    .all(repoKey(input.repo), input.target.kind, input.target.number);
  return rows.find((row) => {
    const request = storedRequest.safeParse(row.request);
    return request.success && reviewCovers(request.data, input.request);
  });
}

/** The refusal when `input`'s repository already has `maxQueuedInRepo` jobs queued. */
export function queueFull(db: JobDatabase, input: NewJob, limits: EnqueueLimits | undefined): QueueFull | undefined {
  if (!limits) return undefined;
  const queued = Number(db.sql("SELECT COUNT(*) AS n FROM jobs WHERE repo = ? AND state = 'queued'").get(repoKey(input.repo))?.n ?? 0);
  return queued >= limits.maxQueuedInRepo ? { status: "queue-full", queued } : undefined;
}

export function usage(db: JobDatabase, query: UsageQuery): Usage {
  const since = query.since.getTime();
  const row = db
    .sql(
      `SELECT (SELECT COALESCE(SUM(cost_usd), 0) FROM jobs WHERE repo = ? AND created_at >= ?) AS repo_usd,
              (SELECT COALESCE(SUM(cost_usd), 0) FROM jobs WHERE installation_id = ? AND created_at >= ?) AS installation_usd,
              (SELECT COUNT(*) FROM jobs WHERE repo = ? AND state = 'queued') AS queued`,
    )
    .get(repoKey(query.repo), since, query.installationId, since, repoKey(query.repo));
  return { repoUsd: Number(row?.repo_usd ?? 0), installationUsd: Number(row?.installation_usd ?? 0), queuedInRepo: Number(row?.queued ?? 0) };
}

/** Deletes jobs that ended before `endedBefore`; an interrupted job only once recovery has collected it. */
export function prune(db: JobDatabase, endedBefore: Date): string[] {
  const rows = db
    .sql(
      `DELETE FROM jobs WHERE ended_at < ?
         AND (state IN ('succeeded', 'failed', 'cancelled') OR (state = 'interrupted' AND collected = 1))
       RETURNING id`,
    )
    .all(endedBefore.getTime());
  return rows.map((row) => String(row.id));
}

export function incidentIssue(db: JobDatabase, ref: IncidentRef): number | undefined {
  const row = db.sql("SELECT issue_number FROM incidents WHERE repo = ? AND sentry_issue_id = ?").get(...incidentColumns(ref));
  return typeof row?.issue_number === "number" ? row.issue_number : undefined;
}

export function recordIncidentIssue(db: JobDatabase, ref: IncidentRef, issueNumber: number): void {
  db.sql(
    `INSERT INTO incidents (repo, sentry_issue_id, issue_number) VALUES (?, ?, ?)
     ON CONFLICT (repo, sentry_issue_id) DO UPDATE SET issue_number = excluded.issue_number`,
  ).run(...incidentColumns(ref), issueNumber);
}

/** The map's key columns: the repository as `incidentKey` spells it (lower case), the Sentry issue id. */
function incidentColumns(ref: IncidentRef): [string, string] {
  return [ref.repo.toLowerCase(), ref.sentryIssueId];
}

export function depth(db: JobDatabase): QueueDepth {
  const row = db
    .sql("SELECT (SELECT COUNT(*) FROM jobs WHERE state = 'queued') AS queued, (SELECT COUNT(*) FROM jobs WHERE state = 'running') AS running")
    .get();
  return { queued: Number(row?.queued ?? 0), running: Number(row?.running ?? 0) };
}

export function recordMerge(db: JobDatabase, merge: PullRequestMerge): void {
  db.sql("INSERT INTO merges (repo, number, merged_at) VALUES (?, ?, ?) ON CONFLICT (repo, number) DO NOTHING").run(merge.repo.toLowerCase(), merge.number, merge.mergedAt.getTime());
}

export function merges(db: JobDatabase, repo: RepoName | undefined): PullRequestMerge[] {
  const rows = repo === undefined ? db.sql("SELECT * FROM merges").all() : db.sql("SELECT * FROM merges WHERE repo = ?").all(repoKey(repo));
  return rows.map((row) => ({ repo: String(row.repo), number: Number(row.number), mergedAt: new Date(Number(row.merged_at)) }));
}

/** The delivery that holds the notice `key`: the first to ask (see `JobQueue.claimNotice`). */
export function claimNotice(db: JobDatabase, key: string, deliveryId: string, now: Date): string {
  db.sql("INSERT INTO notices (key, delivery_id, claimed_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING").run(key, deliveryId, now.getTime());
  return String(db.sql("SELECT delivery_id FROM notices WHERE key = ?").get(key)?.delivery_id);
}
