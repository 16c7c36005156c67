/**
 * What the end-to-end plan and ask tests share: the real server and worker, with the
 * repository's code served by a real git server that stands for the configured GitHub host
 * (`GHE_HOST`), GitHub's API and Anthropic nocked by each test.
 */
import type nock from "nock";
import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
import { nockContext, type FakeRepo } from "../fixtures/context.ts";
import { MemoryJobQueue } from "../../src/jobs/memory-queue.ts";
import type { Job, Target } from "../../src/jobs/types.ts";
import type { Worker } from "../../src/jobs/worker.ts";
import { startE2eWorker } from "./e2e-worker.ts";
import { startGitServer, type GitServer } from "./git-server.ts";
import { expectConfig, expectInstallationToken, expectPermission, INSTALLATION_TOKEN } from "./github.ts";
import { OWNER, REPO } from "./payloads.ts";
import { startTestServer, type TestServer } from "./server.ts";

export interface CodeServer {
  readonly git: GitServer;
  readonly server: TestServer;
  readonly queue: MemoryJobQueue;
  /** Waits until every job on the target (issue #1 by default) has ended; answers are sent. */
  settled(target?: Target): Promise<Job[]>;
}

/** Registers the hooks; `files` become the default branch (`master`) of `Codertocat/Hello-World`. */
export function useCodeServer(instance: string, files: () => Record<string, string>): CodeServer {
  let git: GitServer | undefined;
  let server: TestServer | undefined;
  let queue: MemoryJobQueue | undefined;
  let worker: Worker | undefined;
  beforeAll(async () => {
    git = await startGitServer(INSTALLATION_TOKEN);
    await git.createRepo(instance, files(), { defaultBranch: "master" });
    git.serve(`${OWNER}/${REPO}`, instance);
  });
  afterAll(async () => {
    await git?.close();
  });
  beforeEach(async () => {
    queue = new MemoryJobQueue();
    server = await startTestServer(queue);
    worker = await startE2eWorker({ queue, server, env: need(git).env, instance, concurrency: 1, crashes: [] });
  });
  afterEach(async () => {
    await worker?.stop(1000);
    await server?.stop();
  });
  return {
    get git() {
      return need(git);
    },
    get server() {
      return need(server);
    },
    get queue() {
      return need(queue);
    },
    async settled(target = { kind: "issue", number: 1 }) {
      for (let i = 0; i < 1200; i++) {
        const jobs = await need(queue).listForTarget({ owner: OWNER, name: REPO }, target);
        if (jobs.length > 0 && jobs.every((j) => j.state !== "queued" && j.state !== "running")) {
          await need(server).outbox.drain();
          return jobs;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error("the jobs did not end");
    },
  };
}

function need<T>(value: T | undefined): T {
  if (value === undefined) throw new Error("the code server starts in beforeAll/beforeEach; use it inside a test");
  return value;
}

/**
 * GitHub as a plan for a labelled issue #1 sees it: the webhook side (token, config, the
 * admin's permission, 👀 on the issue) and the worker's (token, config, the issue's context,
 * no plan comment yet). The test declares the model and the comment written.
 */
export function expectLabelledPlan(issue: FakeRepo): { hook: nock.Scope; work: nock.Scope; context: nock.Scope } {
  const hook = expectInstallationToken();
  expectConfig(hook);
  expectPermission(hook, OWNER, "admin");
  hook.post(`/repos/${OWNER}/${REPO}/issues/1/reactions`, { content: "eyes" }).reply(201, { id: 1 });
  const work = expectInstallationToken();
  expectConfig(work);
  const context = nockContext(issue);
  work.get(`/repos/${OWNER}/${REPO}/issues/1/comments`).query({ per_page: 100 }).reply(200, []);
  return { hook, work, context };
}
