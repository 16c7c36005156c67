/**
 * What `/droid fix` says on GitHub besides the pull request's body (`pull-request-body.ts`):
 * the plan comment's "Execution" lines and the closing comment on the issue. The status
 * line and the "Next" advice come from `run-status.ts`.
 */
import type { AgentOutcome, ChangeReport } from "../agent/loop.ts";
import type { PlanRevision } from "../agent/live-plan.ts";
import type { TestRun } from "../agent/computer.ts";
import type { Plan, Subtask } from "../planning/schema.ts";
import { jobFooter } from "./comment-text.ts";
import { restartedMessage, stoppedByPhrase } from "./messages.ts";
import { inlineCode, safeInline } from "./safe-markdown.ts";
import { nextAdvice, stateLabel, statusLine, type PullRequestLink, type RunEnd, type RunFacts } from "./run-status.ts";

export interface RunFigures {
  model: string;
  inputTokens: number;
  outputTokens: number;
  cachedShare: number;
  costUsd: number;
  durationMs: number;
  jobId: string;
  /** The job's run page (`DROID_PUBLIC_URL`), when Droid serves one. */
  pageUrl?: string | null;
}

/** The plan comment's "Execution" lines: the plan's revisions during the run (the last five). */
export function revisionLines(revisions: readonly PlanRevision[]): string[] {
  return revisions.slice(-5).map((r) => `- Plan revised: ${safeInline(r.reason)} (${safeInline(r.changes.join("; "))})`);
}

/** How the run ended, as the texts need it; `stoppedBy` names who stopped it (`Job.stoppedBy`). */
export function runEnd(outcome: AgentOutcome, stoppedBy: string | null): RunEnd {
  if (outcome.kind === "limit") return { kind: "limit", limit: outcome.limit };
  if (outcome.kind === "cancelled") return { kind: "cancelled", stoppedBy };
  return { kind: outcome.kind };
}

/** The last test run as a fact: green, red, not run, or no test command. */
export function testsFact(run: TestRun | null, hasTests: boolean): RunFacts["tests"] {
  if (!hasTests) return "none";
  if (!run) return "not-run";
  return run.summary.ok ? "passed" : "failed";
}

/** One sentence for how the agent's run ended; a stopped run names who stopped it when a person did. */
export function describeOutcome(outcome: AgentOutcome, commandWord: string, stoppedBy: string | null): string {
  switch (outcome.kind) {
    case "finished":
      return "The agent finished the plan.";
    case "limit":
      return `The run stopped at its limit: ${safeInline(outcome.detail)}.`;
    case "cancelled":
      return `The run was stopped ${stoppedByPhrase(commandWord, stoppedBy)}.`;
    case "failed":
      return `The run failed: ${safeInline(outcome.reason)}.`;
  }
}

export function testLine(run: TestRun | null, hasTests: boolean): string {
  if (!hasTests) return "No test command is configured (add `test:` to `.github/droid.yml`).";
  if (!run) return "The tests were not run.";
  return `${run.summary.ok ? "✅" : "❌"} ${run.line}`;
}

export interface ResultInput {
  outcome: AgentOutcome;
  /** Who stopped the run (`Job.stoppedBy`); null when no person did. */
  stoppedBy: string | null;
  pullRequest: PullRequestLine | null;
  pushed: boolean;
  tests: string;
  /** The last test run as a fact ("Next" depends on it). */
  testsState: RunFacts["tests"];
  figures: RunFigures;
  commandWord: string;
  reasonNotPushed: string | null;
  /** The plan as the run left it: what was done and what was not. */
  plan: Plan;
  /** The files the run changed, pushed or not. */
  changes: Pick<ChangeReport, "files">;
  /** The job's second attempt or later: an earlier one was interrupted. */
  restarted?: boolean;
}

/** The pull request as the closing comment names it. */
export interface PullRequestLine {
  number: number;
  draft: boolean;
  created: boolean;
}

/**
 * The closing comment without its pull-request line: plain data a run records before its
 * push, so that a retry can post it once the pull request exists. `facts` and `status`
 * are absent in reports recorded before the status line existed (their `rest` holds all).
 */
export interface ClosingReport {
  jobId: string;
  lead: string[];
  reasonNotPushed: string | null;
  rest: string[];
  facts?: RunFacts;
  status?: { label: string; durationMs: number; costUsd: number; pageUrl?: string | null | undefined };
  commandWord?: string;
}

/** The closing comment of a fix run on its issue. */
export function resultComment(input: ResultInput): string {
  return closingComment(closingReport(input), input.pullRequest);
}

export function closingReport(input: Omit<ResultInput, "pullRequest">): ClosingReport {
  const lead = [describeOutcome(input.outcome, input.commandWord, input.stoppedBy)];
  if (input.restarted) lead.push(restartedMessage());
  const rest = ["", ...progressLines(input.plan)];
  if (!input.pushed && input.changes.files.length > 0) {
    const files = input.changes.files.map((f) => `${inlineCode(f.path, 300)} (${f.status})`).join(", ");
    const keep = input.outcome.kind === "cancelled" ? " Set `fix.pushPartialWorkOnStop: true` in `.github/droid.yml` to keep a stopped run's work as a draft pull request." : "";
    rest.push(`**Changed but not pushed** (discarded with the sandbox): ${files}.${keep}`);
  }
  rest.push("", input.tests);
  const end = runEnd(input.outcome, input.stoppedBy);
  const { figures } = input;
  return {
    jobId: figures.jobId,
    lead,
    reasonNotPushed: input.reasonNotPushed,
    rest,
    facts: { end, filesChanged: input.changes.files.length, pushed: input.pushed, tests: input.testsState },
    status: { label: stateLabel(end), durationMs: figures.durationMs, costUsd: figures.costUsd, pageUrl: figures.pageUrl },
    commandWord: input.commandWord,
  };
}

/** The closing comment from its report and the pull request it opened or updated (if any). */
export function closingComment(report: ClosingReport, pullRequest: PullRequestLine | null): string {
  const link: PullRequestLink | null = pullRequest ? { number: pullRequest.number, draft: pullRequest.draft } : null;
  const head = report.status ? [statusLine({ ...report.status, running: false, pullRequest: link, job: { id: report.jobId, pageUrl: report.status.pageUrl } }), ""] : [];
  const lines = [...head, ...report.lead];
  if (pullRequest) {
    const state = pullRequest.draft ? "a draft" : "ready for review";
    lines.push(`${pullRequest.created ? "Opened" : "Updated"} #${pullRequest.number} (${state}).`);
  } else if (report.reasonNotPushed) {
    lines.push(`Nothing was pushed: ${report.reasonNotPushed}.`);
  }
  const next = report.facts && report.commandWord !== undefined ? ["", `**Next:** ${nextAdvice(report.facts, link, report.commandWord)}`, "", jobFooter(report.jobId, report.status?.pageUrl)] : [];
  return [...lines, ...report.rest, ...next, resultMarker(report.jobId)].join("\n");
}

/** Hidden in a fix run's closing comment: a retry of the job finds it and does not post a second one. */
export function resultMarker(jobId: string): string {
  return `<!-- droid:result ${jobId} -->`;
}

/** Up to this many subtasks, the closing comment names them with their titles; beyond, by id (the plan comment has the titles). */
const NAMED_SUBTASKS = 5;

/** Which subtasks were done, and which were not: a subtask a limit or a stop cut off is "not finished", not failed. */
function progressLines(plan: Plan): string[] {
  const name = plan.subtasks.length <= NAMED_SUBTASKS ? (s: Subtask) => `${s.id} ${safeInline(s.title)}` : (s: Subtask) => s.id;
  const list = (subtasks: Subtask[]) => `${subtasks.map(name).join(plan.subtasks.length <= NAMED_SUBTASKS ? "; " : ", ")}.`;
  const done = plan.subtasks.filter((s) => s.state === "done");
  const failed = plan.subtasks.filter((s) => s.state === "failed");
  const skipped = plan.subtasks.filter((s) => s.state === "skipped");
  const open = plan.subtasks.filter((s) => s.state === "todo" || s.state === "in-progress");
  const lines = [`**Done:** ${done.length === 0 ? "no subtask yet." : list(done)}`];
  if (failed.length > 0) lines.push(`**Failed:** ${list(failed)}`);
  if (skipped.length > 0) lines.push(`**Skipped:** ${list(skipped)}`);
  if (open.length > 0) lines.push(`**Not finished:** ${list(open)}`);
  return lines;
}
