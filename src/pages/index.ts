/**
 * The run pages (docs/run-pages.md): a job's transcript as a page, for people who can
 * read its repository, signed in through the GitHub App's OAuth client. Served by
 * `droid serve` when `DROID_PUBLIC_URL`, `GITHUB_CLIENT_ID` and `GITHUB_CLIENT_SECRET`
 * are set and `DROID_RUN_PAGES` is not `off`.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { GitHubHost } from "../config/github-host.ts";
import type { RunPagesSettings } from "../config/settings.ts";
import type { JobQueue } from "../jobs/queue.ts";
import type { TranscriptStore } from "../jobs/transcript.ts";
import { AccessCache, githubAccess } from "./github-access.ts";
import { runPagesHandler } from "./routes.ts";
import { SessionCodec } from "./session.ts";

export type RunPagesRoute = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export interface RunPagesInput {
  settings: Extract<RunPagesSettings, { enabled: true }>;
  publicUrl: string;
  githubHost: GitHubHost;
  /** How long an answer to "can this user read this repository" is kept (`DROID_PERMISSION_CACHE_SECONDS`). */
  accessCacheMs: number;
  queue: Pick<JobQueue, "get" | "endedSince" | "merges">;
  transcripts: TranscriptStore;
  /** `DROID_OPERATORS`: GitHub logins who see every repository's success rates. */
  operators: readonly string[];
  log: Logger;
}

export function runPagesRoute(input: RunPagesInput): RunPagesRoute {
  const { settings } = input;
  return runPagesHandler({
    publicUrl: input.publicUrl,
    github: githubAccess({ host: input.githubHost, clientId: settings.clientId, clientSecret: settings.clientSecret }),
    sessions: new SessionCodec(settings.sessionSecret ?? settings.clientSecret),
    sessionMs: settings.sessionMs,
    access: new AccessCache(input.accessCacheMs),
    queue: input.queue,
    transcripts: input.transcripts,
    operators: input.operators.map((login) => login.toLowerCase()),
    log: input.log.child({ name: "run-pages" }),
  });
}
