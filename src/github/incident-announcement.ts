/**
 * The one comment that tells the issue's followers the root-cause analysis is done. A
 * report written into the issue's description (a Sentry incident) or into an existing
 * comment (a later `/droid rca`) is an edit, and GitHub notifies nobody of an edit; this
 * comment is the notification. It leads with what a reader acts on — the suspected cause
 * and the fix — and points at the full report.
 */
import type { IncidentRecord } from "../incidents/record.ts";
import { evidenceGaps } from "./incident-report.ts";
import type { Published } from "./incident-publish.ts";
import { safeMarkdown } from "./safe-markdown.ts";

const MAX_PART = 800;

export function incidentAnnouncement(record: IncidentRecord, where: Published, commandWord: string): string {
  const analysis = record.analysis;
  const cause = analysis?.suspectedCause;
  const gaps = evidenceGaps(record);
  const causeLine = cause
    ? `**Suspected cause** (confidence: ${cause.confidence}): ${prose(cause.text)}`
    : `**Suspected cause:** not determined; the evidence does not support naming one${gaps.length > 0 ? ` (${gaps.join("; ")})` : ""}.`;
  const fixLine = analysis?.suggestedFix ? `**Suggested fix:** ${prose(analysis.suggestedFix)}` : "**Suggested fix:** none; the report lists what was checked.";
  const report = where.kind === "issue-body" ? "in this issue's description" : `in [Droid's report comment](#issuecomment-${where.commentId})`;
  return [
    "**Root-cause analysis done.**",
    causeLine,
    fixLine,
    `The full report (evidence, suspect commits, how to verify) is ${report}. Next: \`/${commandWord} fix\` carries out the fix and opens a pull request.`,
  ].join("\n\n");
}

/** Model prose, inline-safe and short: no mentions, no HTML, no code left open. */
function prose(text: string): string {
  const cut = text.length > MAX_PART ? `${text.slice(0, MAX_PART - 3).trimEnd()}...` : text;
  return safeMarkdown(cut);
}
