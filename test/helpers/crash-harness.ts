/**
 * What the crash tests share: the real `droid serve` process (embedded SQLite store in a
 * temporary data dir, the real Docker engine), one git server that is also GitHub's API
 * (`github-standin.ts`), the Anthropic stand-in (`model-server.ts`), and the ways a test
 * notices a moment of a job (a git or GitHub request arriving, a model turn, a Docker
 * event, a process in the sandbox) to kill the process there.
 */
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll } from "vitest";
import { jobFolder } from "../../src/config/data-dir.ts";
import { SqliteJobQueue } from "../../src/jobs/sqlite-queue.ts";
import type { Job } from "../../src/jobs/types.ts";
import { LABELS } from "../../src/sandbox/index.ts";
import { freePort } from "../../src/server.ts";
import { TEST_MODEL } from "../fixtures/anthropic.ts";
import { killAllDroidProcesses, startDroidServe, type DroidProcess } from "../jobs/droid-processes.ts";
import { docker, dockerAnswers } from "./docker.ts";
import { startGitServer, type GitServer } from "./git-server.ts";
import { INSTALLATION_TOKEN, TEST_PRIVATE_KEY, WEBHOOK_SECRET } from "./github.ts";
import { createGitHubStandin, type GitHubStandin } from "./github-standin.ts";
import { startModelServer, type ModelServer } from "./model-server.ts";
import { OWNER, REPO } from "./payloads.ts";
import { sendWebhook } from "./webhook.ts";

export interface CrashHarness {
  readonly available: boolean;
  readonly git: GitServer;
  readonly github: GitHubStandin;
  readonly model: ModelServer;
  /** Makes fixture repository `name` the one GitHub's `Codertocat/Hello-World` is (clone, push, branches). */
  serveRepo(name: string): void;
}

/** Starts the shared servers once per file; kills what a test left running after each. */
export function useCrashHarness(): CrashHarness {
  let available = false;
  let git: GitServer | undefined;
  let model: ModelServer | undefined;
  let served = "";
  const github = createGitHubStandin({
    installationToken: INSTALLATION_TOKEN,
    branchExists: async (branch) => (await need(git).git(served, "branch", "--list", branch)).trim() !== "",
  });
  beforeAll(async () => {
    available = await dockerAnswers();
    git = await startGitServer(INSTALLATION_TOKEN, { api: github.handle });
    model = await startModelServer();
  });
  afterEach(async () => {
    await killAllDroidProcesses();
  });
  afterAll(async () => {
    await git?.close();
    await model?.close();
  });
  return {
    get available() {
      return available;
    },
    get git() {
      return need(git);
    },
    github,
    get model() {
      return need(model);
    },
    serveRepo(name) {
      served = name;
      need(git).serve(REPO_FULL_NAME, name);
    },
  };
}

function need<T>(value: T | undefined): T {
  if (value === undefined) throw new Error("the crash harness has not started yet");
  return value;
}

/** One Droid installation on disk: its data dir, port and instance name, kept across its restarts. */
export interface DroidSite {
  dataDir: string;
  url: string;
  instance: string;
  queue: SqliteJobQueue;
  env: Record<string, string>;
  start(): Promise<DroidProcess>;
  /** Sends a signed webhook; returns the job it recorded. */
  deliver(event: string, payload: unknown, deliveryId: string): Promise<Job>;
  /** Waits until the job has ended (neither queued nor running). */
  ended(jobId: string, timeoutMs?: number, signal?: AbortSignal): Promise<Job>;
  jobFolderExists(jobId: string): Promise<boolean>;
  remove(): Promise<void>;
}

export async function droidSite(h: CrashHarness, name: string): Promise<DroidSite> {
  const dataDir = await mkdtemp(path.join(tmpdir(), `droid-crash-${name}-`));
  const port = await freePort();
  const instance = `crash-${name}-${port}`;
  const url = `http://127.0.0.1:${port}`;
  const env: Record<string, string> = {
    APP_ID: "1",
    PRIVATE_KEY: TEST_PRIVATE_KEY,
    WEBHOOK_SECRET,
    HOST: "127.0.0.1",
    PORT: String(port),
    ...h.git.env,
    DROID_DATA_DIR: dataDir,
    DROID_INSTANCE: instance,
    DROID_WORKER_CONCURRENCY: "1",
    DROID_SANDBOX_DISK_BACKING: "tmpfs",
    DROID_SANDBOX_DISK_MB: "1024",
    ANTHROPIC_API_KEY: "sk-ant-crash-test-key",
    ANTHROPIC_BASE_URL: h.model.url,
    DROID_MODEL: TEST_MODEL,
    NODE_ENV: "production",
    LOG_FORMAT: "json",
  };
  const queue = new SqliteJobQueue({ dataDir });
  return {
    dataDir,
    url,
    instance,
    queue,
    env,
    start: () => startDroidServe(env),
    async deliver(event, payload, deliveryId) {
      const response = await sendWebhook(url, event, payload, { secret: WEBHOOK_SECRET, deliveryId });
      if (response.status !== 200) throw new Error(`the webhook was answered ${response.status}`);
      const job = await queue.findByDelivery(deliveryId);
      if (!job) throw new Error(`the webhook ${deliveryId} recorded no job`);
      return job;
    },
    async ended(jobId, timeoutMs = 90_000, signal) {
      const until = Date.now() + timeoutMs;
      while (Date.now() < until) {
        if (signal?.aborted) throw new Error("no longer waited for");
        const job = await queue.get(jobId);
        if (job && job.state !== "queued" && job.state !== "running") return job;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`job ${jobId} did not end in ${timeoutMs / 1000} s (state ${(await queue.get(jobId))?.state})`);
    },
    jobFolderExists: (jobId) =>
      stat(jobFolder(dataDir, jobId)).then(
        () => true,
        () => false,
      ),
    async remove() {
      await queue.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * SIGTERM once the process listens for it: `droid serve` registers its shutdown handler after
 * "worker started" (the ready mark), right after it starts checking missed deliveries, so
 * that check's log line says the handler is there. Returns the exit code.
 */
export async function stopGracefully(droid: DroidProcess): Promise<number | null> {
  const until = Date.now() + 10_000;
  while (!droid.output().includes('"msg":"missed webhook deliveries checked"') && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  return droid.stop();
}

/** A moment of a job, armed before the process starts: `reached` resolves when it comes. */
export interface ArmedMoment {
  reached: Promise<void>;
  disarm(): void;
}

/** Arms a hook (`subscribe` returns its remover) that resolves `reached` when it fires. */
export function once(subscribe: (fire: () => void) => () => void): ArmedMoment {
  const { promise, resolve } = Promise.withResolvers<void>();
  return { reached: promise, disarm: subscribe(resolve) };
}

/** Every container of a Droid instance still on the engine (its sandboxes and its pool's warm ones). */
export async function instanceContainers(instance: string): Promise<string[]> {
  return (await docker.listContainers({ all: true, filters: JSON.stringify({ label: [`${LABELS.instance}=${instance}`] }) })).map((info) => info.Names.join(","));
}

/** Resolves when the first container labelled with Droid `instance` starts (Docker's `start` event). */
export function containerStarted(instance: string): ArmedMoment {
  const filters = JSON.stringify({ type: ["container"], event: ["start"], label: [`${LABELS.instance}=${instance}`] });
  const events = docker.getEvents({ filters }) as Promise<NodeJS.ReadableStream & { destroy(): void }>;
  const reached = events.then((stream) => new Promise<void>((resolve) => stream.once("data", () => resolve())));
  return { reached, disarm: () => void events.then((stream) => stream.destroy(), () => {}) };
}

/** `reached`, unless the job ends first or it takes `ms` (the error names the moment and shows the process's warnings). */
export async function reachedWithin(moment: ArmedMoment, what: string, site: DroidSite, jobId: string, droid: DroidProcess, ms = 90_000): Promise<void> {
  const never = (why: string) => new Error(`the moment "${what}" never came: ${why}; droid's log:\n${warnings(droid.output())}`);
  const controller = new AbortController();
  const endedFirst = site.ended(jobId, ms, controller.signal).then(
    (job) => Promise.reject(never(`the job ended ${job.state} (${job.error ?? "no error"}) first`)),
    (error: unknown) => Promise.reject(controller.signal.aborted ? error : never(String(error))),
  );
  endedFirst.catch(() => {});
  try {
    await Promise.race([moment.reached, endedFirst]);
  } finally {
    controller.abort();
  }
}

/** The warn and error lines of a JSON log, for failure messages. */
export function warnings(log: string): string {
  return log
    .split("\n")
    .filter((line) => /"level":(40|50|60)/.test(line) || !line.startsWith("{"))
    .join("\n")
    .slice(-8000);
}

export const REPO_FULL_NAME = `${OWNER}/${REPO}`;
