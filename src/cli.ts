#!/usr/bin/env node
/**
 * Process entry point.
 *   droid serve    webhooks + an embedded worker (the default deployment)
 *   droid worker   a worker only, for scale-out on a shared queue
 */
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import type Docker from "dockerode";
import { createProbot, run, type Probot } from "probot";
import type { Logger } from "pino";
import { readSettings, readWebhookSecret, SettingsError, type Settings } from "./config/settings.ts";
import { PermissionGate } from "./github/gate.ts";
import { internalErrorMessage } from "./github/messages.ts";
import { GitHubOutbox } from "./github/outbox.ts";
import { loadRepoConfig, RepoConfigCache } from "./github/repo-config-loader.ts";
import { interruptedMessage, reportInterruptedJobs } from "./github/interrupted.ts";
import { poolRecordFile } from "./config/data-dir.ts";
import { DEFAULT_COMMAND_WORD } from "./config/names.ts";
import type { Job } from "./jobs/types.ts";
import { describeQueue, openJobQueue } from "./jobs/open-queue.ts";
import { startJobProcessing, type JobProcessing } from "./jobs/processing.ts";
import { startRetention } from "./jobs/retention.ts";
import { parsePeriod, renderSuccessRates, successRates } from "./jobs/stats.ts";
import { operatorRoutes, startOperatorServer, type ReadinessCheck } from "./metrics/endpoints.ts";
import { DroidMetrics } from "./metrics/metrics.ts";
import { OtlpJobTracer } from "./tracing/otlp-tracer.ts";
import { openTranscriptStore } from "./jobs/open-transcripts.ts";
import type { TranscriptStore } from "./jobs/transcript.ts";
import { runPagesRoute } from "./pages/index.ts";
import type { JobQueue } from "./jobs/queue.ts";
import { redeliverMissedWebhooks } from "./github/redeliver.ts";
import { readSentrySettings } from "./sentry/config.ts";
import { IncidentIntake } from "./sentry/intake.ts";
import { installationClients } from "./sentry/installations.ts";
import { readJiraSettings } from "./jira/settings.ts";
import { connectJira, jiraIntake, noticeOnTicket, type JiraConnection } from "./jira/setup.ts";
import { JobStoreIncidents } from "./sentry/store.ts";
import { createLogger } from "./log.ts";
import { createLlmClient, parseLlmEnv } from "./llm/index.ts";
import { SandboxPool, createDockerClient, proxyCredentials, reapContainers, settleSandboxPlatform } from "./sandbox/index.ts";
import { removeJobLeftovers } from "./runs/job-folder.ts";
import { defaultJobPoolSpec } from "./runs/sandbox-request.ts";
import { crashKind } from "./runs/outcomes.ts";
import { createRunners, resumeBlocker } from "./runs/registry.ts";
import type { RunnerServices } from "./runs/site.ts";
import { startDroidServer } from "./server.ts";

const USAGE = `usage: droid <command>

  serve    receive GitHub webhooks and run jobs (embedded worker)
  worker   run jobs from a shared queue (needs DROID_QUEUE_URL)
  stats    success rates from the job store: droid stats [--repo owner/name] [--since 7d]
  help     show this text
`;

async function main(argv: string[]): Promise<number> {
  const command = argv[0] ?? "serve";
  if (command === "help" || command === "--help" || command === "-h") {
    process.stdout.write(USAGE);
    return 0;
  }
  // The `.env` the setup page writes (APP_ID, PRIVATE_KEY, WEBHOOK_SECRET); the environment wins over it.
  if (existsSync(".env")) process.loadEnvFile(".env");
  let settings: Settings;
  let sentry: ReturnType<typeof readSentrySettings>;
  let jira: JiraConnection | null;
  try {
    settings = readSettings();
    sentry = readSentrySettings();
    const jiraSettings = readJiraSettings();
    jira = jiraSettings ? connectJira(jiraSettings) : null;
    // Checked before anything starts: `droid serve` refuses a missing, default or short webhook secret.
    if (command === "serve" && process.env.APP_ID) readWebhookSecret(process.env, settings);
  } catch (error) {
    if (error instanceof SettingsError) {
      process.stderr.write(`droid: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const log = command === "stats" ? createLogger(process.env, { toStderr: true }) : createLogger();
  switch (command) {
    case "serve":
      if (process.env.APP_ID) await serve(settings, sentry, jira, log);
      else await serveSetupPage(log);
      return 0;
    case "stats":
      return stats(settings, argv.slice(1), log);
    case "worker":
      if (!settings.queueUrl) {
        process.stderr.write("droid: `droid worker` needs a shared queue: set DROID_QUEUE_URL=redis://…\n");
        return 2;
      }
      await worker(settings, sentry, jira, log);
      return 0;
    default:
      process.stderr.write(`droid: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
      return 2;
  }
}

async function serve(settings: Settings, sentry: ReturnType<typeof readSentrySettings>, jira: JiraConnection | null, log: Logger): Promise<void> {
  const env = process.env;
  const queue = openJobQueue(settings, log);
  const metrics = new DroidMetrics({ queueDepth: () => queue.depth(), process: "serve" });
  // With a shared queue `droid serve` only records jobs; otherwise it runs them, in sandboxes on this Docker engine.
  const docker = settings.queueUrl ? undefined : createDockerClient();
  const gate = new PermissionGate({ cacheMs: settings.permissionCacheMs });
  const configs = new RepoConfigCache({ ttlMs: settings.configCacheMs, policy: settings.policy });
  const outbox = new GitHubOutbox(log.child({ name: "outbox" }));
  const incidents = sentry && process.env.APP_ID ? { settings: sentry, intake: incidentIntake(queue, log) } : undefined;
  const jiraRoute = jira ? { settings: jira.settings, intake: jiraIntake(jira, { queue, gate, caps: settings.caps, app: createProbot({ overrides: { log } }) }) } : undefined;
  const transcripts = openTranscriptStore(settings);
  const pages = settings.runPages;
  if (pages.enabled && settings.publicUrl) log.info({ url: `${settings.publicUrl}/runs` }, "run pages on");
  else log.info({ why: pages.enabled ? "DROID_PUBLIC_URL not set" : pages.why }, "run pages off");
  const server = await startDroidServer({
    env,
    secret: env.WEBHOOK_SECRET ?? "",
    devMode: settings.devMode,
    log,
    host: env.HOST || "localhost",
    port: Number(env.PORT) || 3000,
    ...(env.WEBHOOK_PATH ? { webhookPath: env.WEBHOOK_PATH } : {}),
    ...(env.WEBHOOK_PROXY_URL ? { webhookProxy: env.WEBHOOK_PROXY_URL } : {}),
    maxBodyBytes: settings.webhookMaxBodyBytes,
    queue,
    gate,
    configs,
    outbox,
    caps: settings.caps,
    docsUrl: settings.docsUrl,
    ...(incidents ? { incidents } : {}),
    ...(jiraRoute ? { jira: jiraRoute } : {}),
    operator: { metrics, token: settings.metricsToken, checks: readinessChecks(settings, queue, docker) },
    ...(pages.enabled && settings.publicUrl
      ? {
          runPages: runPagesRoute({ settings: pages, publicUrl: settings.publicUrl, githubHost: settings.githubHost, accessCacheMs: settings.permissionCacheMs, queue, transcripts, operators: settings.operators, log }),
        }
      : {}),
  });
  if (incidents) log.info({ projects: [...incidents.settings.projects.keys()] }, "Sentry intake on /api/sentry/webhooks");
  if (jira) log.info({ site: jira.settings.baseUrl, projects: [...jira.settings.projects.keys()] }, "Jira intake on /api/jira/webhooks");
  log.info({ queue: describeQueue(settings) }, "jobs are recorded durably");
  const stopRetention = startRetention({ queue, transcripts, dataDir: settings.dataDir, days: settings.retentionDays, log });
  const probot = createProbot({ overrides: { log } });
  let processing: JobProcessing | undefined;
  // Listening from here on: a signal while the worker starts still shuts down gracefully.
  const tracer = docker ? jobTracer(settings, log) : undefined;
  onShutdownSignal(log, async () => {
    stopRetention();
    await processing?.stop(settings.shutdownGraceMs);
    await tracer?.shutdown();
    await server.stop();
    await outbox.drain();
    await incidents?.intake.drain();
    await transcripts.close();
    await queue.close();
  });
  // With a shared queue `droid serve` only records jobs: `droid worker` processes run them.
  if (docker) processing = await startProcessing({ queue, transcripts, probot, gate, docker, metrics, tracer, llm: await modelClient(log), settings, incidentHistoryDays: sentry?.historyDays, jira }, log);
  void redeliverMissedDeliveries(probot, queue, settings, log);
}

/** A path no request can have: URL paths never contain a space (it would end the request line). */
const NO_WEBHOOK_ROUTE = "/ setup mode: no webhook route";

/**
 * Setup mode (no APP_ID): Probot's page that registers the GitHub App from app.yml and
 * writes its credentials to `.env`. Nothing else: no app runs, no job store is opened,
 * and there is no webhook route — Probot's webhook middleware is given a path no request
 * can have, so a delivery gets 404 and its body is never read.
 */
async function serveSetupPage(log: Logger): Promise<void> {
  await run(() => {}, { env: { ...process.env, WEBHOOK_PATH: NO_WEBHOOK_ROUTE, WEBHOOK_PROXY_URL: "" }, log });
  log.info("no APP_ID: serving the setup page that registers the GitHub App from app.yml (no webhook route until it is registered and Droid restarted)");
}

async function worker(settings: Settings, sentry: ReturnType<typeof readSentrySettings>, jira: JiraConnection | null, log: Logger): Promise<void> {
  const queue = openJobQueue(settings, log);
  log.info({ queue: describeQueue(settings) }, "worker takes jobs from the shared queue");
  const probot = createProbot({ overrides: { log } });
  const gate = new PermissionGate({ cacheMs: settings.permissionCacheMs });
  const docker = createDockerClient();
  const metrics = new DroidMetrics({ queueDepth: () => queue.depth(), process: "worker" });
  // A worker serves its own metrics and health checks (it has no webhook server).
  const operator =
    settings.metricsPort === 0
      ? undefined
      : await startOperatorServer(operatorRoutes({ metrics, token: settings.metricsToken, checks: readinessChecks(settings, queue, docker), log }), {
          host: process.env.HOST || "localhost",
          port: settings.metricsPort,
          log,
        });
  const transcripts = openTranscriptStore(settings);
  const stopRetention = startRetention({ queue, transcripts, dataDir: settings.dataDir, days: settings.retentionDays, log });
  const tracer = jobTracer(settings, log);
  let processing: JobProcessing | undefined;
  onShutdownSignal(log, async () => {
    stopRetention();
    await processing?.stop(settings.shutdownGraceMs);
    await tracer?.shutdown();
    await operator?.stop();
    await transcripts.close();
    await queue.close();
  });
  processing = await startProcessing({ queue, transcripts, probot, gate, docker, metrics, tracer, llm: await modelClient(log), settings, incidentHistoryDays: sentry?.historyDays, jira }, log);
}

/** Traces of the jobs this process runs, when an OTLP endpoint is configured. */
function jobTracer(settings: Settings, log: Logger): OtlpJobTracer | undefined {
  if (!settings.tracing) return undefined;
  log.info({ url: settings.tracing.url, service: settings.tracing.serviceName }, "job traces exported over OTLP/HTTP");
  return new OtlpJobTracer({ ...settings.tracing, instance: settings.instance });
}

function incidentIntake(queue: JobQueue, log: Logger): IncidentIntake {
  const github = installationClients(createProbot({ overrides: { log } }));
  return new IncidentIntake({ queue, store: new JobStoreIncidents(queue), github, log: log.child({ name: "incidents" }) });
}

/** What `/readyz` asks: the job store (SQLite, or Redis when configured) and, where jobs run, the Docker engine. */
function readinessChecks(settings: Settings, queue: JobQueue, docker: Docker | undefined): ReadinessCheck[] {
  return [{ name: settings.queueUrl ? "redis" : "sqlite", check: () => queue.depth() }, ...(docker ? [{ name: "docker", check: () => docker.ping() }] : [])];
}

/** `droid stats [--repo owner/name] [--since 7d]`: success rates from the job store. */
async function stats(settings: Settings, args: string[], log: Logger): Promise<number> {
  const { values } = parseArgs({ args, options: { repo: { type: "string" }, since: { type: "string", default: "7d" } }, strict: true });
  const periodMs = parsePeriod(values.since);
  const [owner, name, extra] = (values.repo ?? "").split("/");
  if (periodMs === null || (values.repo !== undefined && (!owner || !name || extra !== undefined))) {
    process.stderr.write("droid: usage: droid stats [--repo owner/name] [--since 7d] (m, h, d or w)\n");
    return 2;
  }
  const queue = openJobQueue(settings, log);
  try {
    const repo = owner && name ? { owner, name } : undefined;
    const since = new Date(Date.now() - periodMs);
    const rates = successRates(await queue.endedSince(since, repo), await queue.merges(repo));
    process.stdout.write(renderSuccessRates(rates, { since, repo: values.repo ?? null }));
    return 0;
  } finally {
    await queue.close();
  }
}

interface Processing {
  queue: JobQueue;
  transcripts: TranscriptStore;
  probot: Probot;
  gate: PermissionGate;
  docker: Docker;
  metrics: DroidMetrics;
  tracer: OtlpJobTracer | undefined;
  llm: RunnerServices["llm"];
  settings: Settings;
  incidentHistoryDays: number | undefined;
  jira: JiraConnection | null;
}

async function startProcessing({ queue, transcripts, probot, gate, docker, metrics, tracer, llm, settings, incidentHistoryDays, jira }: Processing, log: Logger): Promise<JobProcessing> {
  const auth = (installationId: number) => probot.auth(installationId);
  // Says which runtime and disk quota sandboxes get; a runtime the engine does not know stops Droid here.
  const settled = await settleSandboxPlatform(docker, settings.sandbox, log);
  // Containers left by an earlier run of this instance (a crash, a kill -9) are removed first.
  await reapContainers(docker, settings.instance, log).catch((error: unknown) =>
    log.error({ err: error }, "could not reap old sandboxes (is the Docker engine running?); starting anyway"),
  );
  // Warm containers for the sandbox specifications jobs ask for; removed when the worker stops.
  // Warmed from start-up (in the background, after the reaping): those jobs asked for before the
  // restart, kept in the data directory, or a default job's on a new worker.
  const pool = new SandboxPool(docker, { size: settings.sandbox.poolSize ?? 0, instance: settings.instance, recordFile: poolRecordFile(settings.dataDir), logger: log });
  pool.prewarm(defaultJobPoolSpec({ platform: settled, egress: settings.sandboxEgress }, settings.policy));
  const platform = { ...settled, pool };
  const processing = await startJobProcessing({
    queue,
    runners: createRunners({
      probot,
      docker,
      platform,
      // The operator's proxy passwords too: kept out of comments, even when the sandbox may see them.
      secrets: [...processSecrets(), ...proxyCredentials(settings.sandboxEgress)],
      settings,
      jobStore: queue,
      gate,
      llm,
      botLogin: botLoginOf(probot),
      incidentHistoryDays,
      metrics,
      transcripts,
      ...(tracer ? { tracer } : {}),
      ...(jira ? { jira } : {}),
    }),
    observer: metrics,
    crashKind,
    concurrency: settings.workerConcurrency,
    workerId: settings.instance,
    maxAttempts: settings.maxAttempts,
    resumeBlocker,
    log,
    onNeedsAttention: async (jobs) => {
      for (const { job } of jobs) await removeJobLeftovers({ docker, dataDir: settings.dataDir, log }, job.id).catch((error: unknown) => log.warn({ err: error, jobId: job.id }, "could not remove an interrupted job's folder"));
      const onJira = jobs.filter(({ job }) => job.target.kind === "jira_issue");
      for (const item of onJira) await notifyJira(jira, item.job, interruptedMessage(item, DEFAULT_COMMAND_WORD), log);
      await reportInterruptedJobs(auth, jobs.filter((item) => !onJira.includes(item)), log, async (octokit, job) => (await loadRepoConfig(octokit, job.repo, settings.policy)).config.command);
    },
    onCrash: async (job, _error) => {
      if (job.target.kind === "jira_issue") return notifyJira(jira, job, internalErrorMessage(job.id), log);
      try {
        const octokit = await probot.auth(job.repo.installationId);
        await octokit.rest.issues.createComment({
          owner: job.repo.owner,
          repo: job.repo.name,
          issue_number: job.target.number,
          body: internalErrorMessage(job.id),
        });
      } catch (error) {
        log.error({ err: error, jobId: job.id }, "could not report the internal error on GitHub");
      }
    },
  });
  log.info({ concurrency: settings.workerConcurrency, kinds: processing.worker.kinds }, "worker started");
  return {
    worker: processing.worker,
    stop: async (graceMs) => {
      await processing.stop(graceMs);
      await pool.close();
    },
  };
}

/** A notice on the Jira ticket of a job (logged when it cannot be posted). */
async function notifyJira(jira: JiraConnection | null, job: Job, markdown: string, log: Logger): Promise<void> {
  if (!jira) return void log.error({ jobId: job.id }, "a job on a Jira ticket needs a notice, but Jira is not configured (DROID_JIRA_*)");
  await noticeOnTicket(jira, job, markdown).catch((error: unknown) => log.error({ err: error, jobId: job.id }, "could not post a notice on the Jira ticket"));
}

/** GitHub does not retry failed deliveries: ask it to redeliver those missed while Droid was down. */
async function redeliverMissedDeliveries(probot: Probot, queue: JobQueue, settings: Settings, log: Logger): Promise<void> {
  if (settings.redeliverWindowHours === 0) return;
  const redeliveryLog = log.child({ name: "redeliver" });
  try {
    const report = await redeliverMissedWebhooks(await probot.auth(), {
      windowHours: settings.redeliverWindowHours,
      isRecorded: async (guid) => (await queue.findByDelivery(guid)) !== undefined,
      log: redeliveryLog,
    });
    redeliveryLog.info(
      { examined: report.examined, redelivered: report.redelivered.length, refused: report.refused.length },
      "missed webhook deliveries checked",
    );
  } catch (error) {
    redeliveryLog.error({ err: error }, "could not check for missed webhook deliveries");
  }
}

/** SIGTERM or SIGINT: graceful shutdown once; a second signal exits at once. */
function onShutdownSignal(log: Logger, shutdown: () => Promise<void>): void {
  let stopping = false;
  const handle = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, "second signal: exiting now; running jobs will be recovered on the next start");
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, "shutting down: no new jobs; waiting for running jobs");
    shutdown().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", handle);
  process.on("SIGINT", handle);
}

/** The model client from the environment, or the reason there is none (jobs then say so on GitHub). */
async function modelClient(log: Logger): Promise<RunnerServices["llm"]> {
  try {
    const env = parseLlmEnv(process.env);
    return { client: await createLlmClient(env, { onRetry: (info) => log.warn(info, "model API busy; retrying") }) };
  } catch (error) {
    const problem = error instanceof Error ? error.message : String(error);
    log.warn({ problem }, "no model API configured: plan and fix jobs will fail with a comment saying so");
    return { problem };
  }
}

/** Values that must never reach a sandbox, a log line or a comment. */
function processSecrets(): string[] {
  const env = process.env;
  return [env.WEBHOOK_SECRET, env.ANTHROPIC_API_KEY, env.PRIVATE_KEY, env.DROID_SENTRY_CLIENT_SECRET, env.GITHUB_CLIENT_SECRET, env.DROID_SESSION_SECRET].filter(
    (value): value is string => typeof value === "string" && value.length >= 8,
  );
}

/** Droid's `<slug>[bot]` login: DROID_BOT_LOGIN, or asked of GitHub once (GET /app). */
function botLoginOf(probot: Probot): () => Promise<string> {
  let login: Promise<string> | undefined;
  return () => {
    if (process.env.DROID_BOT_LOGIN) return Promise.resolve(process.env.DROID_BOT_LOGIN);
    login ??= probot.auth().then(async (app) => {
      const { data } = await app.rest.apps.getAuthenticated();
      if (!data?.slug) throw new Error("GET /app returned no slug");
      return `${data.slug}[bot]`;
    });
    login.catch(() => (login = undefined));
    return login;
  };
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(`droid: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
