/**
 * The review threads a revision answers, read from GitHub itself (never from the
 * webhook alone): each with its file, line range, diff hunk and the thread's history.
 * One REST listing of the PR's review comments gives both the review's comments and
 * every thread they belong to.
 */
import { z } from "zod";
import type { ReviewComment } from "../jobs/types.ts";
import type { ReviewThread, ThreadComment } from "../agent/review-thread.ts";
import type { GitHubClient } from "./octokit.ts";

export type { ReviewThread, ThreadComment };

const CommentRow = z.object({
  id: z.number().int(),
  pull_request_review_id: z.number().int().nullable().optional(),
  in_reply_to_id: z.number().int().optional(),
  body: z.string(),
  path: z.string(),
  line: z.number().int().nullable().optional(),
  start_line: z.number().int().nullable().optional(),
  original_line: z.number().int().nullable().optional(),
  diff_hunk: z.string(),
  created_at: z.string(),
  user: z.object({ login: z.string() }).nullable(),
});
type CommentRow = z.infer<typeof CommentRow>;

export interface ThreadQuery {
  owner: string;
  repo: string;
  pullNumber: number;
  /** The review that started the job (its comments are the requests), or null. */
  reviewId: number | null;
  /** Comments named by the job (a reply in a thread), used when GitHub no longer lists them. */
  comments: readonly ReviewComment[];
  requester: string;
  /** Droid's own login: a thread Droid already answered after the request is not answered twice. */
  botLogin: string;
}

/** The threads of the job's review (or of its named comments), in the order the reviewer wrote them. */
export async function loadReviewThreads(octokit: GitHubClient, query: ThreadQuery): Promise<ReviewThread[]> {
  const raw = await octokit.paginate(octokit.rest.pulls.listReviewComments, { owner: query.owner, repo: query.repo, pull_number: query.pullNumber, per_page: 100 });
  const rows = raw.map((r) => CommentRow.parse(r));
  const named = new Set(query.comments.map((c) => c.id));
  const requests = rows.filter((r) => (query.reviewId !== null && r.pull_request_review_id === query.reviewId) || named.has(r.id));
  // A comment named by the webhook but gone from the listing (deleted, or not yet listed): keep what the webhook said.
  for (const c of query.comments) {
    if (!rows.some((r) => r.id === c.id)) {
      requests.push({ id: c.id, in_reply_to_id: c.inReplyToId ?? undefined, body: c.body, path: c.path, line: c.line, diff_hunk: c.diffHunk, created_at: new Date().toISOString(), user: { login: query.requester } });
    }
  }
  return groupIntoThreads(rows, requests).filter((t) => !answeredAfter(rows, t, query.botLogin));
}

/**
 * Whether Droid already replied in the thread after its latest request. GitHub reports a
 * single reply both as a review and as a review comment, so two jobs can name the same
 * comment; they run one after the other (branch lock), and the second skips it.
 */
function answeredAfter(rows: readonly CommentRow[], thread: ReviewThread, botLogin: string): boolean {
  const last = thread.requests.at(-1);
  if (!last) return false;
  return rows.some((r) => (r.id === thread.rootId || r.in_reply_to_id === thread.rootId) && r.user?.login === botLogin && r.created_at > last.createdAt);
}

/** Groups request comments by thread; the history is every other comment of the thread made before the latest request. */
export function groupIntoThreads(all: readonly CommentRow[], requests: readonly CommentRow[]): ReviewThread[] {
  const byRoot = new Map<number, CommentRow[]>();
  for (const r of [...requests].sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id - b.id)) {
    const root = r.in_reply_to_id ?? r.id;
    byRoot.set(root, [...(byRoot.get(root) ?? []), r]);
  }
  const threads: ReviewThread[] = [];
  for (const [rootId, asked] of byRoot) {
    const last = asked.at(-1);
    if (!last) continue;
    const root = all.find((r) => r.id === rootId) ?? asked[0] ?? last;
    const askedIds = new Set(asked.map((a) => a.id));
    const history = all
      .filter((r) => (r.id === rootId || r.in_reply_to_id === rootId) && !askedIds.has(r.id) && r.created_at <= last.created_at)
      .sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id - b.id);
    const line = root.line ?? null;
    threads.push({
      rootId,
      replyToId: last.id,
      requests: asked.map(threadComment),
      history: history.map(threadComment),
      path: root.path,
      startLine: root.start_line ?? null,
      line,
      originalLine: root.original_line ?? null,
      outdated: line === null,
      diffHunk: root.diff_hunk,
    });
  }
  return threads;
}

function threadComment(r: CommentRow): ThreadComment {
  return { id: r.id, author: r.user?.login ?? "ghost", body: r.body, createdAt: r.created_at };
}
