/**
 * From an accepted Sentry alert to an incident issue and an `rca` job.
 *
 * The first alert for a Sentry issue opens a GitHub issue labelled `droid` and
 * `incident` with what is known so far, then records the `rca` job on it. Later
 * alerts for the same Sentry issue update that issue (alert count, Sentry's
 * counts, last seen, timeline) and reopen it if it was closed; they do not open
 * another. Alerts for one Sentry issue are handled one at a time.
 *
 * This runs after the webhook was answered (Sentry allows one second); every
 * outcome is logged with the Sentry issue id and the request id.
 */
import type { Logger } from "pino";
import { DEFAULT_LABEL, INCIDENT_LABEL } from "../config/names.ts";
import type { GitHubClient } from "../github/octokit.ts";
import { hasStatus } from "../github/octokit.ts";
import type { JobQueue } from "../jobs/queue.ts";
import type { NewJob, RepoRef } from "../jobs/types.ts";
import type { SentryProject } from "./config.ts";
import { findIncidentIssue, type FoundIssue } from "../github/incident-issues.ts";
import type { SentryAlert } from "./payload.ts";
import { mergeAlert, newRecord } from "../incidents/build-record.ts";
import { readIncidentRecord } from "../incidents/record.ts";
import { incidentIssueTitle, renderIncidentReport } from "../github/incident-report.ts";
import type { IncidentStore } from "./store.ts";
import type { InstallationClient } from "../github/installations.ts";

export interface IntakeDeps {
  queue: JobQueue;
  store: IncidentStore;
  /** An installation client for the project's repository, and the installation's id. */
  github: (project: SentryProject) => Promise<InstallationClient>;
  log: Logger;
  now?: () => Date;
}

export type { InstallationClient };

export interface AcceptedAlert {
  alert: SentryAlert;
  project: SentryProject;
  /** Sentry's `Request-ID` header (unique per delivery). */
  requestId: string;
}

export type IntakeResult =
  | { kind: "created"; issueNumber: number; jobId: string }
  | { kind: "updated"; issueNumber: number; reopened: boolean; jobId: string | null };

/** Sentry request ids remembered to drop redeliveries of the same request. */
const SEEN_REQUESTS = 10_000;

export class IncidentIntake {
  readonly #deps: IntakeDeps;
  readonly #now: () => Date;
  /** The tail of the chain of alerts being handled, per Sentry issue. */
  readonly #chains = new Map<string, Promise<unknown>>();
  readonly #pending = new Set<Promise<unknown>>();
  readonly #seen = new Set<string>();

  constructor(deps: IntakeDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? (() => new Date());
  }

  /** Handles the alert in the background (after the webhook is answered). */
  accept(accepted: AcceptedAlert): void {
    const log = this.#log(accepted);
    if (this.#seen.has(accepted.requestId)) return void log.info("Sentry redelivered a request already handled; nothing to do");
    this.#seen.add(accepted.requestId);
    if (this.#seen.size > SEEN_REQUESTS) this.#seen.delete(this.#seen.values().next().value ?? "");
    const run = this.handle(accepted).then(
      (result) => log.info({ ...result }, result.kind === "created" ? "incident issue opened" : "incident issue updated"),
      (error: unknown) => log.error({ err: error }, "could not open or update the incident issue"),
    );
    this.#pending.add(run);
    void run.finally(() => this.#pending.delete(run));
  }

  /** Handles one alert; alerts for the same Sentry issue run one after the other. */
  handle(accepted: AcceptedAlert): Promise<IntakeResult> {
    const key = `${accepted.project.owner}/${accepted.project.repo}#${accepted.alert.sentryIssueId}`.toLowerCase();
    const previous = this.#chains.get(key) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.#handle(accepted));
    this.#chains.set(key, next);
    void next.catch(() => undefined).finally(() => {
      if (this.#chains.get(key) === next) this.#chains.delete(key);
    });
    return next;
  }

  /** Waits for every accepted alert to be handled (tests, graceful shutdown). */
  async drain(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all(this.#pending);
  }

  async #handle({ alert, project, requestId }: AcceptedAlert): Promise<IntakeResult> {
    const { octokit, installationId } = await this.#deps.github(project);
    const repo = await repoRef(octokit, project, installationId);
    const storeKey = { repo: `${project.owner}/${project.repo}`, sentryIssueId: alert.sentryIssueId };
    const now = this.#now();
    const existing = await this.#existingIssue(octokit, project, alert.sentryIssueId);
    if (!existing) {
      const record = newRecord(alert, project, repo, now);
      const { data: issue } = await octokit.rest.issues.create({
        owner: project.owner,
        repo: project.repo,
        title: incidentIssueTitle(record),
        body: renderIncidentReport(record),
        labels: [DEFAULT_LABEL, INCIDENT_LABEL],
      });
      await this.#deps.store.set(storeKey, issue.number);
      const jobId = await this.#recordJob(repo, issue.number, alert, requestId);
      return { kind: "created", issueNumber: issue.number, jobId };
    }
    await this.#deps.store.set(storeKey, existing.number);
    const previous = readIncidentRecord(existing.body) ?? newRecord(alert, project, repo, now);
    const record = mergeAlert(previous, alert, now, !existing.open);
    await octokit.rest.issues.update({
      owner: project.owner,
      repo: project.repo,
      issue_number: existing.number,
      body: renderIncidentReport(record),
      ...(existing.open ? {} : { state: "open" as const }),
    });
    // An incident gets one analysis; `/droid rca` asks for another. Record it only if none ever was.
    const jobs = await this.#deps.queue.listForTarget(repo, { kind: "issue", number: existing.number }, 100);
    const jobId = jobs.some((j) => j.request.kind === "rca") ? null : await this.#recordJob(repo, existing.number, alert, requestId);
    return { kind: "updated", issueNumber: existing.number, reopened: !existing.open, jobId };
  }

  async #existingIssue(octokit: GitHubClient, project: SentryProject, sentryIssueId: string): Promise<FoundIssue | null> {
    const known = await this.#deps.store.get({ repo: `${project.owner}/${project.repo}`, sentryIssueId });
    if (known !== undefined) {
      try {
        const { data } = await octokit.rest.issues.get({ owner: project.owner, repo: project.repo, issue_number: known });
        return { number: data.number, body: data.body ?? "", open: data.state === "open" };
      } catch (error) {
        // Deleted or transferred: look again, and open a new one if it is gone.
        if (!hasStatus(error, 404) && !hasStatus(error, 410)) throw error;
      }
    }
    return findIncidentIssue(octokit, { owner: project.owner, name: project.repo }, sentryIssueId, this.#deps.log);
  }

  async #recordJob(repo: RepoRef, issueNumber: number, alert: SentryAlert, requestId: string): Promise<string> {
    const job: NewJob = {
      deliveryId: `sentry:${requestId}`,
      repo,
      target: { kind: "issue", number: issueNumber },
      requester: "sentry",
      triggerCommentId: null,
      request: { kind: "rca", source: "sentry", sentryIssueId: alert.sentryIssueId },
    };
    const result = await this.#deps.queue.enqueue(job);
    return result.job.id;
  }

  #log({ alert, project, requestId }: AcceptedAlert): Logger {
    return this.#deps.log.child({ sentryIssueId: alert.sentryIssueId, requestId, repo: `${project.owner}/${project.repo}` });
  }
}

async function repoRef(octokit: GitHubClient, project: SentryProject, installationId: number): Promise<RepoRef & { htmlUrl: string }> {
  const { data } = await octokit.rest.repos.get({ owner: project.owner, repo: project.repo });
  return {
    owner: data.owner.login,
    name: data.name,
    installationId,
    defaultBranch: data.default_branch,
    htmlUrl: data.html_url,
  };
}
