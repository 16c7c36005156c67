/**
 * Writes the incident report where it belongs. Droid's own incident issue (from
 * Sentry) carries the report in its body: the body is read again just before the
 * write and the alert facts that arrived meanwhile (counts, last seen, timeline)
 * are kept. A user's issue (`/droid rca`) keeps its description; the report is one
 * comment by Droid, edited in place on later runs.
 */
import type { GitHubClient } from "./octokit.ts";
import { readIncidentRecord, type IncidentRecord } from "../incidents/record.ts";
import { renderIncidentReport } from "./incident-report.ts";

export type Published = { kind: "issue-body"; issueNumber: number } | { kind: "comment"; commentId: number; created: boolean };

export interface PublishTarget {
  repo: { owner: string; name: string };
  issueNumber: number;
  /** Droid's `<slug>[bot]` login: only its own comments are edited. */
  botLogin: string;
  commandWord?: string;
}

export async function publishIncidentReport(octokit: GitHubClient, target: PublishTarget, record: IncidentRecord): Promise<Published> {
  const { owner, name } = target.repo;
  if (record.source === "sentry") {
    const { data: issue } = await octokit.rest.issues.get({ owner, repo: name, issue_number: target.issueNumber });
    const latest = readIncidentRecord(issue.body) ?? record;
    const merged: IncidentRecord = { ...latest, frames: record.frames, suspects: record.suspects, analysis: record.analysis, analysedBy: record.analysedBy ?? null };
    await octokit.rest.issues.update({ owner, repo: name, issue_number: target.issueNumber, body: renderIncidentReport(merged, target.commandWord) });
    return { kind: "issue-body", issueNumber: target.issueNumber };
  }
  const body = renderIncidentReport(record, target.commandWord);
  const existing = await ownReportComment(octokit, target);
  if (existing !== null) {
    await octokit.rest.issues.updateComment({ owner, repo: name, comment_id: existing, body });
    return { kind: "comment", commentId: existing, created: false };
  }
  const { data } = await octokit.rest.issues.createComment({ owner, repo: name, issue_number: target.issueNumber, body });
  return { kind: "comment", commentId: data.id, created: true };
}

async function ownReportComment(octokit: GitHubClient, target: PublishTarget): Promise<number | null> {
  const comments = await octokit.paginate(octokit.rest.issues.listComments, {
    owner: target.repo.owner,
    repo: target.repo.name,
    issue_number: target.issueNumber,
    per_page: 100,
  });
  const mine = comments.filter((c) => c.user?.login === target.botLogin && readIncidentRecord(c.body) !== null);
  return mine.at(-1)?.id ?? null;
}
