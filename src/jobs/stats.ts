/**
 * Success rates for operators (`droid stats`): per repository and job kind over a period,
 * the runs, how they ended (outcome shares), the median duration and cost, the pull requests
 * fix runs opened or updated and how many of those were merged. Read from the job store
 * (`endedSince`, `merges`), computed here, printed by the CLI and shown on the run pages
 * (`/runs/stats`).
 */
import { formatUsd } from "../figures/money.ts";
import { repoKey, type PullRequestMerge } from "./queue.ts";
import type { Job, JobKind, OutcomeKind } from "./types.ts";

export interface SuccessRates {
  repo: string;
  kind: JobKind;
  runs: number;
  /** Runs by outcome, most frequent first; `unrecorded` for jobs that ended before outcomes were recorded. */
  outcomes: { outcome: OutcomeKind | "unrecorded"; runs: number }[];
  medianDurationMs: number | null;
  medianCostUsd: number | null;
  /** Distinct pull requests these runs opened or updated (fix runs), and how many of them were merged. */
  pullRequests: number;
  merged: number;
}

export function successRates(jobs: readonly Job[], merges: readonly PullRequestMerge[]): SuccessRates[] {
  const merged = new Set(merges.map((m) => `${m.repo}#${m.number}`));
  const groups = new Map<string, Job[]>();
  for (const job of jobs) {
    const key = `${repoKey(job.repo)} ${job.request.kind}`;
    const group = groups.get(key);
    if (group) group.push(job);
    else groups.set(key, [job]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, group]) => {
      const [repo = "", kind = "fix"] = key.split(" ");
      const counts = new Map<OutcomeKind | "unrecorded", number>();
      for (const job of group) counts.set(job.outcome ?? "unrecorded", (counts.get(job.outcome ?? "unrecorded") ?? 0) + 1);
      const prs = new Set(group.flatMap((j) => (j.request.kind === "fix" && j.links.pullRequestNumber !== undefined ? [`${repo}#${j.links.pullRequestNumber}`] : [])));
      return {
        repo,
        kind: kind as JobKind,
        runs: group.length,
        outcomes: [...counts.entries()].map(([outcome, runs]) => ({ outcome, runs })).sort((a, b) => b.runs - a.runs || a.outcome.localeCompare(b.outcome)),
        medianDurationMs: median(group.flatMap((j) => (j.startedAt && j.endedAt ? [j.endedAt.getTime() - j.startedAt.getTime()] : []))),
        medianCostUsd: median(group.map((j) => j.costUsd)),
        pullRequests: prs.size,
        merged: [...prs].filter((pr) => merged.has(pr)).length,
      };
    });
}

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = values.toSorted((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** `7d`, `12h`, `2w`, `30m` → milliseconds; null when it is none of those. */
export function parsePeriod(text: string): number | null {
  const m = /^(\d+)([mhdw])$/.exec(text.trim());
  if (!m) return null;
  const unit = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[m[2] as "m" | "h" | "d" | "w"];
  return Number(m[1]) * unit;
}

/** The rates as the terminal shows them: one block per repository and kind. */
export function renderSuccessRates(rates: readonly SuccessRates[], period: { since: Date; repo: string | null }): string {
  const head = `Droid jobs ended since ${period.since.toISOString()}${period.repo ? ` in ${period.repo.toLowerCase()}` : ""}`;
  if (rates.length === 0) return `${head}: none.\n`;
  const blocks = rates.map((r) => {
    const prs = r.kind === "fix" ? `  pull requests ${r.pullRequests}, merged ${r.merged}${r.pullRequests > 0 ? ` (${percentText(r.merged, r.pullRequests)})` : ""}` : "";
    const line = `${r.repo}  ${r.kind}  runs ${r.runs}  median ${r.medianDurationMs === null ? "—" : durationText(r.medianDurationMs)}  median cost ${r.medianCostUsd === null ? "—" : formatUsd(r.medianCostUsd)}${prs}`;
    const shares = r.outcomes.map((o) => `${o.outcome} ${percentText(o.runs, r.runs)} (${o.runs})`).join(", ");
    return `${line}\n  ${shares}`;
  });
  return `${head}:\n\n${blocks.join("\n\n")}\n`;
}

/** `67 %` */
export function percentText(part: number, whole: number): string {
  return `${Math.round((100 * part) / whole)} %`;
}

/** `45 s`, `1 min 30 s` */
export function durationText(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}
