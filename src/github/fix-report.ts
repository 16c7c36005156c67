/**
 * What `/droid fix` says on GitHub: the live execution lines of the plan comment,
 * the pull request's body, and the closing comment on the issue.
 */
import type { AgentOutcome, ChangeReport } from "../agent/loop.ts";
import type { PlanRevision } from "../agent/live-plan.ts";
import type { TestRun } from "../agent/computer.ts";
import type { Plan } from "../planning/schema.ts";
import { formatDuration } from "../figures/duration.ts";
import { formatUsd } from "../figures/money.ts";
import { jobReference } from "./comment-text.ts";
import { restartedMessage } from "./messages.ts";
import { MAX_COMMENT_CHARS } from "./plan-comment.ts";
import { inlineCode, safeInline, safeMarkdown } from "./safe-markdown.ts";

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

const STATE_ICON: Record<Plan["subtasks"][number]["state"], string> = {
  todo: "⬜",
  "in-progress": "⏳",
  done: "✅",
  failed: "❌",
  skipped: "⏭️",
};

export function executionLines(state: { phase: string; figures: RunFigures; revisions: readonly PlanRevision[]; pullRequest: { number: number; url: string } | null }): string[] {
  const lines = [`${state.phase} · ${formatDuration(state.figures.durationMs)} · ${formatUsd(state.figures.costUsd)} so far · ${jobReference(state.figures.jobId, state.figures.pageUrl)}`];
  if (state.pullRequest) lines.push(`Pull request: #${state.pullRequest.number}`);
  for (const r of state.revisions.slice(-5)) lines.push(`- Plan revised: ${safeInline(r.reason)} (${safeInline(r.changes.join("; "))})`);
  return lines;
}

/** One sentence for how the agent's run ended. */
export function describeOutcome(outcome: AgentOutcome, commandWord: string): string {
  switch (outcome.kind) {
    case "finished":
      return "The agent finished the plan.";
    case "limit":
      return `The run stopped at its limit: ${safeInline(outcome.detail)}.`;
    case "cancelled":
      return `The run was stopped by \`/${commandWord} stop\`.`;
    case "failed":
      return `The run failed: ${safeInline(outcome.reason)}.`;
  }
}

export function testLine(run: TestRun | null, hasTests: boolean): string {
  if (!hasTests) return "No test command is configured (add `test:` to `.github/droid.yml`).";
  if (!run) return "The tests were not run.";
  return `${run.summary.ok ? "✅" : "❌"} ${run.line}`;
}

export function pullRequestBody(input: {
  issueNumber: number;
  summary: string;
  plan: Plan;
  outcome: AgentOutcome;
  commandWord: string;
  tests: string;
  changes: ChangeReport;
  figures: RunFigures;
  planCommentUrl: string | null;
}): string {
  const subtasks = input.plan.subtasks.map((s) => `- ${STATE_ICON[s.state]} **${s.id}** ${safeInline(s.title)}`);
  const files = input.changes.files.map((f) => `- ${inlineCode(f.path, 300)} (${f.status})`);
  const limit = input.outcome.kind === "finished" ? [] : ["", `**Note:** ${describeOutcome(input.outcome, input.commandWord)} This pull request is a draft with the work done so far.`];
  const body = [
    `Closes #${input.issueNumber}`,
    "",
    "### Summary",
    "",
    safeMarkdown(input.summary),
    ...limit,
    "",
    "### Plan",
    "",
    ...subtasks,
    ...(input.planCommentUrl ? ["", `The plan, with its revisions: ${input.planCommentUrl}`] : []),
    "",
    "### Tests",
    "",
    input.tests,
    "",
    `<details><summary>Files changed (${input.changes.files.length})</summary>\n\n${files.join("\n")}\n\n</details>`,
    "",
    "---",
    `<sub>Droid · model \`${input.figures.model}\` · ${input.figures.inputTokens.toLocaleString("en-US")} input tokens (${Math.round(input.figures.cachedShare * 100)}% from cache) + ${input.figures.outputTokens.toLocaleString("en-US")} output · ${formatUsd(input.figures.costUsd)} · ${formatDuration(input.figures.durationMs)} · ${jobReference(input.figures.jobId, input.figures.pageUrl)}</sub>`,
    "",
    "Review with comments to ask for changes; Droid answers in each thread.",
  ].join("\n");
  return body.length > MAX_COMMENT_CHARS ? `${body.slice(0, MAX_COMMENT_CHARS - 200)}\n\n_(cut to fit GitHub's size limit)_` : body;
}

export interface ResultInput {
  outcome: AgentOutcome;
  pullRequest: PullRequestLine | null;
  pushed: boolean;
  tests: string;
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
 * The closing comment without its pull-request line: plain text a run records before its
 * push, so that a retry can post it once the pull request exists.
 */
export interface ClosingReport {
  jobId: string;
  lead: string[];
  reasonNotPushed: string | null;
  rest: string[];
}

/** The closing comment of a fix run on its issue. */
export function resultComment(input: ResultInput): string {
  return closingComment(closingReport(input), input.pullRequest);
}

export function closingReport(input: Omit<ResultInput, "pullRequest">): ClosingReport {
  const lead = [describeOutcome(input.outcome, input.commandWord)];
  if (input.restarted) lead.push(restartedMessage());
  const rest = ["", ...progressLines(input.plan)];
  if (!input.pushed && input.changes.files.length > 0) {
    const files = input.changes.files.map((f) => `${inlineCode(f.path, 300)} (${f.status})`).join(", ");
    const keep = input.outcome.kind === "cancelled" ? " Set `fix.pushPartialWorkOnStop: true` in `.github/droid.yml` to keep a stopped run's work as a draft pull request." : "";
    rest.push(`**Changed but not pushed** (discarded with the sandbox): ${files}.${keep}`);
  }
  rest.push("", input.tests, "");
  rest.push(`**Next:** ${nextStep(input.outcome, input.commandWord)}`, "", `<sub>${formatUsd(input.figures.costUsd)} · ${formatDuration(input.figures.durationMs)} · ${jobReference(input.figures.jobId, input.figures.pageUrl)}</sub>`);
  return { jobId: input.figures.jobId, lead, reasonNotPushed: input.reasonNotPushed, rest };
}

/** The closing comment from its report and the pull request it opened or updated (if any). */
export function closingComment(report: ClosingReport, pullRequest: PullRequestLine | null): string {
  const lines = [...report.lead];
  if (pullRequest) {
    const state = pullRequest.draft ? "a draft" : "ready for review";
    lines.push(`${pullRequest.created ? "Opened" : "Updated"} #${pullRequest.number} (${state}).`);
  } else if (report.reasonNotPushed) {
    lines.push(`Nothing was pushed: ${report.reasonNotPushed}.`);
  }
  return [...lines, ...report.rest, resultMarker(report.jobId)].join("\n");
}

/** Hidden in a fix run's closing comment: a retry of the job finds it and does not post a second one. */
export function resultMarker(jobId: string): string {
  return `<!-- droid:result ${jobId} -->`;
}

/** Which subtasks were done, and which were not (with their state). */
function progressLines(plan: Plan): string[] {
  const done = plan.subtasks.filter((s) => s.state === "done");
  const open = plan.subtasks.filter((s) => s.state !== "done");
  const lines = [`**Done:** ${done.length === 0 ? "no subtask yet" : done.map(subtaskName).join("; ")}.`];
  if (open.length > 0) lines.push(`**Not done:** ${open.map((s) => `${subtaskName(s)} (${s.state})`).join("; ")}.`);
  return lines;
}

function subtaskName(s: Plan["subtasks"][number]): string {
  return `${s.id} ${safeInline(s.title)}`;
}

function nextStep(outcome: AgentOutcome, word: string): string {
  const resume = `Run \`/${word} fix [instructions]\` to continue, or \`/${word} plan <feedback>\` to change the plan first.`;
  switch (outcome.kind) {
    case "finished":
      return "Review the pull request; comments there steer the next revision.";
    case "limit":
      return `${resume} To give runs more room, raise ${LIMIT_SETTING[outcome.limit]} in \`.github/droid.yml\`.`;
    case "cancelled":
    case "failed":
      return resume;
  }
}

const LIMIT_SETTING: Record<Extract<AgentOutcome, { kind: "limit" }>["limit"], string> = {
  turns: "`fix.maxTurns`",
  time: "`fix.maxMinutes`",
  budget: "`budget.usd` (or `budget.tokens`)",
};
