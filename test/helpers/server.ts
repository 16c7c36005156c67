import type { Logger } from "pino";
import { PermissionGate } from "../../src/github/gate.ts";
import { GitHubOutbox } from "../../src/github/outbox.ts";
import { DEFAULT_POLICY } from "../../src/config/policy.ts";
import { RepoConfigCache } from "../../src/github/repo-config-loader.ts";
import type { AppServices } from "../../src/app.ts";
import type { JobQueue } from "../../src/jobs/queue.ts";
import type { RunPagesRoute } from "../../src/pages/index.ts";
import { startDroidServer, type DroidServerOptions, type RunningServer } from "../../src/server.ts";
import { silentLog, TEST_PRIVATE_KEY, TestOctokit, WEBHOOK_SECRET } from "./github.ts";

export interface TestServer extends RunningServer {
  outbox: GitHubOutbox;
  gate: PermissionGate;
}

/** Droid's real HTTP server on a loopback port, with test credentials and Octokit. */
export async function startTestServer(
  queue: JobQueue,
  options: {
    configTtlMs?: number;
    incidents?: AppServices["incidents"];
    /** The Jira intake, given the server's own gate and queue (`jiraIntake` builds it). */
    jira?: (deps: { queue: JobQueue; gate: PermissionGate }) => AppServices["jira"];
    log?: Logger;
    secret?: string;
    devMode?: boolean;
    maxBodyBytes?: number;
    port?: number;
    runPages?: RunPagesRoute;
    operator?: DroidServerOptions["operator"];
  } = {},
): Promise<TestServer> {
  const outbox = new GitHubOutbox(silentLog);
  const gate = new PermissionGate({ cacheMs: 60_000 });
  const running = await startDroidServer({
    appId: 123,
    privateKey: TEST_PRIVATE_KEY,
    secret: options.secret ?? WEBHOOK_SECRET,
    ...(options.devMode ? { devMode: true } : {}),
    ...(options.maxBodyBytes ? { maxBodyBytes: options.maxBodyBytes } : {}),
    log: options.log ?? silentLog,
    Octokit: TestOctokit,
    queue,
    gate,
    configs: new RepoConfigCache({ ttlMs: options.configTtlMs ?? 0, policy: DEFAULT_POLICY }),
    outbox,
    ...(options.incidents ? { incidents: options.incidents } : {}),
    ...(options.jira ? { jira: options.jira({ queue, gate }) } : {}),
    ...(options.operator ? { operator: options.operator } : {}),
    ...(options.port ? { port: options.port } : {}),
    ...(options.runPages ? { runPages: options.runPages } : {}),
  });
  return { ...running, outbox, gate };
}
