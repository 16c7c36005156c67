/**
 * The operators' success rates (`/runs/stats`), the page of `droid stats`: per repository and
 * job kind over a period, the runs, how they ended (outcome shares), the median duration and
 * cost, and for fixes the pull requests opened and how many were merged. A form picks the
 * period and the repository; it works without JavaScript (a GET form).
 */
import { formatUsd } from "../figures/money.ts";
import { durationText, percentText, type SuccessRates } from "../jobs/stats.ts";
import { html, type Html } from "./html.ts";

/** The periods the form offers; any `<n>m|h|d|w` works in the URL. */
const PERIODS = ["1d", "7d", "30d", "90d"];

export interface StatsView {
  rates: readonly SuccessRates[];
  /** The period as asked (`7d`) and the moment it starts. */
  period: string;
  since: Date;
  repo: string | null;
  /** Operators see every repository; others the ones they can read. */
  scope: "all" | "readable";
}

export function statsBody(view: StatsView): Html {
  return html`<p class="meta">Droid · success rates</p>
<h1>${view.repo ?? (view.scope === "all" ? "All repositories" : "Your repositories")}</h1>
${filters(view.period, view.repo)}
<p class="meta">Jobs that ended since ${view.since.toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC")}${view.scope === "readable" && !view.repo ? " in the repositories you can read" : ""}.</p>
${view.rates.length === 0 ? html`<p>No job ended in this period.</p>` : view.rates.map(ratesSection)}`;
}

/** The page for a period or repository that cannot be read. */
export function statsProblemBody(problem: string, period: string, repo: string | null): Html {
  return html`<h1>Success rates</h1>
<p>${problem}</p>
${filters(period, repo)}`;
}

function filters(period: string, repo: string | null): Html {
  const periods = PERIODS.includes(period) ? PERIODS : [period, ...PERIODS];
  return html`<form class="filters" method="get" action="/runs/stats">
<label>Period <select name="since">${periods.map((p) => html`<option value="${p}"${p === period ? html` selected` : ""}>${p}</option>`)}</select></label>
<label>Repository <input name="repo" value="${repo ?? ""}" placeholder="owner/name" autocomplete="off"></label>
<button type="submit">Show</button>
</form>`;
}

function ratesSection(r: SuccessRates): Html {
  const figures = [
    `runs ${r.runs}`,
    `median ${r.medianDurationMs === null ? "—" : durationText(r.medianDurationMs)}`,
    `median cost ${r.medianCostUsd === null ? "—" : formatUsd(r.medianCostUsd)}`,
    ...(r.kind === "fix" ? [`pull requests ${r.pullRequests}, merged ${r.merged}${r.pullRequests > 0 ? ` (${percentText(r.merged, r.pullRequests)})` : ""}`] : []),
  ];
  return html`<section class="rates">
<h2><a href="/runs?repo=${r.repo}">${r.repo}</a> · ${r.kind}</h2>
<p class="figures">${figures.join(" · ")}</p>
<ul class="shares">${r.outcomes.map(
    (o) => html`<li><span class="badge ${outcomeClass(o.outcome)}">${o.outcome}</span> ${percentText(o.runs, r.runs)} (${o.runs}) <meter min="0" max="${r.runs}" value="${o.runs}"></meter></li>`,
  )}</ul>
</section>`;
}

/** The badge colour of an outcome kind: the state it ends in. */
function outcomeClass(outcome: SuccessRates["outcomes"][number]["outcome"]): string {
  if (outcome === "unrecorded") return "";
  if (outcome.startsWith("succeeded") || outcome === "no-change-needed") return "succeeded";
  if (outcome === "stopped-by-user") return "cancelled";
  if (outcome === "interrupted") return "interrupted";
  return "failed";
}
