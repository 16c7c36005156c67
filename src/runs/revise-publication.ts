/**
 * What a review revision publishes once its commit is on the branch: one submitted review
 * holding a reply per thread (one notification), the resolved threads, the line in the PR
 * body's "Revisions", the note in the issue's plan comment and, for a request without
 * threads (`/droid fix` on the PR), a PR comment. Recorded in the job (its checkpoint) before the push, so that a retry after
 * the push answers each thread exactly once: a thread Droid answered after its request is
 * not answered again, a review the job already submitted is found by its marker, a line
 * already in a body is not added twice.
 */
import type { Logger } from "pino";
import { jobMarker } from "../github/comment-text.ts";
import { z } from "zod";
import type { GitHubClient } from "../github/octokit.ts";
import { findOwnComment, findPlanComment, type FoundPlanComment } from "../github/plan-comment.ts";
import { readReviewState, resolveThreads, submitReviewAnswers, unpostedAnswersMessage, type ReviewState } from "../github/review-answers.ts";
import { loadReviewThreads, type ReviewThread } from "../github/review-threads.ts";
import { readRevisions, withRevision } from "../github/revision-report.ts";
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
  /** The body of the one review that carries the replies (its footer). */
  reviewBody: z.string(),
  /** The line added to the PR body's "Revisions". */
  revisionLine: z.string(),
  /** The line added under "Execution" of the issue's plan comment, when the PR has one. */
  planNote: z.object({ issueNumber: z.number().int(), line: z.string() }).nullable(),
  /** The PR comment of a request without threads, or null (with threads, the review's body says it). */
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
  const due = p.replies.filter((r) => waiting.has(r.rootId) && !answered.has(r.replyToId));
  const resolving = ctx.resolveReviewThread ? p.replies.filter((r) => r.resolve).map((r) => r.rootId) : [];
  if (due.length > 0 || resolving.length > 0) {
    const ref = { ...common, pullNumber };
    const state = await readReviewState(octokit, ref).catch((error: unknown) => void ctx.log.error({ err: error }, "could not read the review threads"));
    if (due.length > 0) {
      const threads = await deliverAnswers(octokit, job, { botLogin: ctx.botLogin, log: ctx.log, say: ctx.say }, p.reviewBody, due, state ?? null);
      for (const reply of due) if (threads.has(reply.rootId)) answered.add(reply.replyToId);
      ctx.links.answered = [...answered];
      await ctx.record({ answered: ctx.links.answered });
    }
    if (state && resolving.length > 0) await resolveThreads(octokit, state, resolving).catch((error: unknown) => ctx.log.warn({ err: error }, "could not resolve review threads"));
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

/**
 * A revision's answers when nothing was pushed (no checkpoint): one submitted review all the
 * same. A retry runs again, and finds that review by its marker if this one got through.
 */
export async function answerUnpushed(octokit: GitHubClient, job: Job, who: Answerer, body: string, replies: readonly { rootId: number; body: string }[]): Promise<void> {
  if (replies.length === 0) return;
  const state = await readReviewState(octokit, { owner: job.repo.owner, repo: job.repo.name, pullNumber: job.target.number }).catch((error: unknown) => void who.log.error({ err: error }, "could not read the review threads"));
  await deliverAnswers(octokit, job, who, body, replies, state ?? null);
}

/** Who answers: Droid's login, the job's log, and how it posts a PR comment. */
export interface Answerer {
  botLogin: string;
  log: Logger;
  say: (body: string) => Promise<unknown>;
}

/**
 * Posts the answers as one submitted review (`state`: the review threads as read, null when
 * they could not be read). What the review could not carry — GitHub refused it, a thread is
 * gone — is not lost: one PR comment holds those answers, each linking its thread. Returns
 * the threads (by first comment) that got their answer one way or the other.
 */
async function deliverAnswers(octokit: GitHubClient, job: Job, who: Answerer, body: string, answers: readonly { rootId: number; body: string }[], state: ReviewState | null): Promise<Set<number>> {
  const posted = state
    ? await submitReviewAnswers(octokit, state, { jobId: job.id, botLogin: who.botLogin, body, answers }, who.log).catch((error: unknown) => void who.log.error({ err: error }, "could not post the answers as a review"))
    : undefined;
  const threads = new Set(posted?.answered ?? []);
  const missed = answers.filter((a) => !threads.has(a.rootId));
  if (missed.length === 0) return threads;
  try {
    await who.say(unpostedAnswersMessage(body, missed));
    for (const a of missed) threads.add(a.rootId);
  } catch (error) {
    who.log.error({ err: error }, "could not post the answers as a comment either");
  }
  return threads;
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
