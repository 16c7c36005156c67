/**
 * Money as every text Droid writes shows it (comments, PR bodies, check runs, run pages,
 * logs of budgets): US dollars with cents and thousands separators. A cost above zero
 * that rounds to no cent says so ("< $0.01"), never "$0.00".
 */
const CENTS = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });

export function formatUsd(usd: number): string {
  if (!Number.isFinite(usd)) return "—";
  if (usd < 0) return `-${formatUsd(-usd)}`;
  if (usd > 0 && usd < 0.01) return "< $0.01";
  return `$${CENTS.format(usd)}`;
}
