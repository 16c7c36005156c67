/**
 * Where a plan job reads its ticket and writes its one plan comment: a GitHub issue
 * (`issuePlanThread`, below) or a Jira ticket (`runs/jira-ticket.ts`). The planner in
 * `plan.ts` talks only to this: gather the context, find the plan written before,
 * publish the plan (edited in place on re-plans), say what went wrong.
 */
import type { GraphqlClient, WriteAccessLookup } from "../github/context/types.ts";
import { gatherIssueContext } from "../github/context/gather.ts";
import type { GitHubClient } from "../github/octokit.ts";
import { findPlanComment, renderPlanComment, upsertPlanComment, type FoundPlanComment, type IssueRef, type PlanCommentView } from "../github/plan-comment.ts";
import type { IssueContext } from "../planning/issue-context.ts";
import type { StoredPlan } from "../planning/schema.ts";

export interface ContextRequest {
  /** The comment that asked for the job (null for a label). */
  triggerCommentId: number | null;
  /** Comments after this are left out (the job's creation). */
  cutoff: Date;
  templatesDir: string;
  maxChars: number;
}

/** The plan written before on this ticket: its comment and the plan it carries (null when unreadable). */
export interface PreviousPlan {
  id: number;
  stored: StoredPlan | null;
}

export interface PlanThread {
  gather(request: ContextRequest): Promise<IssueContext>;
  /** The "Context used" line saying what was read of the ticket. */
  sourcesNote(context: IssueContext): string;
  previous(): Promise<PreviousPlan | null>;
  /** Writes the plan comment: edits `previous` in place, or creates the first one. */
  publish(view: PlanCommentView, previous: PreviousPlan | null): Promise<{ id: number; action: "created" | "updated" }>;
  /** Posts a comment (Markdown) on the ticket. */
  say(body: string): Promise<void>;
}

/** A GitHub issue: GraphQL context, the plan comment with its hidden marker, comments by Droid's bot account. */
export function issuePlanThread(deps: { octokit: GitHubClient; graphql: GraphqlClient; hasWriteAccess: WriteAccessLookup; botLogin: string }, ref: IssueRef): PlanThread {
  const found = new Map<number, FoundPlanComment>();
  return {
    gather: (request) => gatherIssueContext({ graphql: deps.graphql, hasWriteAccess: deps.hasWriteAccess }, { owner: ref.owner, name: ref.repo, issueNumber: ref.issueNumber, ...request }),
    sourcesNote: (ctx) =>
      `Issue #${ctx.issue.number}: title, body${ctx.issue.bodyCutChars > 0 ? " (trimmed)" : ""}, ${ctx.comments.length} of ${ctx.issue.totalComments} comment(s), ${ctx.issue.linkedPullRequests.length} linked pull request(s)${ctx.issue.linkedBodies.length > 0 ? `, the bodies of ${ctx.issue.linkedBodies.map((l) => `${l.kind} #${l.number}`).join(", ")}` : ""}`,
    previous: async () => {
      const comment = await findPlanComment(deps.octokit, ref, deps.botLogin);
      if (!comment) return null;
      found.set(comment.id, comment);
      return { id: comment.id, stored: comment.parsed?.stored ?? null };
    },
    publish: (view, previous) => upsertPlanComment(deps.octokit, ref, renderPlanComment(view), previous ? (found.get(previous.id) ?? null) : null),
    say: async (body) => {
      await deps.octokit.rest.issues.createComment({ owner: ref.owner, repo: ref.repo, issue_number: ref.issueNumber, body });
    },
  };
}
