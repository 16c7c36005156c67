/**
 * GitHub's GraphQL side of pull-request reviews, as a small stateful fake shared by the
 * nock tests and the GitHub stand-in: the review threads of a pull request (node id, first
 * comment's database id, resolved or not), pending and submitted reviews, and the
 * mutations Droid uses — `addPullRequestReview`, `addPullRequestReviewThreadReply`,
 * `submitPullRequestReview`, `deletePullRequestReview`, `resolveReviewThread` — answered in
 * GitHub's shapes, with GitHub's refusals: one pending review per author and pull request,
 * a reply only into a pending review and a known thread, only a pending review submitted.
 */

export interface ThreadRow {
  id: string;
  pullNumber: number;
  /** The database id of the thread's first comment. */
  rootId: number;
  isResolved: boolean;
}

export interface ReviewRow {
  id: string;
  databaseId: number;
  pullNumber: number;
  state: "PENDING" | "COMMENTED";
  body: string;
  /** Its author's login as GraphQL gives it (a bot's without `[bot]`). */
  author: string;
  /** The replies it holds, shown on the pull request once it is submitted. */
  replies: { threadId: string; rootId: number; body: string }[];
}

export interface GraphqlRequest {
  query: string;
  variables?: Record<string, unknown>;
}

/** The root field a GraphQL request asks for (`repository` for the review state query). */
export function operationOf(request: GraphqlRequest): string {
  return /^\s*(?:query|mutation)\b[^{]*\{\s*(\w+)/.exec(request.query)?.[1] ?? "?";
}

/** The operations this fake answers. */
export const REVIEW_OPERATIONS = new Set(["addPullRequestReview", "addPullRequestReviewThreadReply", "submitPullRequestReview", "deletePullRequestReview", "resolveReviewThread"]);

/** Whether a state query is the one reading reviews and threads (the stand-in answers other `repository` queries elsewhere). */
export function isReviewRequest(request: GraphqlRequest): boolean {
  const op = operationOf(request);
  return REVIEW_OPERATIONS.has(op) || (op === "repository" && request.query.includes("reviewThreads"));
}

/** The thread node id the fake gives the thread whose first comment is `rootId`. */
export const threadNodeId = (rootId: number) => `PRRT_kwDO${rootId}`;

export class ReviewGraphql {
  readonly threads: ThreadRow[] = [];
  readonly reviews: ReviewRow[] = [];
  /** Every operation, by its root field, in order. */
  readonly operations: string[] = [];
  #nextId = 90_000;
  readonly #onSubmit: (review: ReviewRow) => void;
  readonly #viewer: string;

  /**
   * `viewer`: the login the requests are made as (Droid's `<slug>[bot]`); `onSubmit` sees each
   * review as it is submitted (the stand-in lists its replies as review comments then).
   */
  constructor(viewer: string, onSubmit: (review: ReviewRow) => void = () => {}) {
    this.#viewer = viewer.replace(/\[bot\]$/, "");
    this.#onSubmit = onSubmit;
  }

  /** A thread for each root comment (one without `in_reply_to_id`) of the pull request. */
  addThreads(pullNumber: number, comments: readonly { id: number; in_reply_to_id?: number | null }[]): this {
    for (const c of comments) if (c.in_reply_to_id == null) this.threads.push({ id: threadNodeId(c.id), pullNumber, rootId: c.id, isResolved: false });
    return this;
  }

  /** The submitted reviews' replies, by the thread's first comment. */
  submittedReplies(): Map<number, string> {
    return new Map(this.reviews.filter((r) => r.state === "COMMENTED").flatMap((r) => r.replies.map((x) => [x.rootId, x.body] as const)));
  }

  /** Answers one GraphQL request as GitHub would (HTTP 200, `data` and/or `errors`). */
  answer(request: GraphqlRequest): { data?: unknown; errors?: unknown[] } {
    const { query } = request;
    const v = request.variables ?? {};
    const field = operationOf(request);
    this.operations.push(field === "repository" ? "reviewState" : field);
    const error = (type: string, message: string) => ({ data: { [field]: null }, errors: [{ type, path: [field], locations: [{ line: 2, column: 3 }], message }] });
    switch (field) {
      case "repository": {
        const number = Number(v.number);
        const threads = this.threads.filter((t) => t.pullNumber === number);
        // Pending reviews are seen by their author only.
        const reviews = this.reviews.filter((r) => r.pullNumber === number && (r.state !== "PENDING" || r.author === this.#viewer)).slice(-100);
        return {
          data: {
            repository: {
              pullRequest: {
                id: `PR_${number}`,
                reviews: { nodes: reviews.map((r) => ({ id: r.id, databaseId: r.databaseId, state: r.state, body: r.body, author: { login: r.author } })) },
                reviewThreads: {
                  pageInfo: { hasNextPage: false, endCursor: threads.length > 0 ? "Y3Vyc29yOnYyOpHOAAAB" : null },
                  nodes: threads.map((t) => ({ id: t.id, isResolved: t.isResolved, comments: { nodes: [{ databaseId: t.rootId }] } })),
                },
              },
            },
          },
        };
      }
      case "addPullRequestReview": {
        const pullNumber = Number(/^PR_(\d+)$/.exec(String(v.pullRequestId))?.[1]);
        if (!pullNumber) return error("NOT_FOUND", `Could not resolve to a node with the global id of '${String(v.pullRequestId)}'.`);
        if (this.reviews.some((r) => r.pullNumber === pullNumber && r.state === "PENDING" && r.author === this.#viewer)) return error("UNPROCESSABLE", "User can only have one pending review per pull request");
        const databaseId = this.#nextId++;
        const review: ReviewRow = { id: `PRR_kwDO${databaseId}`, databaseId, pullNumber, state: "PENDING", body: String(v.body ?? ""), author: this.#viewer, replies: [] };
        this.reviews.push(review);
        return { data: { addPullRequestReview: { pullRequestReview: { id: review.id } } } };
      }
      case "addPullRequestReviewThreadReply": {
        const review = this.reviews.find((r) => r.id === v.reviewId);
        const thread = this.threads.find((t) => t.id === v.threadId);
        if (!review || !thread) return error("NOT_FOUND", `Could not resolve to a node with the global id of '${String(review ? v.threadId : v.reviewId)}'.`);
        if (review.state !== "PENDING") return error("UNPROCESSABLE", "Review has already been submitted.");
        if (thread.pullNumber !== review.pullNumber) return error("UNPROCESSABLE", "The thread is not on this review's pull request.");
        review.replies.push({ threadId: thread.id, rootId: thread.rootId, body: String(v.body ?? "") });
        return { data: { addPullRequestReviewThreadReply: { comment: { id: `PRRC_kwDO${this.#nextId++}` } } } };
      }
      case "submitPullRequestReview": {
        const review = this.reviews.find((r) => r.id === v.reviewId);
        if (!review) return error("NOT_FOUND", `Could not resolve to a node with the global id of '${String(v.reviewId)}'.`);
        if (review.state !== "PENDING") return error("UNPROCESSABLE", "Review has already been submitted.");
        const event = /event:\s*(\w+)/.exec(query)?.[1];
        if (event !== "COMMENT") return error("UNPROCESSABLE", `Droid only comments; got event ${String(event)}.`);
        if (typeof v.body === "string") review.body = v.body;
        review.state = "COMMENTED";
        this.#onSubmit(review);
        return { data: { submitPullRequestReview: { pullRequestReview: { id: review.id, databaseId: review.databaseId, state: review.state } } } };
      }
      case "deletePullRequestReview": {
        const at = this.reviews.findIndex((r) => r.id === v.reviewId);
        if (at < 0) return error("NOT_FOUND", `Could not resolve to a node with the global id of '${String(v.reviewId)}'.`);
        if (this.reviews[at]?.state !== "PENDING") return error("UNPROCESSABLE", "Can not delete a submitted review.");
        const [gone] = this.reviews.splice(at, 1);
        return { data: { deletePullRequestReview: { pullRequestReview: { id: gone?.id } } } };
      }
      case "resolveReviewThread": {
        const thread = this.threads.find((t) => t.id === v.id);
        if (!thread) return error("NOT_FOUND", `Could not resolve to a node with the global id of '${String(v.id)}'.`);
        thread.isResolved = true;
        return { data: { resolveReviewThread: { thread: { isResolved: true } } } };
      }
      default:
        return error("UNKNOWN", `not known to the review fake: ${field}`);
    }
  }
}
