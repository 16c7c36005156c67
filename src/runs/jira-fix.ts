/**
 * `/droid fix` on a Jira ticket: the fix run of `fix.ts` with the ticket as its thread.
 * The plan comes from the ticket's issue property; the plan comment in Jira shows the
 * live state (and the property keeps the subtask states); the branch is
 * `droid/<key>-<summary>`; the pull request is titled and opened with the ticket's key
 * and link, then linked on the ticket (a remote link); the project's transitions move the
 * ticket when the sandbox is ready and when the pull request is ready for review; every
 * message and the closing report are comments on the ticket.
 *
 * Writer comments on the ticket steer the run as on GitHub (without a 👀: Jira's REST API
 * has no reactions). The closing report carries the comment property `droid.result` with the
 * job's id, so a retry after a crash between the report and the job's end finds it and
 * does not post it again.
 */
import type { JobRunner } from "../jobs/worker.ts";
import { fixDeps, runFixOn } from "./fix.ts";
import type { FixThread } from "./fix-thread.ts";
import type { JiraTicket } from "./jira-ticket.ts";
import { livePlanView } from "./live-plan-comment.ts";
import { jiraTicketOf, siteRunner, type RunnerServices } from "./site.ts";

export function jiraFixRunner(services: RunnerServices): JobRunner {
  return siteRunner(services, (site, job, context) =>
    runFixOn(jiraFixThread(jiraTicketOf(services, site, job, context.log), site.config.command), fixDeps(services, site, job, context), job, context.signal),
  );
}

export function jiraFixThread(ticket: JiraTicket, commandWord: string): FixThread {
  const transitions = async () => (await ticket.project())?.transitions ?? { fixStarted: null, pullRequestReady: null, pullRequestMerged: null };
  return {
    plan: () => ticket.previous(),
    ticket: async () => {
      const issue = await ticket.issue();
      const url = await ticket.url();
      const reporter = issue.reporter ? await ticket.writer(issue.reporter) : null;
      return {
        name: `Jira ticket ${issue.key}`,
        reference: issue.key,
        pullRequestTitle: `${issue.key}: ${issue.summary}`,
        ticketLine: `Jira: [${issue.key}](${url}) ${issue.summary}`,
        closesOnMerge: false,
        issue: {
          title: issue.summary,
          body: issue.description,
          author: reporter?.login ?? issue.reporter?.displayName ?? "unknown",
          authorCanWrite: reporter?.writer ?? false,
        },
      };
    },
    branchKey: async () => (await ticket.issue()).key.toLowerCase(),
    started: async () => ticket.transition((await transitions()).fixStarted),
    showPlan: async (commentId, stored, state) => {
      await ticket.editPlan(commentId, livePlanView({ stored, contextUsed: null, commandWord }, state));
      await ticket.storePlan(commentId, { ...stored, plan: state.plan });
    },
    steering: (options) => ticket.steering({ ...options, commandWord }),
    say: (body) => ticket.say(body),
    report: (body) => ticket.report(body),
    reportOf: (jobId) => ticket.reportOf(jobId),
    planUrl: async (commentId) => `${await ticket.url()}?focusedCommentId=${commentId}`,
    pullRequestPublished: async (pr, content) => {
      await ticket.linkPullRequest({ number: pr.number, url: pr.url, title: content.title, draft: content.draft });
      if (!content.draft) await ticket.transition((await transitions()).pullRequestReady);
    },
  };
}
