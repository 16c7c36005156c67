/**
 * Where a fix run reads its ticket and tells what it does: a GitHub issue
 * (`issueFixThread`, below) or a Jira ticket (`jiraFixThread` in `jira-fix.ts`). The run
 * in `fix.ts` talks only to this — the plan to carry out, the ticket's words, the live
 * plan comment, steering, what it says, the closing report, and what follows a pull request.
 */
import type { Logger } from "pino";
import type { SteeringMessage } from "../agent/loop.ts";
import type { FixIssue } from "../agent/prompts.ts";
import type { PermissionGate } from "../github/gate.ts";
import type { GitHubClient } from "../github/octokit.ts";
import { contextUsedOf, findOwnComment, findPlanComment } from "../github/plan-comment.ts";
import type { PullRequestLink } from "../github/run-status.ts";
import { resultMarker } from "../github/fix-report.ts";
import type { PullRequestRef } from "../github/pull-request.ts";
import { IssueSteering } from "../github/steering.ts";
import type { Job } from "../jobs/types.ts";
import type { StoredPlan } from "../planning/schema.ts";
import { editLivePlan, type LivePlanState } from "./live-plan-comment.ts";
import type { PreviousPlan } from "./plan-thread.ts";
import { jobComment } from "./site.ts";

/** The ticket as a fix run uses it. */
export interface FixTicket {
  /** How the prompts name it: `issue #1`, `Jira ticket SHOP-7`. */
  name: string;
  /** The commit message's reference: `#1`, `SHOP-7`. */
  reference: string;
  pullRequestTitle: string;
  /** A line naming the ticket first in the pull request body (the Jira ticket's link); null for a GitHub issue (its `Closes`/`Refs #1` says it). */
  ticketLine: string | null;
  /** Whether merging the pull request closes the ticket when its body says `Closes <reference>` (a GitHub issue; not a Jira ticket). */
  closesOnMerge: boolean;
  /** Title and body for the prompt, with the author's access as the write-access check answers it. */
  issue: FixIssue;
}

export interface FixThread {
  /** The plan to carry out (its comment and the plan it carries), or null. */
  plan(): Promise<PreviousPlan | null>;
  ticket(): Promise<FixTicket>;
  /** What the branch is named and found by (`droid/<key>-<slug of the title>`): the issue's number, the ticket's lowercased key. */
  branchKey(): Promise<number | string>;
  /** The sandbox is ready and the agent starts. */
  started(): Promise<void>;
  /** Shows a fix run's state in the plan comment (a failed edit is logged, not thrown). */
  showPlan(commentId: number, stored: StoredPlan, state: LivePlanState & { pullRequest: PullRequestLink | null }): Promise<void>;
  /** The writer comments posted since the last look, for the agent's next turn. */
  steering(options: { since: Date; ignoreIds: number[]; minIntervalMs: number }): () => Promise<SteeringMessage[]>;
  /** Says something in the thread, with the job's reference under it. */
  say(body: string): Promise<unknown>;
  /** Posts a result (the closing report, which carries the job's reference itself); its id. */
  report(body: string): Promise<number>;
  /** The closing report an earlier attempt of this job posted, when the thread can tell; null otherwise. */
  reportOf(jobId: string): Promise<number | null>;
  /** The plan comment's address, for the pull request body. */
  planUrl(commentId: number): Promise<string>;
  /** The pull request was opened or updated. */
  pullRequestPublished(pr: PullRequestRef, content: { title: string; draft: boolean }): Promise<void>;
}

/** A GitHub issue: the plan comment with its marker, the issue's author through the gate, steering comments, Droid's comments. */
export function issueFixThread(deps: { octokit: GitHubClient; gate: PermissionGate; botLogin: string; commandWord: string; publicUrl: string | null; log: Logger }, job: Job): FixThread {
  const { octokit } = deps;
  const ref = { owner: job.repo.owner, repo: job.repo.name, issueNumber: job.target.number };
  const say = jobComment(octokit, job, deps.publicUrl);
  let contextUsed: string | null = null;
  // The issue's page as GitHub gives it (github.com or an Enterprise Server): the plan comment's link is built on it.
  let issuePage: string | null = null;
  return {
    plan: async () => {
      const found = await findPlanComment(octokit, ref, deps.botLogin);
      // The "Context used" the planning job wrote stays in the comment while the run edits it.
      contextUsed = found ? contextUsedOf(found.body) : null;
      return found ? { id: found.id, stored: found.parsed?.stored ?? null } : null;
    },
    ticket: async () => {
      const { data: issue } = await octokit.rest.issues.get({ owner: ref.owner, repo: ref.repo, issue_number: ref.issueNumber });
      issuePage = issue.html_url;
      return {
        name: `issue #${ref.issueNumber}`,
        reference: `#${ref.issueNumber}`,
        pullRequestTitle: issue.title,
        ticketLine: null,
        closesOnMerge: true,
        issue: await issueForPrompt(deps, job, issue),
      };
    },
    branchKey: async () => ref.issueNumber,
    started: async () => {},
    showPlan: (commentId, stored, state) => editLivePlan({ octokit, ref, commentId, stored, contextUsed, commandWord: deps.commandWord, log: deps.log }, state),
    steering: ({ since, ignoreIds, minIntervalMs }) => {
      const steering = new IssueSteering({ octokit, repo: job.repo, issueNumber: ref.issueNumber, since, gate: deps.gate, commandWord: deps.commandWord, minIntervalMs, ignoreIds, log: deps.log });
      return () => steering.take();
    },
    say,
    report: async (body) => (await octokit.rest.issues.createComment({ owner: ref.owner, repo: ref.repo, issue_number: ref.issueNumber, body })).data.id,
    reportOf: async (jobId) => (await findOwnComment(octokit, ref, deps.botLogin, resultMarker(jobId)))?.id ?? null,
    planUrl: async (commentId) => {
      issuePage ??= (await octokit.rest.issues.get({ owner: ref.owner, repo: ref.repo, issue_number: ref.issueNumber })).data.html_url;
      return `${issuePage}#issuecomment-${commentId}`;
    },
    pullRequestPublished: async () => {},
  };
}

/** The issue for the task message, with its author's access as the one write-access check answers it (bots never write). */
async function issueForPrompt(
  deps: { octokit: GitHubClient; gate: PermissionGate; log: Logger },
  job: Job,
  issue: { title: string; body?: string | null; user?: { login: string; type?: string } | null },
): Promise<FixIssue> {
  const login = issue.user?.login ?? "ghost";
  const human = issue.user?.login !== undefined && issue.user.type !== "Bot" && !login.endsWith("[bot]");
  const authorCanWrite =
    human &&
    (await deps.gate.hasWriteAccess(deps.octokit, job.repo, login).catch((error: unknown) => {
      deps.log.warn({ err: error, login }, "could not check the issue author's access; the issue is labelled as theirs without write access");
      return false;
    }));
  return { title: issue.title, body: issue.body ?? "", author: login, authorCanWrite };
}
