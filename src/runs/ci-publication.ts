/**
 * What a CI revision publishes once its commit is on the branch: the note in the issue's plan
 * comment and one PR comment (which check failed, the cause found, what changed, the commit).
 * Recorded in the job (its checkpoint) before the push, so that a retry after the push
 * publishes it once: a plan note already there is not added again, a comment already posted
 * (found by the job's id under it) is not posted again.
 */
import { jobMarker } from "../github/comment-text.ts";
import { z } from "zod";
import { findOwnComment, findPlanComment, type FoundPlanComment } from "../github/plan-comment.ts";
import { jobOutcomeSchema } from "../jobs/job-schema.ts";
import type { Job } from "../jobs/types.ts";
import type { PublishContext } from "./checkpoint.ts";
import { noteInPlanComment } from "./live-plan-comment.ts";

export const ciPublicationSchema = z.object({
  kind: z.literal("ci-revision"),
  branch: z.string().min(1),
  commit: z.string().regex(/^[0-9a-f]{40}$/),
  /** The PR comment. */
  comment: z.string(),
  /** The line added under "Execution" of the issue's plan comment, when the PR has one. */
  planNote: z.object({ issueNumber: z.number().int(), line: z.string() }).nullable(),
  outcome: jobOutcomeSchema,
});

export type CiPublication = z.infer<typeof ciPublicationSchema>;

export interface CiPublishContext extends PublishContext {
  job: Job;
  commandWord: string;
  /** Posts a PR comment with the job's id under it. */
  say: (body: string) => Promise<unknown>;
}

/** `planComment`: the plan comment the run read (a retry passes undefined and looks again). */
export async function publishCiRevision(ctx: CiPublishContext, p: CiPublication, planComment?: FoundPlanComment | null): Promise<void> {
  const common = { owner: ctx.job.repo.owner, repo: ctx.job.repo.name };
  await ctx.step("report");
  if (p.planNote) {
    const ref = { ...common, issueNumber: p.planNote.issueNumber };
    const found = planComment !== undefined ? planComment : await findPlanComment(ctx.octokit, ref, ctx.botLogin);
    if (found && !found.body.includes(p.planNote.line)) await noteInPlanComment(ctx.octokit, ref, found, p.planNote.line, { log: ctx.log });
  }
  const posted = ctx.resumed ? await findOwnComment(ctx.octokit, { ...common, issueNumber: ctx.job.target.number }, ctx.botLogin, jobMarker(ctx.job.id)) : null;
  if (!posted) await ctx.say(p.comment);
}
