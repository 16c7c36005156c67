/**
 * The daily spending caps: what a repository's and an installation's jobs cost over the last
 * 24 hours (summed from the job store's `costUsd`), against the operator's caps. Checked when a
 * job is asked for and again when it starts; jobs already running finish within their own
 * budgets, so the caps can be passed by at most the budgets of the jobs running at once.
 */
import type { JobCaps } from "../config/policy.ts";
import type { JobQueue, Usage } from "./queue.ts";
import type { RepoRef } from "./types.ts";

export const SPENDING_WINDOW_MS = 24 * 60 * 60 * 1000;

/** A cap that is reached: which one, what was spent, what it allows. */
export interface CapReached {
  scope: "repository" | "installation";
  spentUsd: number;
  capUsd: number;
}

/** What the repository and its installation spent in the last 24 hours (and how many jobs wait). */
export function dailyUsage(store: Pick<JobQueue, "usage">, repo: RepoRef, now: Date = new Date()): Promise<Usage> {
  return store.usage({ repo, installationId: repo.installationId, since: new Date(now.getTime() - SPENDING_WINDOW_MS) });
}

/** The first daily cap the usage reaches, or null while both leave room. */
export function capReached(usage: Usage, caps: JobCaps): CapReached | null {
  if (caps.dailyUsdPerRepo !== null && usage.repoUsd >= caps.dailyUsdPerRepo) {
    return { scope: "repository", spentUsd: usage.repoUsd, capUsd: caps.dailyUsdPerRepo };
  }
  if (caps.dailyUsdPerInstallation !== null && usage.installationUsd >= caps.dailyUsdPerInstallation) {
    return { scope: "installation", spentUsd: usage.installationUsd, capUsd: caps.dailyUsdPerInstallation };
  }
  return null;
}

/** Whether either daily cap is set (else nothing needs summing). */
export function hasDailyCap(caps: JobCaps): boolean {
  return caps.dailyUsdPerRepo !== null || caps.dailyUsdPerInstallation !== null;
}
