/**
 * A revision's answers to a review, posted as ONE submitted pull-request review: one
 * notification for the reviewer, however many threads, instead of one email per reply.
 *
 * REST cannot do this: the `comments` of `POST /pulls/{n}/reviews` open new threads, and a
 * reply in an existing thread (`…/comments/{id}/replies`) is a review of its own. GraphQL
 * can: `addPullRequestReview` (no event: a pending review), one
 * `addPullRequestReviewThreadReply` per thread with that review's id, then
 * `submitPullRequestReview` with `event: COMMENT`.
 *
 * Idempotent per job: the review's body carries a hidden marker with the job's id, so a
 * retry after a crash finds the review its earlier attempt submitted and posts nothing; a
 * pending review left by a crash mid-way (only its author sees it, and while it exists
 * GitHub refuses the author any other reply) is deleted and the answers posted afresh.
 * The same read gives the thread ids that resolving threads needs.
 */
import type { Logger } from "pino";
import { z } from "zod";
import type { GitHubClient } from "./octokit.ts";

export interface ReviewRef {
  owner: string;
  repo: string;
  pullNumber: number;
}

/** A review thread as GraphQL knows it: its node id, and the database id of its first comment (the thread's `rootId`). */
export interface ThreadNode {
  id: string;
  rootId: number;
  isResolved: boolean;
}

/** What posting answers needs to know of the pull request. */
export interface ReviewState {
  pullRequestId: string;
  threads: readonly ThreadNode[];
  /** The latest pending (only their author sees those) and commented reviews, with their author's login as GraphQL gives it (a bot's without `[bot]`). */
  reviews: readonly { id: string; databaseId: number | null; state: string; body: string; author: string | null }[];
}

const STATE_QUERY = `query($owner: String!, $repo: String!, $number: Int!, $after: String) {
  repository(owner: $owner, name: $repo) {
    pullRequest(number: $number) {
      id
      reviews(last: 100, states: [PENDING, COMMENTED]) { nodes { id databaseId state body author { login } } }
      reviewThreads(first: 100, after: $after) {
        pageInfo { hasNextPage endCursor }
        nodes { id isResolved comments(first: 1) { nodes { databaseId } } }
      }
    }
  }
}`;

const StateAnswer = z.object({
  repository: z
    .object({
      pullRequest: z
        .object({
          id: z.string(),
          reviews: z.object({
            nodes: z.array(z.object({ id: z.string(), databaseId: z.number().int().nullable(), state: z.string(), body: z.string(), author: z.object({ login: z.string() }).nullable() }).nullable()),
          }),
          reviewThreads: z.object({
            pageInfo: z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullable() }),
            nodes: z.array(z.object({ id: z.string(), isResolved: z.boolean(), comments: z.object({ nodes: z.array(z.object({ databaseId: z.number().int().nullable() }).nullable()) }) }).nullable()),
          }),
        })
        .nullable(),
    })
    .nullable(),
});

const ADD_REVIEW = `mutation($pullRequestId: ID!, $body: String!) {
  addPullRequestReview(input: { pullRequestId: $pullRequestId, body: $body }) { pullRequestReview { id } }
}`;
const ADD_REPLY = `mutation($reviewId: ID!, $threadId: ID!, $body: String!) {
  addPullRequestReviewThreadReply(input: { pullRequestReviewId: $reviewId, pullRequestReviewThreadId: $threadId, body: $body }) { comment { id } }
}`;
const SUBMIT_REVIEW = `mutation($reviewId: ID!, $body: String!) {
  submitPullRequestReview(input: { pullRequestReviewId: $reviewId, event: COMMENT, body: $body }) { pullRequestReview { id databaseId state } }
}`;
const DELETE_REVIEW = "mutation($reviewId: ID!) { deletePullRequestReview(input: { pullRequestReviewId: $reviewId }) { pullRequestReview { id } } }";
const RESOLVE = "mutation($id: ID!) { resolveReviewThread(input: { threadId: $id }) { thread { isResolved } } }";

const AddedReview = z.object({ addPullRequestReview: z.object({ pullRequestReview: z.object({ id: z.string() }) }) });
const SubmittedReview = z.object({ submitPullRequestReview: z.object({ pullRequestReview: z.object({ id: z.string(), databaseId: z.number().int().nullable() }) }) });

/** The pull request's node id, every review thread (all pages) and its latest reviews. */
export async function readReviewState(octokit: GitHubClient, ref: ReviewRef): Promise<ReviewState> {
  const threads: ThreadNode[] = [];
  let first: { id: string; reviews: ReviewState["reviews"] } | null = null;
  let after: string | null = null;
  for (let page = 0; page < 20; page++) {
    const raw: unknown = await octokit.graphql(STATE_QUERY, { owner: ref.owner, repo: ref.repo, number: ref.pullNumber, after });
    const pr = StateAnswer.parse(raw).repository?.pullRequest;
    if (!pr) throw new Error(`pull request #${ref.pullNumber} not found`);
    first ??= { id: pr.id, reviews: pr.reviews.nodes.flatMap((r) => (r ? [{ ...r, author: r.author?.login ?? null }] : [])) };
    for (const t of pr.reviewThreads.nodes) {
      const rootId = t?.comments.nodes[0]?.databaseId;
      if (t && rootId != null) threads.push({ id: t.id, rootId, isResolved: t.isResolved });
    }
    if (!pr.reviewThreads.pageInfo.hasNextPage) break;
    after = pr.reviewThreads.pageInfo.endCursor;
  }
  if (!first) throw new Error(`pull request #${ref.pullNumber} not found`);
  return { pullRequestId: first.id, threads, reviews: first.reviews };
}

/** The hidden line that names the job in the body of the review holding its answers. */
export function answersMarker(jobId: string): string {
  return `<!-- droid:review-answers job=${jobId} -->`;
}

export interface ReviewAnswers {
  jobId: string;
  /** Droid's `<slug>[bot]` login: only its own reviews are found by their marker or deleted. */
  botLogin: string;
  /** The review's body (what no single thread says, and the one footer). */
  body: string;
  /** One answer per thread, by the thread's first comment. */
  answers: readonly { rootId: number; body: string }[];
}

/** What was posted: the threads answered (by `rootId`), and whether an earlier attempt had already submitted them. */
export interface PostedAnswers {
  answered: number[];
  earlier: boolean;
}

/**
 * Posts the answers as one submitted review. A thread GitHub no longer has (deleted) is
 * skipped and logged; a reply GitHub refuses is logged and the others still go out.
 */
export async function submitReviewAnswers(octokit: GitHubClient, state: ReviewState, input: ReviewAnswers, log: Logger): Promise<PostedAnswers> {
  const marker = answersMarker(input.jobId);
  // Droid's own reviews only: anyone can paste a marker into theirs.
  const own = state.reviews.filter((r) => r.author !== null && (r.author === input.botLogin || `${r.author}[bot]` === input.botLogin));
  if (own.some((r) => r.state === "COMMENTED" && r.body.includes(marker))) {
    log.info({ jobId: input.jobId }, "an earlier attempt already submitted the review's answers");
    return { answered: input.answers.map((a) => a.rootId), earlier: true };
  }
  for (const left of own.filter((r) => r.state === "PENDING")) {
    log.warn({ reviewId: left.id }, "deleting a pending review left by an interrupted attempt");
    await octokit.graphql(DELETE_REVIEW, { reviewId: left.id });
  }
  const threadOf = new Map(state.threads.map((t) => [t.rootId, t.id]));
  const answers = input.answers.flatMap((a) => {
    const threadId = threadOf.get(a.rootId);
    if (threadId === undefined) log.warn({ rootId: a.rootId }, "review thread not found on GitHub; not answered");
    return threadId === undefined ? [] : [{ ...a, threadId }];
  });
  if (answers.length === 0) return { answered: [], earlier: false };

  const body = `${input.body}\n\n${marker}`;
  const review = AddedReview.parse(await octokit.graphql(ADD_REVIEW, { pullRequestId: state.pullRequestId, body })).addPullRequestReview.pullRequestReview.id;
  const answered: number[] = [];
  for (const answer of answers) {
    await octokit
      .graphql(ADD_REPLY, { reviewId: review, threadId: answer.threadId, body: answer.body })
      .then(() => answered.push(answer.rootId))
      .catch((error: unknown) => log.error({ err: error, rootId: answer.rootId }, "could not reply in a review thread"));
  }
  if (answered.length === 0) {
    await octokit.graphql(DELETE_REVIEW, { reviewId: review });
    return { answered, earlier: false };
  }
  const submitted = SubmittedReview.parse(await octokit.graphql(SUBMIT_REVIEW, { reviewId: review, body })).submitPullRequestReview.pullRequestReview;
  log.info({ reviewId: submitted.databaseId, threads: answered.length }, "answers submitted as one review");
  return { answered, earlier: false };
}

/** Resolves the open threads whose first comment is one of `rootIds`. Returns how many were resolved. */
export async function resolveThreads(octokit: GitHubClient, state: ReviewState, rootIds: readonly number[]): Promise<number> {
  const wanted = new Set(rootIds);
  let resolved = 0;
  for (const thread of state.threads) {
    if (thread.isResolved || !wanted.has(thread.rootId)) continue;
    await octokit.graphql(RESOLVE, { id: thread.id });
    resolved++;
  }
  return resolved;
}

/**
 * The answers a review could not carry, as one PR comment: the review's own text, then each
 * answer under a link to its thread (`#discussion_r<id>` on the pull request's page).
 */
export function unpostedAnswersMessage(reviewBody: string, answers: readonly { rootId: number; body: string }[]): string {
  const threads = answers.map((a) => `**[In this thread](#discussion_r${a.rootId})**\n\n${a.body}`);
  return [reviewBody, "GitHub did not take my answers as a review in the threads, so here they are:", ...threads].join("\n\n");
}
