/**
 * The Probot app: registers the webhook handlers and hands each trigger to
 * `answerTrigger`. Nothing else happens here.
 */
import type { ApplicationFunction } from "probot";
import type { JobCaps } from "./config/policy.ts";
import { answerBranchPush, answerCiSignal } from "./github/answer-ci.ts";
import { answerTrigger, sendAnswers } from "./github/answer-trigger.ts";
import { BRANCH_PUSH_EVENT, CI_EVENTS, readBranchPush, readCiSignal } from "./github/ci-events.ts";
import type { PermissionGate } from "./github/gate.ts";
import { readDroidMerge } from "./github/merges.ts";
import type { GitHubOutbox } from "./github/outbox.ts";
import type { RepoConfigCache } from "./github/repo-config-loader.ts";
import { isTrigger, readTrigger } from "./github/triggers.ts";
import { jiraWebhookHandler } from "./jira/http.ts";
import type { JiraIntake } from "./jira/intake.ts";
import type { JiraSettings } from "./jira/settings.ts";
import type { JobQueue } from "./jobs/queue.ts";
import type { SentrySettings } from "./sentry/config.ts";
import { sentryWebhookHandler } from "./sentry/http.ts";
import type { IncidentIntake } from "./sentry/intake.ts";

export interface AppServices {
  queue: JobQueue;
  gate: PermissionGate;
  configs: RepoConfigCache;
  outbox: GitHubOutbox;
  /** The operator's daily spending and queue caps (default: the settings' defaults). */
  caps?: JobCaps;
  /** `DROID_DOCS_URL`: where Droid's documentation is published (messages link it). */
  docsUrl?: string | null;
  /** Sentry intake on `/api/sentry/webhooks`, when configured. */
  incidents?: { settings: SentrySettings; intake: IncidentIntake };
  /** Jira intake on `/api/jira/webhooks`, when configured. */
  jira?: { settings: JiraSettings; intake: JiraIntake };
}

export const TRIGGER_EVENTS: ("issue_comment.created" | "issues.labeled" | "pull_request_review.submitted" | "pull_request_review_comment.created")[] = [
  "issue_comment.created",
  "issues.labeled",
  "pull_request_review.submitted",
  "pull_request_review_comment.created",
];

/** Delivery ids answered recently by this process, so a redelivered `help` is not answered twice. */
class RecentDeliveries {
  readonly #seen = new Set<string>();
  readonly limit = 10_000;
  /** True the first time an id is offered. */
  first(id: string): boolean {
    if (this.#seen.has(id)) return false;
    this.#seen.add(id);
    if (this.#seen.size > this.limit) this.#seen.delete(this.#seen.values().next().value ?? "");
    return true;
  }
}

export function droidApp(services: AppServices): ApplicationFunction {
  const recent = new RecentDeliveries();
  return (app, { addHandler }) => {
    if (services.incidents) addHandler(sentryWebhookHandler({ ...services.incidents, log: app.log }));
    if (services.jira) addHandler(jiraWebhookHandler({ ...services.jira, log: app.log }));
    app.on(TRIGGER_EVENTS, async (context) => {
      const trigger = readTrigger(`${context.name}.${context.payload.action}`, context.id, context.payload);
      if (!isTrigger(trigger)) {
        context.log.debug({ deliveryId: context.id, why: trigger.ignored }, "not a trigger");
        return;
      }
      const answers = await answerTrigger(trigger, { ...services, octokit: context.octokit, log: context.log });
      if (recent.first(context.id)) sendAnswers(context.octokit, trigger, answers, services.outbox);
    });
    // CI of a commit moved: a failed head commit of a Droid pull request records one ci-revision.
    app.on([...CI_EVENTS], async (context) => {
      const name = "action" in context.payload && typeof context.payload.action === "string" ? `${context.name}.${context.payload.action}` : context.name;
      const signal = readCiSignal(name, context.id, context.payload);
      if ("ignored" in signal) {
        context.log.debug({ deliveryId: context.id, why: signal.ignored }, "CI event ignored");
        return;
      }
      await answerCiSignal(signal, { ...services, octokit: context.octokit, log: context.log });
    });
    // A push to a Droid pull request's branch: the CI revision still queued for the replaced commit ends at once.
    app.on(BRANCH_PUSH_EVENT, async (context) => {
      const push = readBranchPush(context.id, context.payload);
      if ("ignored" in push) {
        context.log.debug({ deliveryId: context.id, why: push.ignored }, "push not followed");
        return;
      }
      await answerBranchPush(push, { queue: services.queue, log: context.log });
    });
    // Records the merges of Droid's pull requests (`droid stats`) and moves a Jira ticket whose pull request merged; never runs a job.
    app.on("pull_request.closed", async (context) => {
      const read = readDroidMerge(context.payload);
      if ("ignored" in read) {
        context.log.debug({ deliveryId: context.id, why: read.ignored }, "closed pull request not recorded");
        return;
      }
      await services.queue.recordMerge(read.merge).catch((error: unknown) => context.log.error({ err: error, merge: read.merge }, "could not record a merge"));
      // A Jira ticket's pull request: its project may move the ticket on merge.
      await services.jira?.intake
        .pullRequestMerged({ ...read.merge, branch: read.branch }, context.log)
        .catch((error: unknown) => context.log.error({ err: error, branch: read.branch }, "could not move the Jira ticket of a merged pull request"));
    });
  };
}
