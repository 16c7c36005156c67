#!/usr/bin/env node
/**
 * Process entry point.
 *   droid serve    webhooks + an embedded worker (the default deployment)
 *   droid worker   a worker only, for scale-out on a shared queue
 */
import { createProbot, run, type Probot } from "probot";
import type { Logger } from "pino";
import { droidApp } from "./app.ts";
import { readSettings, SettingsError, type Settings } from "./config/settings.ts";
import { PermissionGate } from "./github/gate.ts";
import { internalErrorMessage } from "./github/messages.ts";
import { GitHubOutbox } from "./github/outbox.ts";
import { RepoConfigCache } from "./github/repo-config-loader.ts";
import { MemoryJobQueue } from "./jobs/memory-queue.ts";
import type { JobQueue } from "./jobs/queue.ts";
import { Worker } from "./jobs/worker.ts";
import { readSentrySettings } from "./incidents/config.ts";
import { IncidentIntake } from "./incidents/intake.ts";
import { installationClients } from "./incidents/installations.ts";
import { MemoryIncidentStore } from "./incidents/store.ts";
import { createLogger } from "./log.ts";
import { createLlmClient, parseLlmEnv } from "./llm/index.ts";
import { createDockerClient, reapContainers } from "./sandbox/index.ts";
import { createRunners, type RunnerServices } from "./runners.ts";

const USAGE = `usage: droid <command>

  serve    receive GitHub webhooks and run jobs (embedded worker)
  worker   run jobs from a shared queue (needs DROID_QUEUE_URL)
  help     show this text
`;

async function main(argv: string[]): Promise<number> {
  const command = argv[0] ?? "serve";
  if (command === "help" || command === "--help" || command === "-h") {
    process.stdout.write(USAGE);
    return 0;
  }
  let settings: Settings;
  let sentry: ReturnType<typeof readSentrySettings>;
  try {
    settings = readSettings();
    sentry = readSentrySettings();
  } catch (error) {
    if (error instanceof SettingsError) {
      process.stderr.write(`droid: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const log = createLogger();
  switch (command) {
    case "serve":
      await serve(settings, sentry, log);
      return 0;
    case "worker":
      process.stderr.write("droid: `droid worker` needs a shared queue: set DROID_QUEUE_URL=redis://…\n");
      return 2;
    default:
      process.stderr.write(`droid: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
      return 2;
  }
}

async function serve(settings: Settings, sentry: ReturnType<typeof readSentrySettings>, log: Logger): Promise<void> {
  const queue: JobQueue = new MemoryJobQueue();
  const gate = new PermissionGate({ cacheMs: settings.permissionCacheMs });
  const configs = new RepoConfigCache({ ttlMs: settings.configCacheMs });
  const outbox = new GitHubOutbox(log.child({ name: "outbox" }));
  const incidents = sentry && process.env.APP_ID ? { settings: sentry, intake: incidentIntake(queue, log) } : undefined;
  const server = await run(droidApp({ queue, gate, configs, outbox, ...(incidents ? { incidents } : {}) }), { log });
  if (incidents) log.info({ projects: [...incidents.settings.projects.keys()] }, "Sentry intake on /api/sentry/webhooks");
  if (!process.env.APP_ID) {
    log.info("no APP_ID: serving the setup page that registers the GitHub App from app.yml");
    return;
  }
  const probot = createProbot({ overrides: { log } });
  const worker = startWorker(queue, probot, gate, await modelClient(log), settings, log);
  const shutdown = async (signal: string) => {
    log.info({ signal }, "shutting down: no new jobs; waiting for running jobs");
    await worker.stop(settings.shutdownGraceMs);
    await server.stop();
    await outbox.drain();
    await incidents?.intake.drain();
    await queue.close();
    process.exit(0);
  };
  process.once("SIGTERM", () => void shutdown("SIGTERM"));
}

function incidentIntake(queue: JobQueue, log: Logger): IncidentIntake {
  const github = installationClients(createProbot({ overrides: { log } }));
  return new IncidentIntake({ queue, store: new MemoryIncidentStore(), github, log: log.child({ name: "incidents" }) });
}

function startWorker(
  queue: JobQueue,
  probot: Probot,
  gate: PermissionGate,
  llm: RunnerServices["llm"],
  settings: Settings,
  log: Logger,
): Worker {
  const docker = createDockerClient();
  const worker = new Worker({
    queue,
    runners: createRunners({
      probot,
      docker,
      secrets: processSecrets(),
      settings,
      gate,
      llm,
      botLogin: botLoginOf(probot),
      incidentHistoryDays: readSentrySettings()?.historyDays,
    }),
    concurrency: settings.workerConcurrency,
    log: log.child({ name: "worker" }),
    workerId: settings.instance,
    onCrash: async (job, _error) => {
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
  // Containers left by an earlier run of this instance (a crash, a kill -9) are removed first.
  void reapContainers(docker, settings.instance, log).then(
    () => worker.start(),
    (error: unknown) => {
      log.error({ err: error }, "could not reap old sandboxes (is the Docker engine running?); starting anyway");
      worker.start();
    },
  );
  log.info({ concurrency: settings.workerConcurrency, kinds: worker.kinds }, "worker started");
  return worker;
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
  return [env.WEBHOOK_SECRET, env.ANTHROPIC_API_KEY, env.PRIVATE_KEY, env.DROID_SENTRY_CLIENT_SECRET].filter(
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
