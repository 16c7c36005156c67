/**
 * The worker of the end-to-end tests: the real runners (real Docker, scripted model
 * through nock, GitHub nocked) on the test server's queue and permission gate.
 */
import { pino } from "pino";
import { readSettings } from "../../src/config/settings.ts";
import type { JobQueue } from "../../src/jobs/queue.ts";
import type { TranscriptStore } from "../../src/jobs/transcript.ts";
import { Worker } from "../../src/jobs/worker.ts";
import { createRunners } from "../../src/runs/registry.ts";
import type { RunnerServices } from "../../src/runs/site.ts";
import type { RunTracer } from "../../src/runs/job-trace.ts";
import type { DroidMetrics } from "../../src/metrics/metrics.ts";
import { testLlm } from "../fixtures/anthropic.ts";
import { BOT_LOGIN } from "../fixtures/github.ts";
import { docker } from "./docker.ts";
import { silentLog, testProbot } from "./github.ts";
import type { TestServer } from "./server.ts";

/** The workers' data dir: each job's clone is `<this>/jobs/<job id>/tree`. */
export const E2E_DATA_DIR = "/tmp/droid-e2e-data";

export async function startE2eWorker(options: {
  queue: JobQueue;
  server: TestServer;
  instance: string;
  concurrency: number;
  crashes: unknown[];
  tuning?: RunnerServices["tuning"];
  /** False to start it later (`worker.start()`), once the test has set the scene. */
  autostart?: boolean;
  /** The worker's environment as an operator sets it: `GHE_HOST`/`GHE_PROTOCOL` of the git server repositories are cloned from. */
  env?: NodeJS.ProcessEnv;
  /** Where runs record their transcripts (the run pages' tests). */
  transcripts?: TranscriptStore;
  /** `DROID_PUBLIC_URL`: comments link to run pages. */
  publicUrl?: string;
  /** The metrics the worker and its runs report to, as `startProcessing` wires them in `droid serve`. */
  metrics?: DroidMetrics;
  /** Where each job's trace goes. */
  tracer?: RunTracer;
  /** Jira, for jobs on Jira tickets. */
  jira?: RunnerServices["jira"];
}): Promise<Worker> {
  const worker = new Worker({
    queue: options.queue,
    runners: createRunners({
      probot: testProbot(),
      docker,
      // Memory-backed volumes with a quota: the mechanism this engine gets by default (`auto`).
      platform: { runtime: null, disk: { kind: "tmpfs", sizeMb: 1024 } },
      secrets: [],
      settings: {
        ...readSettings(options.env ?? {}),
        dataDir: E2E_DATA_DIR,
        instance: options.instance,
        publicUrl: options.publicUrl ?? null,
        // With a public URL the pages are on (the worker only links to them; the server serves them).
        ...(options.publicUrl ? { runPages: { enabled: true, clientId: "Iv1.e2e", clientSecret: "e2e-client-secret", sessionSecret: null, sessionMs: 3_600_000 } } : {}),
      },
      jobStore: options.queue,
      gate: options.server.gate,
      llm: { client: await testLlm() },
      botLogin: async () => BOT_LOGIN,
      ...(options.tuning ? { tuning: options.tuning } : {}),
      ...(options.transcripts ? { transcripts: options.transcripts } : {}),
      ...(options.metrics ? { metrics: options.metrics } : {}),
      ...(options.tracer ? { tracer: options.tracer } : {}),
      ...(options.jira ? { jira: options.jira } : {}),
    }),
    ...(options.metrics ? { observer: options.metrics } : {}),
    concurrency: options.concurrency,
    log: process.env.E2E_LOG ? pino({ level: "debug" }) : silentLog,
    workerId: options.instance,
    onCrash: async (_job, error) => {
      options.crashes.push(error);
    },
  });
  if (options.autostart !== false) worker.start();
  return worker;
}
