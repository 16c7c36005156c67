/**
 * What a review revision says on GitHub: one reply per thread (the model's answer with
 * the commit link, or the orchestrator's fallback) and the body of the one review that
 * carries them all (`review-answers.ts` posts it), and the "Revisions" status section of
 * the PR body. The patch offered when Droid cannot push is in `push-refusal.ts`.
 */
import type { ThreadAnswer } from "../agent/thread-answers.ts";
import { formatUsd } from "../figures/money.ts";
import { pushRefusalReason, type PushRefusal } from "./push-refusal.ts";
import type { ReviewThread } from "./review-threads.ts";
import { inlineCode, safeInline, safeMarkdown } from "./safe-markdown.ts";
import { scrubSecrets } from "./text.ts";

/** Where the revision's work went. */
export type RevisionDelivery =
  | { kind: "pushed"; sha: string; url: string; replayedOnto: string | null }
  | { kind: "not-pushed"; reason: string }
  /** The push check refused it (workflow files, a possible credential). */
  | { kind: "refused"; refusal: PushRefusal };

/** Why the work was not pushed, as one clause. */
function notPushedReason(delivery: Exclude<RevisionDelivery, { kind: "pushed" }>): string {
  return delivery.kind === "refused" ? pushRefusalReason(delivery.refusal) : delivery.reason;
}

export interface ThreadReplyInput {
  thread: ReviewThread;
  answer: ThreadAnswer | undefined;
  delivery: RevisionDelivery;
  /** How the run ended, in one sentence, for threads the model did not answer. */
  runEnded: string;
  fileMissing: boolean;
  secrets: readonly string[];
}

export function threadReply(input: ThreadReplyInput): string {
  const { answer, delivery, thread } = input;
  const lines: string[] = [];
  if (thread.outdated || input.fileMissing) {
    lines.push(
      input.fileMissing
        ? `_${inlineCode(thread.path, 300)} no longer exists on the branch; I went by the diff hunk this comment was written on._`
        : "_The lines this comment was written on have changed since; I went by its diff hunk._",
      "",
    );
  }
  if (answer) {
    lines.push(safeMarkdown(scrubSecrets(answer.body, input.secrets)));
    if (answer.changed) lines.push("", delivery.kind === "pushed" ? `Changed in ${commitLink(delivery)}.` : `⚠️ This change was not pushed: ${notPushedReason(delivery)}.`);
  } else if (delivery.kind === "pushed") {
    lines.push(`I revised the branch for this review in ${commitLink(delivery)}, but gave no specific answer for this thread. Please check the commit and reply here if it is not addressed.`);
  } else {
    lines.push(`I did not change anything for this thread. ${input.runEnded}`);
  }
  return lines.join("\n");
}

/**
 * The body of the review that carries every thread's answer: what the revision did, in one
 * line, what no thread says (`notice`: the patch not pushed, how the run ended), and the one
 * footer (cost and job) for all its replies.
 */
export function reviewAnswersBody(input: { delivery: RevisionDelivery; threads: number; changed: number; notice: string | null; costUsd: number; job: string }): string {
  const { delivery } = input;
  const lead =
    delivery.kind === "pushed"
      ? `Revised in ${commitLink(delivery)}: ${input.changed} of ${input.threads} ${input.threads === 1 ? "thread" : "threads"} changed code; each thread has its answer.`
      : `Nothing was pushed: ${notPushedReason(delivery)}. Each thread has its answer.`;
  return [lead, ...(input.notice ? [input.notice] : []), `<sub>Droid · revision ${formatUsd(input.costUsd)} · ${input.job}</sub>`].join("\n\n");
}

function commitLink(delivery: Extract<RevisionDelivery, { kind: "pushed" }>): string {
  const onto = delivery.replayedOnto ? ` (on top of \`${delivery.replayedOnto.slice(0, 7)}\`, pushed to the branch meanwhile)` : "";
  return `[\`${delivery.sha.slice(0, 7)}\`](${delivery.url})${onto}`;
}

const SECTION_START = "<!-- droid:revisions -->";
const SECTION_END = "<!-- /droid:revisions -->";
const ITEM = /^- (.+)$/;

/** The revision lines of the PR body's "Revisions" section, oldest first. */
export function readRevisions(body: string | null): string[] {
  const text = body ?? "";
  const start = text.indexOf(SECTION_START);
  const end = text.indexOf(SECTION_END);
  if (start < 0 || end < start) return [];
  return text
    .slice(start + SECTION_START.length, end)
    .split("\n")
    .flatMap((line) => {
      const m = ITEM.exec(line.trim());
      return m?.[1] ? [m[1]] : [];
    });
}

/** The PR body with one more line in its "Revisions" section (added at the end when absent). */
export function withRevision(body: string | null, line: string, keep = 20): string {
  const text = body ?? "";
  const lines = [...readRevisions(text), oneLine(line)].slice(-keep);
  const section = [SECTION_START, "### Revisions", "", ...lines.map((l) => `- ${l}`), SECTION_END].join("\n");
  const start = text.indexOf(SECTION_START);
  const end = text.indexOf(SECTION_END);
  if (start >= 0 && end > start) return `${text.slice(0, start)}${section}${text.slice(end + SECTION_END.length)}`;
  return `${text.trimEnd()}\n\n${section}\n`;
}

export function revisionLine(input: { date: Date; requester: string; reviewId: number | null; delivery: RevisionDelivery; threads: number; changed: number; summary: string; costUsd: number }): string {
  const what = input.reviewId !== null ? `review by @${input.requester}` : `request by @${input.requester}`;
  const where = input.delivery.kind === "pushed" ? `[\`${input.delivery.sha.slice(0, 7)}\`](${input.delivery.url})` : "no commit";
  const summary = safeInline(input.summary.slice(0, 300));
  return `${input.date.toISOString().slice(0, 10)} · ${what} · ${where} · ${input.changed}/${input.threads} thread(s) changed code · ${formatUsd(input.costUsd)} · ${summary}`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}
