/**
 * The body of the pull request a fix run opens or updates. It says `Closes #n` only when
 * the change is complete and its tests pass (merging it then closes the issue); otherwise
 * `Refs #n` and, once, why the work is partial and which setting gives the next run more
 * room. Subtasks a limit or a stop cut off are "not finished", not failed; the plan's open
 * questions come along. docs/style.md describes the layout.
 */
import type { AgentOutcome, ChangeReport } from "../agent/loop.ts";
import type { Plan, Subtask } from "../planning/schema.ts";
import { MAX_COMMENT_CHARS } from "./plan-comment.ts";
import { stoppedByPhrase } from "./messages.ts";
import { type RunFigures, runEnd } from "./fix-report.ts";
import { LIMIT_SETTING, stateLabel, statusLine } from "./run-status.ts";
import { inlineCode, safeInline, safeMarkdown } from "./safe-markdown.ts";

/** The ticket a pull request answers: a GitHub issue (`#1`, closed by merging a `Closes #1`) or a Jira ticket (`SHOP-7`, named by its link first). */
export interface PullRequestTicket {
  reference: string;
  closesOnMerge: boolean;
  /** A line naming the ticket first (the Jira ticket's link), or null. */
  line: string | null;
}

export interface PullRequestBodyInput {
  ticket: PullRequestTicket;
  /** The agent's summary of a finished run; null when the run ended early. */
  summary: string | null;
  plan: Plan;
  outcome: AgentOutcome;
  /** Who stopped the run (`Job.stoppedBy`); null when no person did. */
  stoppedBy: string | null;
  commandWord: string;
  /** The test line (`testLine`). */
  tests: string;
  /** Whether the last test run passed (or the repository has no test command). */
  testsPass: boolean;
  changes: ChangeReport;
  figures: RunFigures;
  planCommentUrl: string | null;
}

/** Complete: the agent finished the plan and the tests pass. Only then may merging close the issue. */
export function isComplete(outcome: AgentOutcome, testsPass: boolean): boolean {
  return outcome.kind === "finished" && testsPass;
}

const ICON: Record<Subtask["state"], string> = { todo: "⬜", "in-progress": "⬜", done: "✅", failed: "❌", skipped: "⏭️" };

function subtaskLine(s: Subtask): string {
  const note = s.state === "skipped" ? " _(skipped)_" : s.state === "failed" ? " _(failed)_" : "";
  return `- ${ICON[s.state]} **${s.id}** ${safeInline(s.title)}${note}`;
}

const open = (s: Subtask): boolean => s.state === "todo" || s.state === "in-progress";

/** The plan's subtasks, the ones the run did not finish under "Not finished". */
function subtaskLines(plan: Plan): string[] {
  const unfinished = plan.subtasks.filter(open);
  if (unfinished.length === 0) return plan.subtasks.map(subtaskLine);
  const reached = plan.subtasks.filter((s) => !open(s));
  return [...reached.map(subtaskLine), ...(reached.length > 0 ? [""] : []), `**Not finished (${unfinished.length}):**`, "", ...unfinished.map(subtaskLine)];
}

/** Why the work is partial, once, with what to do about it. */
function partialReason(input: PullRequestBodyInput, done: string): string {
  const { outcome, commandWord: word, ticket } = input;
  const again = `comment \`/${word} fix\` on ${ticket.reference} to continue`;
  switch (outcome.kind) {
    case "limit":
      return `The run stopped at ${safeInline(outcome.detail)} with ${done}. Raise ${LIMIT_SETTING[outcome.limit]} in \`.github/droid.yml\`, then ${again}.`;
    case "cancelled":
      return `The run was stopped ${stoppedByPhrase(word, input.stoppedBy)} with ${done}; ${again}.`;
    case "failed":
      return `The run failed with ${done}: ${safeInline(outcome.reason)}. ${again[0]?.toUpperCase()}${again.slice(1)}.`;
    case "finished":
      return outcome.lastTestRun === null
        ? "The agent finished the plan, but the tests were not run, so merging this is not known to fix the issue."
        : "The agent finished the plan, but the tests do not pass yet (see Tests below), so merging this would not fix the issue.";
  }
}

export function pullRequestBody(input: PullRequestBodyInput): string {
  const { plan, figures } = input;
  const complete = isComplete(input.outcome, input.testsPass);
  const doneCount = plan.subtasks.filter((s) => s.state === "done").length;
  const done = `${doneCount} of ${plan.subtasks.length} subtasks done`;
  const status = statusLine({
    label: stateLabel(runEnd(input.outcome, input.stoppedBy)),
    durationMs: figures.durationMs,
    costUsd: figures.costUsd,
    running: false,
    pullRequest: null,
    job: { id: figures.jobId, pageUrl: figures.pageUrl },
  });
  const { ticket } = input;
  // `Closes` only for a complete change: merging it closes the issue. A Jira ticket's link says which ticket; its transitions move it.
  const reference = complete ? (ticket.closesOnMerge ? [`Closes ${ticket.reference}`] : []) : [`Refs ${ticket.reference} — not complete. ${partialReason(input, done)}`];
  const files = input.changes.files.map((f) => `- ${inlineCode(f.path, 300)} (${f.status})`);
  const body = [
    status,
    ...(ticket.line === null ? [] : ["", ticket.line]),
    ...reference.flatMap((line) => ["", line]),
    ...(input.summary === null ? [] : ["", "### Summary", "", safeMarkdown(input.summary)]),
    "",
    `### Plan (${done})`,
    "",
    ...subtaskLines(plan),
    ...(input.planCommentUrl ? ["", `[The plan, with its revisions](${input.planCommentUrl})`] : []),
    ...(plan.openQuestions.length === 0 ? [] : ["", "### Open questions", "", ...plan.openQuestions.map((q) => `- ${safeInline(q)}`)]),
    "",
    "### Tests",
    "",
    input.tests,
    "",
    `<details><summary>Files changed (${input.changes.files.length})</summary>\n\n${files.join("\n")}\n\n</details>`,
    "",
    "---",
    `<sub>Droid · model \`${figures.model}\` · ${figures.inputTokens.toLocaleString("en-US")} input tokens (${Math.round(figures.cachedShare * 100)}% from cache) + ${figures.outputTokens.toLocaleString("en-US")} output</sub>`,
    "",
    "Review with comments to ask for changes; Droid answers in the threads.",
  ].join("\n");
  return body.length > MAX_COMMENT_CHARS ? `${body.slice(0, MAX_COMMENT_CHARS - 200)}\n\n_(cut to fit GitHub's size limit)_` : body;
}
