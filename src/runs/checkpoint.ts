/**
 * A code run's recorded progress: the step it is in, and its checkpoint — what it recorded in
 * the job right before its push (the commit and what to publish once it is on the branch). A retry of the job reads it back: when the
 * commit reached the branch, the retry publishes from there without running the agent
 * again; when it did not (the process died before the push landed), the retry starts over.
 */
import type { Logger } from "pino";
import type { z } from "zod";
import { repositoryCloneUrl, type GitHubHost } from "../config/github-host.ts";
import type { GitHubClient } from "../github/octokit.ts";
import type { Job, JobLinks } from "../jobs/types.ts";
import { remoteBranchHead } from "../workspace/index.ts";

export interface CheckpointSource {
  githubHost: GitHubHost;
  token: () => Promise<string>;
  log: Logger;
}

/**
 * The steps of a code run with effects outside the process, in order. The job records the
 * one it is in (`links.step`); a job that keeps dying names it when it gives up.
 */
export type RunStep = "plan" | "clone" | "sandbox" | "setup" | "agent" | "commit" | "push" | "pull-request" | "replies" | "report";

/** The checkpoint an earlier attempt recorded, when its commit is on the branch now; else null. */
export async function landedCheckpoint<T extends { branch: string; commit: string }>(job: Job, schema: z.ZodType<T>, source: CheckpointSource): Promise<T | null> {
  if (job.attempts < 2 || job.links.checkpoint === undefined) return null;
  const parsed = schema.safeParse(job.links.checkpoint);
  if (!parsed.success) {
    source.log.warn({ issues: parsed.error.issues.slice(0, 3) }, "the recorded checkpoint is unreadable; starting over");
    return null;
  }
  const { branch, commit } = parsed.data;
  const cloneUrl = repositoryCloneUrl(source.githubHost, `${job.repo.owner}/${job.repo.name}`);
  const head = await remoteBranchHead({ cloneUrl, token: await source.token(), branch });
  if (head !== commit) {
    source.log.info({ branch, recorded: commit, remote: head }, "the earlier attempt's push did not land; starting over");
    return null;
  }
  source.log.info({ branch, commit }, "the earlier attempt pushed; publishing what it recorded");
  return parsed.data;
}

/** Links to clear when a retry starts over: what the crashed attempt recorded no longer holds. */
export const STARTING_OVER = { checkpoint: undefined, pushed: undefined, resultCommentId: undefined, answered: undefined, checkRunId: undefined } as const;

/** What publishing a checkpoint needs, whoever publishes it (the run itself, or a retry). */
export interface PublishContext {
  octokit: GitHubClient;
  botLogin: string;
  /** The run's links, updated as each step completes. */
  links: JobLinks;
  /** Records the links durably (the job store). */
  record: (links: JobLinks) => Promise<void>;
  step: (step: RunStep) => Promise<void>;
  /** A retry publishing what a crashed attempt recorded: each step first looks for what that attempt did. */
  resumed: boolean;
  log: Logger;
}
