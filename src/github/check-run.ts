/**
 * The `Droid` check run on the commit a fix or a revision pushed: created in progress once
 * the commit is on GitHub (GitHub refuses a check run for a commit it does not have), then
 * completed with a conclusion from the job's outcome, a summary (subtasks, tests, cost) and
 * the run page as its details URL. Needs the App's `checks: write` permission.
 */
import type { OutcomeKind } from "../jobs/types.ts";
import { formatDuration } from "../figures/duration.ts";
import { formatUsd } from "../figures/money.ts";
import type { RunFigures } from "./fix-report.ts";
import { jobReference } from "./comment-text.ts";
import { stoppedByPhrase } from "./messages.ts";
import type { GitHubClient } from "./octokit.ts";
import { safeInline } from "./safe-markdown.ts";

export const CHECK_NAME = "Droid";

export type CheckConclusion = "success" | "failure" | "neutral" | "cancelled" | "timed_out";

/** How each outcome shows on the pull request. */
const CONCLUSIONS: Record<OutcomeKind, CheckConclusion> = {
  succeeded: "success",
  // The branch's tests fail: whoever merges should see red.
  "succeeded-with-failing-tests": "failure",
  "no-change-needed": "neutral",
  superseded: "neutral",
  "not-pushed": "neutral",
  "setup-failed": "failure",
  "budget-reached": "failure",
  "turn-limit": "failure",
  "time-limit": "timed_out",
  "stopped-by-user": "cancelled",
  "config-error": "failure",
  capped: "failure",
  "invalid-request": "neutral",
  "model-error": "failure",
  "github-error": "failure",
  "sandbox-error": "failure",
  interrupted: "neutral",
  "internal-error": "failure",
};

/** Each outcome in a few words (the check's title). */
export const OUTCOME_TITLES: Record<OutcomeKind, string> = {
  succeeded: "Done",
  "succeeded-with-failing-tests": "Done, but the tests fail",
  "no-change-needed": "No change needed",
  superseded: "Superseded by a newer commit",
  "not-pushed": "Changes not pushed",
  "setup-failed": "The repository's setup failed",
  "budget-reached": "Stopped at the job's budget",
  "turn-limit": "Stopped at the turn limit",
  "time-limit": "Stopped at the time limit",
  "stopped-by-user": "Stopped",
  "config-error": "Configuration problem",
  capped: "Daily spending cap reached",
  "invalid-request": "Nothing to do as asked",
  "model-error": "The model failed",
  "github-error": "A GitHub request failed",
  "sandbox-error": "The sandbox failed",
  interrupted: "Interrupted",
  "internal-error": "Droid hit an internal error",
};

export function checkConclusion(kind: OutcomeKind): CheckConclusion {
  return CONCLUSIONS[kind];
}

/** What the completed check says beside its conclusion. */
export interface CheckReport {
  outcome: OutcomeKind;
  /** How far the work got: the plan's subtasks done, a review's threads that changed code…; null when there is nothing to count. */
  progress: { what: string; done: number; total: number } | null;
  /** The tests line of the closing comment (`testLine`). */
  tests: string;
  figures: RunFigures;
  /** Who stopped the run (`Job.stoppedBy`), named on a `stopped-by-user` outcome; null when no person is known. */
  stoppedBy: string | null;
  /** The repository's command word (`command` in `.github/droid.yml`). */
  commandWord: string;
}

/**
 * The check's title: the outcome in a few words, and who stopped a stopped run. GitHub shows a
 * title as plain text, so the login is bare there (a login is letters, digits and hyphens); the
 * summary names them in code, as every other text does.
 */
function checkTitle(report: CheckReport): string {
  const title = OUTCOME_TITLES[report.outcome];
  return report.outcome === "stopped-by-user" && report.stoppedBy !== null ? `${title} by ${report.stoppedBy}` : title;
}

export function checkOutput(report: CheckReport): { title: string; summary: string } {
  const f = report.figures;
  const lines = [
    `**Outcome:** ${OUTCOME_TITLES[report.outcome]} (\`${report.outcome}\`)`,
    ...(report.outcome === "stopped-by-user" && report.stoppedBy !== null ? [`The run was stopped ${stoppedByPhrase(report.commandWord, report.stoppedBy)}.`] : []),
    ...(report.progress ? [`**${report.progress.what}:** ${report.progress.done} of ${report.progress.total}`] : []),
    `**Tests:** ${safeInline(report.tests)}`,
    `**Cost:** ${formatUsd(f.costUsd)} · ${f.inputTokens} tokens in, ${f.outputTokens} out (${Math.round(f.cachedShare * 100)} % cached) · ${formatDuration(f.durationMs)} · ${safeInline(f.model)}`,
    jobReference(f.jobId, f.pageUrl),
  ];
  return { title: checkTitle(report), summary: lines.join("\n\n") };
}

export interface CheckTarget {
  owner: string;
  repo: string;
  /** The run page, or null when Droid has no public URL. */
  detailsUrl: string | null;
}

/** Creates the in-progress check on `headSha`; returns its id. */
export async function startCheck(octokit: GitHubClient, target: CheckTarget, input: { headSha: string; startedAt: Date; jobId: string }): Promise<number> {
  const { data } = await octokit.rest.checks.create({
    owner: target.owner,
    repo: target.repo,
    name: CHECK_NAME,
    head_sha: input.headSha,
    status: "in_progress",
    started_at: input.startedAt.toISOString(),
    external_id: input.jobId,
    ...(target.detailsUrl ? { details_url: target.detailsUrl } : {}),
    output: { title: "Working", summary: `Droid pushed this commit and is finishing ${jobReference(input.jobId, null)}.` },
  });
  return data.id;
}

export async function completeCheck(octokit: GitHubClient, target: CheckTarget, checkRunId: number, report: CheckReport, completedAt: Date): Promise<void> {
  await octokit.rest.checks.update({
    owner: target.owner,
    repo: target.repo,
    check_run_id: checkRunId,
    status: "completed",
    conclusion: checkConclusion(report.outcome),
    completed_at: completedAt.toISOString(),
    ...(target.detailsUrl ? { details_url: target.detailsUrl } : {}),
    output: checkOutput(report),
  });
}
