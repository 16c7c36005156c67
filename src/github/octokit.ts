import type { ProbotOctokit } from "probot";

/** An installation-authenticated Octokit, as Probot hands it out. */
export type GitHubClient = InstanceType<typeof ProbotOctokit>;

/** True for an Octokit request error with this HTTP status. */
export function hasStatus(error: unknown, status: number): boolean {
  return typeof error === "object" && error !== null && "status" in error && error.status === status;
}
