/**
 * Tells the humans about jobs that stopped with their process and were not re-queued:
 * what was interrupted and how to pick it up again, on the issue or PR concerned.
 */
import type { Logger } from "pino";
import type { InterruptedJob } from "../jobs/recovery.ts";
import type { GitHubClient } from "./octokit.ts";

export function interruptedMessage({ job, reason, howToResume }: InterruptedJob): string {
  const why =
    reason === "pushed"
      ? "It had already pushed to its branch, so I did not restart it on my own."
      : reason === "attempts-exhausted"
        ? `It was interrupted ${job.attempts} times, so I stopped retrying it.`
        : "This kind of job is not restarted on its own.";
  return [
    `Droid's \`${job.request.kind}\` job (\`${job.id}\`) was interrupted: ${job.error ?? "its process stopped"}.`,
    why,
    howToResume,
  ].join(" ");
}

/** Posts one comment per job; a failure is logged and the others are still posted. */
export async function reportInterruptedJobs(
  auth: (installationId: number) => Promise<GitHubClient>,
  jobs: readonly InterruptedJob[],
  log: Logger,
): Promise<void> {
  for (const item of jobs) {
    const { job } = item;
    try {
      const octokit = await auth(job.repo.installationId);
      await octokit.rest.issues.createComment({
        owner: job.repo.owner,
        repo: job.repo.name,
        issue_number: job.target.number,
        body: interruptedMessage(item),
      });
    } catch (error) {
      log.error({ err: error, jobId: job.id }, "could not report an interrupted job on GitHub");
    }
  }
}
