/**
 * Tells the humans about jobs that stopped with their process and were not re-queued:
 * what was interrupted and how to pick it up again, on the issue or PR concerned.
 */
import type { Logger } from "pino";
import { shortJobId } from "../figures/job-id.ts";
import type { InterruptedJob } from "../jobs/recovery.ts";
import type { Job } from "../jobs/types.ts";
import type { GitHubClient } from "./octokit.ts";

export function interruptedMessage({ job, reason }: InterruptedJob, commandWord: string): string {
  const why =
    reason === "pushed"
      ? "It had already pushed to its branch, so I did not restart it on my own."
      : reason === "attempts-exhausted"
        ? `It was interrupted ${job.attempts === 1 ? "once" : `${job.attempts} times`}${stepName(job.links.step)}, so I stopped retrying it.`
        : "This kind of job is not restarted on its own.";
  return [
    `Droid's \`${job.request.kind}\` job (\`${shortJobId(job.id)}\`) was interrupted: ${job.error ?? "its process stopped"}.`,
    why,
    howToResume(job, commandWord),
  ].join(" ");
}

/** Where the last attempt was when it stopped, as words (`runs/` records the step). */
const STEP_WORDS: Record<string, string> = {
  plan: "reading the plan",
  clone: "cloning the repository",
  sandbox: "starting the sandbox",
  setup: "running the repository's setup",
  agent: "working on the change",
  commit: "committing",
  push: "pushing",
  "pull-request": "opening the pull request",
  replies: "answering the review threads",
  report: "writing the closing comment",
};

function stepName(step: string | undefined): string {
  const words = step === undefined ? undefined : STEP_WORDS[step];
  return words ? ` (the last time while ${words})` : "";
}

/** One sentence for the human: how to pick the work up again. */
export function howToResume(job: Job, commandWord: string): string {
  const branch = job.links.branch ?? (job.request.kind === "revise" || job.request.kind === "ci-revision" ? job.request.branch : undefined);
  const kept = branch ? ` The work so far is on the branch \`${branch}\`.` : "";
  switch (job.request.kind) {
    case "plan":
      return `Comment \`/${commandWord} plan\` to plan again.`;
    case "fix":
      return `Comment \`/${commandWord} fix\` to continue.${kept}`;
    case "revise":
      return `Submit your review again (or reply in its thread) to ask for the revision again.${kept}`;
    case "rca":
      return `Comment \`/${commandWord} rca\` to run the analysis again.`;
    case "ask":
      return `Comment \`/${commandWord} ask <question>\` to ask again.`;
    case "ci-revision":
      return `Comment \`/${commandWord} fix <what to change>\` on the pull request to ask for a revision.${kept}`;
  }
}

/** Posts one comment per job; a failure is logged and the others are still posted. */
export async function reportInterruptedJobs(
  auth: (installationId: number) => Promise<GitHubClient>,
  jobs: readonly InterruptedJob[],
  log: Logger,
  /** The repository's command word (`command` in `.github/droid.yml`). */
  commandWord: (octokit: GitHubClient, job: Job) => Promise<string>,
): Promise<void> {
  for (const item of jobs) {
    const { job } = item;
    try {
      const octokit = await auth(job.repo.installationId);
      await octokit.rest.issues.createComment({
        owner: job.repo.owner,
        repo: job.repo.name,
        issue_number: job.target.number,
        body: interruptedMessage(item, await commandWord(octokit, job)),
      });
    } catch (error) {
      log.error({ err: error, jobId: job.id }, "could not report an interrupted job on GitHub");
    }
  }
}
