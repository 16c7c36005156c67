/**
 * What a fix run publishes once its commit is on the branch: the pull request, the plan
 * comment's last state and the closing comment. It is recorded in the job (its
 * checkpoint) before the push, so that a retry of a job whose process died after the
 * push publishes it without running the agent again. Every step is safe to repeat: the
 * pull request is found by its branch, the closing comment by its marker (on GitHub).
 */
import { z } from "zod";
import { closingComment } from "../github/fix-report.ts";
import { findDroidPullRequest, publishPullRequest, type PullRequestRef } from "../github/pull-request.ts";
import { jobOutcomeSchema } from "../jobs/job-schema.ts";
import type { Job } from "../jobs/types.ts";
import { runFactsSchema } from "../github/run-status.ts";
import { PlanSchema } from "../planning/schema.ts";
import type { PublishContext } from "./checkpoint.ts";
import type { FixThread } from "./fix-thread.ts";

const figuresSchema = z.object({
  model: z.string(),
  inputTokens: z.number(),
  outputTokens: z.number(),
  cachedShare: z.number(),
  costUsd: z.number(),
  durationMs: z.number(),
  jobId: z.string(),
  pageUrl: z.string().nullable().optional(),
});

export const fixPublicationSchema = z.object({
  kind: z.literal("fix"),
  branch: z.string().min(1),
  /** The commit the push puts on `branch`. */
  commit: z.string().regex(/^[0-9a-f]{40}$/),
  /** The open pull request of an earlier run when this job started (updated, not opened), or null. */
  existingPullRequest: z.number().int().nullable(),
  pullRequest: z.object({ title: z.string(), body: z.string(), draft: z.boolean() }),
  planComment: z.object({
    id: z.number().int(),
    plan: PlanSchema,
    revisions: z.array(z.object({ at: z.coerce.date(), reason: z.string(), changes: z.array(z.string()) })),
    phase: z.string(),
    figures: figuresSchema,
    facts: runFactsSchema.optional(),
  }),
  closing: z.object({
    jobId: z.string(),
    lead: z.array(z.string()),
    reasonNotPushed: z.string().nullable(),
    rest: z.array(z.string()),
    facts: runFactsSchema.optional(),
    status: z.object({ label: z.string(), durationMs: z.number(), costUsd: z.number(), pageUrl: z.string().nullable().optional() }).optional(),
    commandWord: z.string().optional(),
  }),
  outcome: jobOutcomeSchema,
});

export type FixPublication = z.infer<typeof fixPublicationSchema>;

export interface FixPublishContext extends PublishContext {
  job: Job;
  /** Where the closing report goes and what follows a pull request (a Jira ticket links it). */
  thread: Pick<FixThread, "report" | "reportOf" | "pullRequestPublished">;
  /** What the branch is found by (the issue's number, the ticket's key). */
  branchKey: number | string;
  /** Edits the plan comment to its final state, naming the pull request. */
  finalPlanEdit: (pullRequest: { number: number; draft: boolean }) => Promise<void>;
}

/**
 * Opens (or updates) the pull request, edits the plan comment, posts the closing comment
 * once. `existing` is the pull request known when the job started (a retry looks again).
 */
export async function publishFix(ctx: FixPublishContext, p: FixPublication, existing: PullRequestRef | null): Promise<PullRequestRef & { created: boolean }> {
  const { octokit, job } = ctx;
  const repo = { owner: job.repo.owner, repo: job.repo.name };
  await ctx.step("pull-request");
  const current = ctx.resumed ? await findDroidPullRequest(octokit, job.repo, ctx.branchKey) : existing;
  const published = await publishPullRequest(
    octokit,
    job.repo,
    { ...p.pullRequest, branch: p.branch, base: job.repo.defaultBranch, labels: ["droid"] },
    current,
  );
  const createdByThisJob = p.existingPullRequest === null;
  // Opened by the attempt that died: its label may be missing.
  if (!published.created && createdByThisJob) await octokit.rest.issues.addLabels({ ...repo, issue_number: published.number, labels: ["droid"] });
  const pr = { ...published, created: createdByThisJob };
  ctx.links.pullRequestNumber = pr.number;
  await ctx.record({ pullRequestNumber: pr.number });
  await ctx.thread.pullRequestPublished(pr, p.pullRequest);

  await ctx.finalPlanEdit({ number: pr.number, draft: p.pullRequest.draft });

  await ctx.step("report");
  if (ctx.links.resultCommentId === undefined && ctx.resumed) {
    const posted = await ctx.thread.reportOf(job.id);
    if (posted !== null) {
      ctx.log.info({ commentId: posted }, "the closing comment was posted by an earlier attempt");
      ctx.links.resultCommentId = posted;
    }
  }
  if (ctx.links.resultCommentId === undefined) {
    const id = await ctx.thread.report(closingComment(p.closing, pr));
    ctx.links.resultCommentId = id;
    await ctx.record({ resultCommentId: id });
  }
  return pr;
}
