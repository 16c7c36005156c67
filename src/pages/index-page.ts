/**
 * The other pages: a repository's runs, the sign-in page and the page for anything a
 * reader may not see (the same 404 whether the run does not exist or they lack access).
 */
import type { Job } from "../jobs/types.ts";
import type { RunSummary } from "../jobs/transcript.ts";
import { html, type Html } from "./html.ts";
import { formatUsd } from "../figures/money.ts";
import { when } from "./run-page.ts";
import { describeTarget } from "../jobs/target.ts";

export function indexBody(repo: string, runs: { summary: RunSummary; job: Job | undefined }[]): Html {
  return html`<p class="meta">Droid runs</p>
<h1>${repo}</h1>
<p class="meta"><a href="/runs/stats?repo=${repo}">success rates</a></p>
${runs.length === 0 ? html`<p>No runs recorded for this repository.</p>` : ""}
<ol class="timeline">${runs.map(({ summary, job }) => {
    const state = job?.state ?? summary.ended?.state ?? "interrupted";
    const cost = job?.costUsd ?? summary.ended?.costUsd ?? 0;
    return html`<li><a href="/runs/${encodeURIComponent(summary.jobId)}">${summary.title || `${summary.kind} on ${describeTarget(summary.target)}`}</a>
<br><span class="badge ${state}">${state}</span> <span class="meta">${summary.kind} · ${describeTarget(summary.target)} · @${summary.requester} · ${when(summary.createdAt)} · ${formatUsd(cost)}</span></li>`;
  })}</ol>`;
}

export function signInBody(next: string): Html {
  return html`<h1>Sign in to see this run</h1>
<p>Droid's run pages are shown to people who can read the repository. Sign in with GitHub so Droid can check that you can.</p>
<p><a class="signin" href="/runs/sign-in?next=${encodeURIComponent(next)}">Sign in with GitHub</a></p>
<p class="meta">Droid asks GitHub only whether you can read the repository; your GitHub token is kept in your session cookie until you sign out or it expires.</p>`;
}

export function notFoundBody(): Html {
  return html`<h1>Not found</h1><p>There is no run here, or you cannot read its repository.</p>`;
}

export function messageBody(title: string, text: string): Html {
  return html`<h1>${title}</h1><p>${text}</p>`;
}
