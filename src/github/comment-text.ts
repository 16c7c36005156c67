/**
 * Figures as Droid's comments show them (money, time). Text Droid did not write goes
 * through `safe-markdown.ts`.
 */

/** Dollars: two significant digits below $1 (so $0.014 and $0.01 stay distinct), cents above. */
export function formatUsd(usd: number): string {
  if (usd === 0) return "$0.00";
  return usd < 1 ? `$${Number(usd.toPrecision(2))}` : `$${usd.toFixed(2)}`;
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

/** "job `<id>`", linked to the job's run page when there is one. */
export function jobReference(jobId: string, pageUrl: string | null | undefined): string {
  return pageUrl ? `[job \`${jobId}\`](${pageUrl})` : `job \`${jobId}\``;
}
