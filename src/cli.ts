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
import { createRunners } from "./runners.ts";

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
  const worker = startWorker(queue, probot, settings, log);
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

function startWorker(queue: JobQueue, probot: Probot, settings: Settings, log: Logger): Worker {
  const worker = new Worker({
    queue,
    runners: createRunners({ probot, settings }),
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
  worker.start();
  log.info({ concurrency: settings.workerConcurrency, kinds: worker.kinds }, "worker started");
  return worker;
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
