/**
 * What a review revision publishes once its commit is on the branch: one reply per thread,
 * the resolved threads, the line in the PR body's "Revisions", the note in the issue's plan
 * comment and, when no thread carries it, a PR comment. Recorded in the job (its
 * checkpoint) before the push, so that a retry after the push answers each thread exactly
 * once: a thread Droid answered after its request is not answered again, a line already in
 * a body is not added twice.
 */
import { jobMarker } from "../github/comment-text.ts";
import { z } from "zod";
import { findOwnComment, findPlanComment, type FoundPlanComment } from "../github/plan-comment.ts";
import { loadReviewThreads, type ReviewThread } from "../github/review-threads.ts";
import { readRevisions, resolveThreads, withRevision } from "../github/revision-report.ts";
import { jobOutcomeSchema } from "../jobs/job-schema.ts";
import type { Job } from "../jobs/types.ts";
import type { PublishContext } from "./checkpoint.ts";
import { noteInPlanComment } from "./live-plan-comment.ts";

export const revisionPublicationSchema = z.object({
  kind: z.literal("revise"),
  branch: z.string().min(1),
  /** The commit the push puts on `branch`. */
  commit: z.string().regex(/^[0-9a-f]{40}$/),
  replies: z.array(z.object({ rootId: z.number().int(), replyToId: z.number().int(), body: z.string(), resolve: z.boolean() })),
  /** The line added to the PR body's "Revisions". */
  revisionLine: z.string(),
  /** The line added under "Execution" of the issue's plan comment, when the PR has one. */
  planNote: z.object({ issueNumber: z.number().int(), line: z.string() }).nullable(),
  /** The PR comment for what no thread carries, or null. */
  notice: z.string().nullable(),
  outcome: jobOutcomeSchema,
});

export type RevisionPublication = z.infer<typeof revisionPublicationSchema>;

export interface RevisionPublishContext extends PublishContext {
  job: Job & { request: { kind: "revise" } };
  commandWord: string;
  resolveReviewThread: boolean;
  /** Posts a PR comment with the job's id under it. */
  say: (body: string) => Promise<unknown>;
}

/** What the run already read (none on a retry: it looks again). */
export interface KnownState {
  threads: readonly ReviewThread[];
  pullRequestBody: string | null;
  planComment: FoundPlanComment | null;
}

export async function publishRevision(ctx: RevisionPublishContext, p: RevisionPublication, known: KnownState | null): Promise<void> {
  const { octokit, job } = ctx;
  const common = { owner: job.repo.owner, repo: job.repo.name };
  const pullNumber = job.target.number;
  await ctx.step("replies");
  // A retry answers only the threads still waiting: the others got their reply from the attempt that died.
  const waiting = new Set((known?.threads ?? (await waitingThreads(ctx))).map((t) => t.rootId));
  const answered = new Set(ctx.links.answered ?? []);
  for (const reply of p.replies) {
    if (!waiting.has(reply.rootId) || answered.has(reply.replyToId)) continue;
    await octokit.rest.pulls
      .createReplyForReviewComment({ ...common, pull_number: pullNumber, comment_id: reply.replyToId, body: reply.body })
      .then(async () => {
        answered.add(reply.replyToId);
        ctx.links.answered = [...answered];
        await ctx.record({ answered: ctx.links.answered });
      })
      .catch((error: unknown) => ctx.log.error({ err: error, commentId: reply.replyToId }, "could not reply in a review thread"));
  }
  if (ctx.resolveReviewThread) {
    const changed = p.replies.filter((r) => r.resolve).map((r) => r.rootId);
    await resolveThreads(octokit, { ...common, pullNumber }, changed).catch((error: unknown) => ctx.log.warn({ err: error }, "could not resolve review threads"));
  }

  await ctx.step("report");
  const body = known ? known.pullRequestBody : (await octokit.rest.pulls.get({ ...common, pull_number: pullNumber })).data.body;
  if (!readRevisions(body).some((line) => line.includes(p.commit.slice(0, 7)))) {
    await octokit.rest.pulls.update({ ...common, pull_number: pullNumber, body: withRevision(body, p.revisionLine) });
  }
  if (p.planNote) {
    const ref = { ...common, issueNumber: p.planNote.issueNumber };
    const found = known ? known.planComment : await findPlanComment(octokit, ref, ctx.botLogin);
    if (found && !found.body.includes(p.planNote.line)) await noteInPlanComment(octokit, ref, found, p.planNote.line, { log: ctx.log });
  }
  if (p.notice) {
    const posted = ctx.resumed ? await findOwnComment(octokit, { ...common, issueNumber: pullNumber }, ctx.botLogin, jobMarker(job.id)) : null;
    if (!posted) await ctx.say(p.notice);
  }
}

/** The threads of the job's request that Droid has not answered since. */
async function waitingThreads(ctx: RevisionPublishContext): Promise<ReviewThread[]> {
  const { job } = ctx;
  return loadReviewThreads(ctx.octokit, {
    owner: job.repo.owner,
    repo: job.repo.name,
    pullNumber: job.target.number,
    reviewId: job.request.reviewId,
    comments: job.request.comments,
    requester: job.requester,
    botLogin: ctx.botLogin,
  });
}
