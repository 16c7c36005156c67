/**
 * The one comment that answers `/droid ask`: the question, the model's answer (through the
 * sanitiser), its citations as links to the exact lines of the commit it read, what it did
 * not find, what it read, and the job's figures. Citations that do not exist at that commit
 * are dropped and said so.
 */
import type { GitHubHost } from "../config/github-host.ts";
import type { CheckedCitation } from "../planning/answer.ts";
import type { PlanFailure } from "../planning/failure.ts";
import { formatUsd } from "../figures/money.ts";
import { shortJobId } from "../figures/job-id.ts";
import { stoppedByPhrase } from "./messages.ts";
import { figuresLine, type PlanFooter } from "./plan-comment.ts";
import { inlineCode, safeInline, safeMarkdown, safeUrl } from "./safe-markdown.ts";

export const ANSWER_MARKER = "<!-- droid:answer -->";

export interface AskCommentView {
  question: string;
  asker: string;
  answer: string;
  citations: readonly CheckedCitation[];
  notFound: readonly string[];
  /** Where the links point: the configured host, the repository, the commit that was read. */
  source: { host: GitHubHost; owner: string; repo: string; branch: string; commit: string };
  /** "What Droid read" lines. */
  notes: readonly string[];
  footer: PlanFooter;
  commandWord: string;
}

/** `https://<host>/<owner>/<repo>/blob/<commit>/<path>#L<a>-L<b>`; null when it would not be a safe URL. */
export function blobUrl(source: AskCommentView["source"], citation: { path: string; startLine: number; endLine: number }): string | null {
  const path = citation.path.split("/").map(encodeURIComponent).join("/");
  const lines = citation.startLine === citation.endLine ? `L${citation.startLine}` : `L${citation.startLine}-L${citation.endLine}`;
  return safeUrl(`${source.host.protocol}://${source.host.host}/${encodeURIComponent(source.owner)}/${encodeURIComponent(source.repo)}/blob/${source.commit}/${path}#${lines}`);
}

function lineRange(c: { startLine: number; endLine: number }): string {
  return c.startLine === c.endLine ? `line ${c.startLine}` : `lines ${c.startLine}–${c.endLine}`;
}

function sources(view: AskCommentView): string[] {
  const valid = view.citations.filter((c) => c.valid);
  const dropped = view.citations.filter((c): c is Extract<CheckedCitation, { valid: false }> => !c.valid);
  const lines: string[] = [];
  if (valid.length > 0) {
    lines.push(`**Sources** (${inlineCode(view.source.branch)} at ${view.source.commit.slice(0, 7)}):`, "");
    valid.forEach((c, i) => {
      const url = blobUrl(view.source, c);
      const label = `${inlineCode(c.path, 200)} ${lineRange(c)}`;
      lines.push(`${i + 1}. ${url ? `[${label}](${url})` : label}`);
    });
  } else lines.push("_No sources: the answer cites no code that exists at this commit._");
  if (dropped.length > 0) {
    lines.push("", `_Dropped ${dropped.length} citation(s) that do not exist at this commit:_ ${dropped.map((c) => `${inlineCode(c.path, 200)} ${lineRange(c)}`).join(", ")}`);
  }
  return lines;
}

export function renderAskComment(view: AskCommentView): string {
  const question = view.question.length > 500 ? `${view.question.slice(0, 497)}...` : view.question;
  const parts = [ANSWER_MARKER, `> **@${view.asker} asked:** ${safeInline(question)}`, safeMarkdown(view.answer), sources(view).join("\n")];
  if (view.notFound.length > 0) parts.push(["**Not found in the code:**", ...view.notFound.map((n) => `- ${safeInline(n)}`)].join("\n"));
  parts.push(`<details><summary>What Droid read</summary>\n\n${view.notes.map((n) => `- ${safeInline(n)}`).join("\n")}\n\n</details>`);
  parts.push(
    ["---", figuresLine(view.footer), "", `Nothing was changed. **Next:** \`/${view.commandWord} ask <question>\` to ask another, or \`/${view.commandWord} plan\` on an issue to plan a change.`].join("\n"),
  );
  return parts.join("\n\n");
}

/** Why a question was not answered. */
export type AskFailure =
  | Extract<PlanFailure, { kind: "budget" | "unavailable" | "rejected" | "cancelled" | "internal" }>
  | { kind: "invalid-answer"; errors: string[] }
  | { kind: "no-code"; problem: string };

function explainFailure(failure: AskFailure, jobId: string, word: string): string {
  const again = `Comment \`/${word} ask <question>\` to ask again.`;
  switch (failure.kind) {
    case "budget":
      return `**Droid stopped before answering: budget reached** (${formatUsd(failure.state.spentUsd)} of ${formatUsd(failure.state.budget.usd)} spent). Raise \`budget.usd\` or \`budget.tokens\` in \`.github/droid.yml\`, then ask again.`;
    case "unavailable":
      return `**Droid could not reach the model** (${failure.lastStatus === null ? "connection errors" : `HTTP ${failure.lastStatus}`}, ${failure.attempts} attempts). ${again} Later is better if the API is overloaded.`;
    case "rejected":
      return `**The model API refused Droid's request** (HTTP ${failure.status}). An administrator of this Droid installation can find the details in the logs under job \`${shortJobId(jobId)}\`.`;
    case "invalid-answer":
      return [`**Droid could not produce a valid answer** (it failed validation, and again after one repair round). The last problems were:`, ...failure.errors.slice(0, 5).map((e) => `- ${safeInline(e.slice(0, 300))}`), again].join("\n");
    case "no-code":
      return `**Droid could not read the code:** ${safeInline(failure.problem)}. ${again}`;
    case "cancelled": {
      const what = failure.stoppedBy === null ? "The question was cancelled" : `The question was stopped ${stoppedByPhrase(word, failure.stoppedBy)}`;
      return `**${what}.** Nothing was answered or changed.`;
    }
    case "internal":
      return `**Droid hit an internal error (job \`${shortJobId(jobId)}\`).** Nothing was changed. ${again}`;
  }
}

/** The comment that ends a question that could not be answered: what happened, what it cost, what to do. */
export function renderAskFailureComment(failure: AskFailure, footer: PlanFooter, word: string): string {
  return [ANSWER_MARKER, explainFailure(failure, footer.jobId, word), "---", figuresLine(footer)].join("\n\n");
}
