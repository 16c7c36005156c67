/**
 * What Droid says when the operator's caps stop a request: the daily spending caps and the
 * per-repository queue cap, and the spending line of `/droid status`.
 */
import type { JobCaps } from "../config/policy.ts";
import type { Usage } from "../jobs/queue.ts";
import type { CapReached } from "../jobs/spending.ts";
import { formatUsd as usd } from "../figures/money.ts";

export function dailyCapMessage(cap: CapReached): string {
  const who = cap.scope === "repository" ? "this repository" : "this GitHub App installation (all its repositories)";
  const setting = cap.scope === "repository" ? "DROID_DAILY_USD_PER_REPO" : "DROID_DAILY_USD_PER_INSTALLATION";
  return [
    `I didn't start this: Droid's jobs for ${who} spent ${usd(cap.spentUsd)} in the last 24 hours, and this Droid's operators cap that at ${usd(cap.capUsd)} a day.`,
    `Ask again once earlier jobs are more than a day old, or ask the operators to raise the cap (\`${setting}\`).`,
  ].join(" ");
}

export function queueFullMessage(queued: number, word: string): string {
  return (
    `This repository already has ${queued} Droid jobs waiting, the most this Droid queues per repository, so I didn't record this request. ` +
    `Ask again when some have run: \`/${word} status\` on an issue or pull request shows its jobs, \`/${word} stop\` cancels them.`
  );
}

/** One line for `/droid status` when a daily cap is set: what was spent in 24 hours, and what is left. */
export function spendingLine(usage: Usage, caps: JobCaps): string | null {
  const parts = [
    caps.dailyUsdPerRepo === null ? null : `this repository ${ofCap(usage.repoUsd, caps.dailyUsdPerRepo)}`,
    caps.dailyUsdPerInstallation === null ? null : `this installation ${ofCap(usage.installationUsd, caps.dailyUsdPerInstallation)}`,
  ].filter((part) => part !== null);
  return parts.length === 0 ? null : `Spent in the last 24 h: ${parts.join("; ")}.`;
}

function ofCap(spent: number, cap: number): string {
  return `${usd(spent)} of ${usd(cap)} (${usd(Math.max(0, cap - spent))} left)`;
}
