/**
 * The task message of a review revision: the reviewers' words as instructions from
 * writers, everything else (diff hunks, thread history, the PR's plan, description and
 * earlier revisions) as fenced DATA labelled with where it came from.
 */
import { renderMapSection, renderRelevantSection, type CodeContext } from "../planning/code-context.ts";
import { dataBlock, droidRecord, fenceUntrusted, labelText, prepareUntrusted, prompt, repositoryFile, unchecked } from "../prompting/index.ts";
import type { ReviewThread } from "./review-thread.ts";

export interface ReviseTaskInput {
  repo: string;
  pullNumber: number;
  branch: string;
  requester: string;
  /** The review's own body, or the words after `/droid fix` on the PR. */
  generalRequest: string;
  threads: readonly ReviewThread[];
  /** Paths that no longer exist in the work tree. */
  missingPaths: ReadonlySet<string>;
  checklist: string;
  commands: string;
  /** The PR's plan, rendered, when its issue has one. */
  plan: string | null;
  /** Earlier revisions of this PR, one line each. */
  earlierRevisions: readonly string[];
  pullRequestBody: string;
  /** The map and the code the review concerns, from the index of the work tree (null: not read). */
  code: CodeContext | null;
}

/** Characters one comment (or one request) may take; the PR description; the end of a diff hunk. */
const MAX_COMMENT_CHARS = 6_000;
const MAX_DESCRIPTION_CHARS = 8_000;
const MAX_HUNK_CHARS = 3_000;

export function reviseTaskMessage(input: ReviseTaskInput): string {
  const general = input.generalRequest.trim();
  const instruction = general
    ? prompt("revise-general-request", { requester: input.requester, request: fenceUntrusted(general, { format: "markdown", maxChars: MAX_COMMENT_CHARS }) })
    : prompt("revise-no-general-request", { requester: input.requester });
  const context = [
    input.plan ? dataBlock({ what: "the plan this pull request carries out", from: droidRecord, text: input.plan, format: "markdown" }) : prompt("revise-no-plan"),
    input.earlierRevisions.length > 0
      ? dataBlock({ what: "earlier revisions of this pull request", from: droidRecord, text: input.earlierRevisions.join("\n"), format: "markdown" })
      : prompt("revise-no-earlier-revisions"),
    dataBlock({ what: "the pull request's description", from: unchecked(), text: input.pullRequestBody, format: "markdown", maxChars: MAX_DESCRIPTION_CHARS }),
  ].join("\n\n");
  return prompt("revise-task", {
    pr_number: String(input.pullNumber),
    repo: input.repo,
    branch: input.branch,
    instruction,
    thread_count: String(input.threads.length),
    threads: input.threads.length > 0 ? input.threads.map((t) => threadBlock(t, input.missingPaths)).join("\n\n") : prompt("revise-no-threads"),
    checklist: input.checklist,
    commands: input.commands,
    context,
    code: input.code ? prompt("revise-code", { map: renderMapSection(input.code), relevant: renderRelevantSection(input.code) }) : "",
  });
}

/** What the revision's code is localized from: the review's words and the paths its threads are on. */
export function reviewText(generalRequest: string, threads: readonly ReviewThread[]): string {
  return [generalRequest, ...threads.flatMap((t) => [t.path, ...t.requests.map((c) => c.body)])].filter((t) => t.trim() !== "").join("\n\n");
}

function where(thread: ReviewThread): string {
  if (thread.line === null) return `line ${thread.originalLine ?? "?"} of an earlier version`;
  return thread.startLine !== null && thread.startLine !== thread.line ? `lines ${thread.startLine}–${thread.line}` : `line ${thread.line}`;
}

function threadBlock(thread: ReviewThread, missingPaths: ReadonlySet<string>): string {
  const path = labelText(thread.path).replaceAll("`", "'");
  const requests = thread.requests.map((c) => prepareUntrusted(c.body, { format: "markdown", maxChars: MAX_COMMENT_CHARS })).join("\n---\n");
  return [
    prompt("revise-thread", { thread_id: String(thread.replyToId), path, where: where(thread) }),
    thread.outdated ? prompt("revise-outdated") : "",
    missingPaths.has(thread.path) ? prompt("revise-missing-file", { path }) : "",
    dataBlock({ what: "the diff hunk it was written on", from: repositoryFile, text: thread.diffHunk.slice(-MAX_HUNK_CHARS), format: "diff" }),
    ...thread.history.map((c) => dataBlock({ what: "earlier in this thread", from: unchecked(c.author), text: c.body, format: "markdown", maxChars: MAX_COMMENT_CHARS })),
    prompt("revise-thread-request", {
      author: thread.requests[0]?.author ?? "the reviewer",
      comment_id: String(thread.replyToId),
      request: fenceUntrusted(requests, { format: "markdown" }),
    }),
  ]
    .filter(Boolean)
    .join("\n");
}
