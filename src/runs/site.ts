/**
 * What every run shares: this process's collaborators (`RunnerServices`) and, per job,
 * its site — the installation's client, the repository's config, the model and the
 * workbench's collaborators. A run whose config is invalid, whose model is missing or
 * whose repository or installation reached its daily spending cap ends here with a
 * comment saying so.
 */
import type { Probot } from "probot";
import { configProblemMessage } from "../github/messages.ts";
import { jobFooter } from "../github/comment-text.ts";
import { runPageUrl } from "../config/public-url.ts";
import { dailyCapMessage } from "../github/policy-messages.ts";
import type { GitHubClient } from "../github/octokit.ts";
import type { PermissionGate } from "../github/gate.ts";
import { loadRepoConfig } from "../github/repo-config-loader.ts";
import type { RepoConfig } from "../config/repo-config.ts";
import type { Settings } from "../config/settings.ts";
import type { JobQueue } from "../jobs/queue.ts";
import { capReached, dailyUsage, hasDailyCap } from "../jobs/spending.ts";
import { ShutdownRequested, type JobContext, type JobRunner } from "../jobs/worker.ts";
import type { FailureKind, Job, JobLinks, JobOutcome } from "../jobs/types.ts";
import type { LlmClient, TokenUsage } from "../llm/index.ts";
import type Docker from "dockerode";
import type { SandboxPlatform } from "../sandbox/index.ts";
import type { SandboxTimings } from "./workbench.ts";
import type { TranscriptStore } from "../jobs/transcript.ts";
import { TranscriptRecorder } from "./transcript-recorder.ts";
import { crashKind } from "./outcomes.ts";
import { observedLlm, type JobTrace, type RunTracer } from "./job-trace.ts";
import { JiraTicket, type JiraServices } from "./jira-ticket.ts";
import type { Logger } from "pino";

export interface RunnerServices {
  probot: Probot;
  /** The Docker engine sandboxes run on (local, or remote through DOCKER_HOST). */
  docker: Docker;
  /** The runtime and disk quota every sandbox gets, settled at start-up (`prepareSandboxPlatform`). */
  platform: SandboxPlatform;
  /** Strings that must never reach a sandbox or a comment (keys, secrets). */
  secrets: string[];
  settings: Settings;
  /** The job store's spending sums, for the daily caps checked when a job starts. */
  jobStore: Pick<JobQueue, "usage">;
  gate: PermissionGate;
  /** The model client, or why there is none (e.g. no API key configured). */
  llm: { client: LlmClient } | { problem: string };
  /** Droid's own `<slug>[bot]` login. */
  botLogin: () => Promise<string>;
  /** Days before an incident's first occurrence searched for suspect commits (default 14). */
  incidentHistoryDays?: number;
  /** How often a running fix may edit its plan comment and look for steering comments. */
  tuning?: { liveUpdateMs?: number; steeringPollMs?: number };
  /** Where the runs report model usage and sandbox timings (`/metrics`); absent: nowhere. */
  metrics?: RunMetrics;
  /** Where runs record their transcripts (the run pages); none: nothing is recorded. */
  transcripts?: TranscriptStore;
  /** Where each job's trace goes (OpenTelemetry, when an OTLP endpoint is configured); absent: nowhere. */
  tracer?: RunTracer;
  /** Jira, when configured: jobs on Jira tickets read and answer there. */
  jira?: JiraServices;
}

/** What runs tell the operators' metrics. */
export interface RunMetrics extends SandboxTimings {
  modelUsage(repo: string, usage: TokenUsage, costUsd: number): void;
}

/** What every model-using job gets: the installation's client, its config, the model. */
export interface JobSite {
  octokit: GitHubClient;
  config: RepoConfig;
  llm: LlmClient;
  /** The run's transcript, recorded as it happens. */
  transcript: TranscriptRecorder;
  /** The collaborators shared by the jobs that work in a sandbox on a clone. */
  bench: {
    docker: Docker;
    platform: SandboxPlatform;
    botLogin: string;
    token: () => Promise<string>;
    secrets: string[];
    dataDir: string;
    instance: string;
    githubHost: Settings["githubHost"];
    egress: Settings["sandboxEgress"];
    log: JobContext["log"];
    metrics?: SandboxTimings;
    /** The job's trace: a code run's steps go in it. */
    trace?: Pick<JobTrace, "step">;
    /** `DROID_PUBLIC_URL`: comments link to the job's run page. */
    publicUrl: string | null;
  };
}

/** What a kind's run returns: its outcome, what it cost, and the links it made. */
export interface RunResult {
  outcome: JobOutcome;
  costUsd: number;
  links?: JobLinks;
}

/** A kind's runner: the job's site first (installation client, config, model), then `work`, then its cost and links recorded. */
export function siteRunner(services: RunnerServices, work: (site: JobSite, job: Job, context: JobContext) => Promise<RunResult>): JobRunner {
  return async (job, context) => {
    const started = Date.now();
    const transcript = new TranscriptRecorder({ store: services.transcripts ?? null, job, secrets: services.secrets, log: context.log });
    transcript.begin();
    const trace = services.tracer?.startJob(job);
    let ended: { outcome: JobOutcome; costUsd: number; pullRequest: number | null } = { outcome: { state: "failed", error: "internal error", kind: "internal-error" }, costUsd: job.costUsd, pullRequest: null };
    try {
      const outcome = await withSite(services, job, context, { transcript, trace }, async (site) => {
        const result = await work(site, job, context);
        ended = { outcome: result.outcome, costUsd: result.costUsd, pullRequest: result.links?.pullRequestNumber ?? job.links.pullRequestNumber ?? null };
        await context.progress({ costUsd: result.costUsd, ...(result.links ? { links: result.links } : {}) });
        return result.outcome;
      });
      ended = { ...ended, outcome };
      return outcome;
    } catch (error) {
      // The outcome the worker records for a run that threw: interrupted by a shutdown, stopped, or a crash.
      const outcome: JobOutcome = !context.signal.aborted
        ? { state: "failed", error: "internal error", kind: crashKind(error) }
        : context.signal.reason instanceof ShutdownRequested
          ? { state: "interrupted", error: "the worker shut down", kind: "interrupted" }
          : { state: "cancelled", kind: "stopped-by-user" };
      ended = { ...ended, outcome };
      throw error;
    } finally {
      transcript.outcome(ended.outcome, { costUsd: ended.costUsd, durationMs: Date.now() - started, pullRequest: ended.pullRequest });
      trace?.end(ended.outcome, ended.costUsd);
      await transcript.flush();
    }
  };
}

/** The installation token behind an installation Octokit (for git over HTTPS on the worker). */
async function installationToken(octokit: GitHubClient): Promise<string> {
  const auth: unknown = await octokit.auth({ type: "installation" });
  if (typeof auth === "object" && auth !== null && "token" in auth && typeof auth.token === "string") return auth.token;
  throw new Error("no installation token");
}

/**
 * Authenticates as the installation and reads the repo's config; an invalid config, or
 * no model configured, ends the job with a comment saying so.
 */
async function withSite(
  services: RunnerServices,
  job: Job,
  context: JobContext,
  { transcript, trace }: { transcript: TranscriptRecorder; trace: JobTrace | undefined },
  run: (site: JobSite) => Promise<JobOutcome>,
): Promise<JobOutcome> {
  const octokit = await services.probot.auth(job.repo.installationId);
  const loaded = await loadRepoConfig(octokit, job.repo, services.settings.policy);
  if (!loaded.ok) {
    context.log.warn({ problems: loaded.problems }, "invalid repository configuration at run time");
    return failWith(services, octokit, job, configProblemMessage(loaded.problems, services.settings.docsUrl), { error: "invalid .github/droid.yml", kind: "config-error" });
  }
  if ("problem" in services.llm) return failWith(services, octokit, job, modelMissing(services.llm.problem), { error: "the model API is not configured", kind: "config-error" });
  const { caps } = services.settings;
  const over = hasDailyCap(caps) ? capReached(await dailyUsage(services.jobStore, job.repo), caps) : null;
  if (over) {
    context.log.info(over, "daily spending cap reached: the job is not started");
    return failWith(services, octokit, job, dailyCapMessage(over), { error: `daily spending cap of the ${over.scope} reached`, kind: "capped" });
  }
  const bench = {
    docker: services.docker,
    platform: services.platform,
    botLogin: await services.botLogin(),
    token: () => installationToken(octokit),
    secrets: services.secrets,
    dataDir: services.settings.dataDir,
    instance: services.settings.instance,
    githubHost: services.settings.githubHost,
    egress: services.settings.sandboxEgress,
    log: context.log,
    ...(services.metrics ? { metrics: services.metrics } : {}),
    ...(trace ? { trace } : {}),
    // Links to run pages only when they are served.
    publicUrl: services.settings.runPages.enabled ? services.settings.publicUrl : null,
  };
  const llm = observedLlm(services.llm.client, { repo: `${job.repo.owner}/${job.repo.name}`.toLowerCase(), metrics: services.metrics, trace });
  return run({ octokit, config: loaded.config, llm, transcript, bench });
}

/** Comments on the job's issue or pull request, with the job's id under the text. */
export function jobComment(octokit: GitHubClient, job: Job, publicUrl: string | null = null): (body: string) => Promise<unknown> {
  const footer = jobFooter(job.id, runPageUrl(publicUrl, job.id));
  return (body) => octokit.rest.issues.createComment({ owner: job.repo.owner, repo: job.repo.name, issue_number: job.target.number, body: `${body}\n\n${footer}` });
}

async function failWith(services: RunnerServices, octokit: GitHubClient, job: Job, body: string, why: { error: string; kind: FailureKind }): Promise<JobOutcome> {
  if (job.target.kind === "jira_issue") await jiraTicket(services, octokit, job, null, null).say(body);
  else await octokit.rest.issues.createComment({ owner: job.repo.owner, repo: job.repo.name, issue_number: job.target.number, body });
  return { state: "failed", ...why };
}

/** The Jira ticket of a job on one (Jira must be configured in this worker). */
export function jiraTicketOf(services: RunnerServices, site: JobSite, job: Job, log: Logger): JiraTicket {
  return jiraTicket(services, site.octokit, job, log, site.bench.publicUrl);
}

function jiraTicket(services: RunnerServices, octokit: GitHubClient, job: Job, log: Logger | null, publicUrl: string | null): JiraTicket {
  if (!services.jira) throw new Error(`job ${job.id} is on a Jira ticket but this worker has no Jira settings (DROID_JIRA_*)`);
  return new JiraTicket({ jira: services.jira, job, octokit, gate: services.gate, log: log ?? services.probot.log, publicUrl });
}

function modelMissing(problem: string): string {
  return `Droid can't work on this: its model API is not configured (${problem}). Ask the operators of this Droid installation to set it up; nothing was changed.`;
}
