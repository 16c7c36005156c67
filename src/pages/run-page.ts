/**
 * What a run page shows, from the job's transcript: the trigger, the plan and its
 * revisions, the timeline (steps, model turns with their tool calls, each result as the
 * model saw it with links to the full command logs, steering comments, test runs), the
 * diff, the outcome, and time and cost per step. Every text is escaped (`html`).
 */
import type { Job } from "../jobs/types.ts";
import type { RunSummary, TranscriptRecord } from "../jobs/transcript.ts";
import { html, type Html } from "./html.ts";
import { describeTarget } from "../jobs/target.ts";
import { formatUsd } from "../figures/money.ts";
import { preciseDuration } from "../figures/duration.ts";

type Of<K extends TranscriptRecord["kind"]> = Extract<TranscriptRecord, { kind: K }>;

const SUBTASK_ICON: Record<string, string> = { todo: "⬜", "in-progress": "⏳", done: "✅", failed: "❌", skipped: "⏭️" };

export interface RunView {
  summary: RunSummary;
  /** The job record, while the store still has it (its live state). */
  job: Job | undefined;
  records: TranscriptRecord[];
}

/** The job's state: the record's while it exists, else the transcript's. */
export function runState(view: Pick<RunView, "summary" | "job">): string {
  return view.job?.state ?? view.summary.ended?.state ?? "interrupted";
}

export function isLive(view: Pick<RunView, "summary" | "job">): boolean {
  const state = runState(view);
  return state === "queued" || state === "running";
}

export function runPageBody(view: RunView): Html {
  const { summary, records } = view;
  const state = runState(view);
  const base = `/runs/${encodeURIComponent(summary.jobId)}`;
  const trigger = last(records, "trigger");
  const plans = records.filter((r): r is Of<"plan"> => r.kind === "plan");
  const diff = last(records, "diff");
  const outcome = last(records, "outcome");
  const start = summary.createdAt;
  const lastSeq = records.at(-1)?.seq ?? 0;
  return html`
<p class="meta"><a href="/runs?repo=${summary.repo}">${summary.repo}</a> · ${summary.kind} · ${describeTarget(summary.target)} · job <code>${summary.jobId}</code></p>
<h1>${summary.title || `${summary.kind} on ${describeTarget(summary.target)}`}</h1>
<p><span class="badge ${state}">${state}</span> <span class="meta">asked by @${summary.requester} · ${when(start)}${view.job?.costUsd ? ` · ${formatUsd(view.job.costUsd)}` : ""}</span></p>
${trigger ? triggerSection(trigger) : ""}
${plans.length > 0 ? planSection(plans) : ""}
<h2>Timeline</h2>
<ol class="timeline" id="timeline">${records.map((r) => entryHtml(r, base, start))}</ol>
${isLive(view) ? html`<p class="meta" id="live" data-src="${base}/live" data-after="${lastSeq}">${state}…</p>` : ""}
${diff ? diffSection(diff) : ""}
${outcome ? outcomeSection(outcome) : ""}
${stepsSection(records)}`;
}

/** One timeline entry (also what the live poll appends). */
export function entryHtml(r: TranscriptRecord, base: string, start: number): Html {
  const at = html`<span class="meta">+${seconds(r.at - start)}</span>`;
  switch (r.kind) {
    case "trigger":
      return html`<li>${at} asked: <code>${r.request}</code> by @${r.requester}</li>`;
    case "step":
      return html`<li class="step">${at} step <strong>${r.step}</strong></li>`;
    case "plan":
      return r.revision
        ? html`<li class="plan">${at} plan revised: ${r.revision.reason}${r.revision.changes.length ? html` <span class="meta">(${r.revision.changes.join("; ")})</span>` : ""}</li>`
        : html`<li class="plan">${at} plan: ${r.subtasks.map((s) => `${SUBTASK_ICON[s.state] ?? ""} ${s.id}`).join(" ")}</li>`;
    case "model-turn":
      return html`<li class="model-turn">${at} <strong>model turn ${r.turn}</strong> <span class="meta">${seconds(r.durationMs)} · ${formatUsd(r.costUsd)} · ${tokens(r.tokens)}</span>
${r.text ? html`<div class="text">${r.text}</div>` : ""}
${r.toolCalls.map((c) => html`<details class="call"><summary>calls <code>${c.name}</code>${callHint(c.input)}</summary><pre>${c.input}</pre></details>`)}</li>`;
    case "tool-result":
      return html`<li class="tool-result${r.isError ? " error" : ""}">${at} result of <code>${r.name}</code> <span class="meta">${seconds(r.durationMs)}${r.isError ? " · error" : ""}</span>
<details${r.text.length < 600 ? " open" : ""}><summary>what the model saw (${r.text.length.toLocaleString("en-US")} characters)</summary><pre class="digest">${r.text}</pre></details>
${r.logs.length ? html`<p class="meta">full log${r.logs.length > 1 ? "s" : ""}: ${r.logs.map((l, i) => html`${i ? ", " : ""}<a href="${base}/logs/${l.name}">${l.command.slice(0, 80)}</a> (${bytes(l.bytes)})`)}</p>` : ""}</li>`;
    case "steering":
      return html`<li class="steering">${at} steering comment by @${r.author}<div class="text">${r.body}</div></li>`;
    case "test-run":
      return html`<li class="test-run">${at} tests ${r.ok ? "✅" : "❌"} <code>${r.line}</code></li>`;
    case "diff":
      return html`<li>${at} changes brought back: ${r.files.length} file${r.files.length === 1 ? "" : "s"}</li>`;
    case "outcome":
      return html`<li>${at} ended <span class="badge ${r.state}">${r.outcome ?? r.state}</span></li>`;
  }
}

function triggerSection(t: Of<"trigger">): Html {
  return html`<h2>Trigger</h2>
<p>@${t.requester} asked <code>${t.request}</code></p>
<details open><summary>${t.title || "(no title)"} <span class="meta">by @${t.author}</span></summary><div class="text issue-body">${t.body || "(no description)"}</div></details>`;
}

function planSection(plans: Of<"plan">[]): Html {
  const current = plans.at(-1);
  if (!current) return html``;
  const revisions = plans.filter((p) => p.revision !== null);
  return html`<h2>Plan</h2>
<p class="meta">${current.template}</p>
<div class="text">${current.summary}</div>
<ul class="plan">${current.subtasks.map((s) => html`<li>${SUBTASK_ICON[s.state] ?? ""} <strong>${s.id}</strong> ${s.title} <span class="meta">(${s.state})</span></li>`)}</ul>
${revisions.length ? html`<p>Revisions:</p><ul>${revisions.map((p) => html`<li>${p.revision?.reason ?? ""} <span class="meta">${p.revision?.changes.join("; ") ?? ""}</span></li>`)}</ul>` : ""}`;
}

function diffSection(d: Of<"diff">): Html {
  const lines = d.diff.split("\n").map((line) => {
    const cls = line.startsWith("@@") ? "hunk" : line.startsWith("+") && !line.startsWith("+++") ? "add" : line.startsWith("-") && !line.startsWith("---") ? "del" : "";
    return cls ? html`<span class="${cls}">${line}</span>\n` : html`${line}\n`;
  });
  return html`<h2>Diff</h2>
<ul>${d.files.map((f) => html`<li><code>${f.path}</code> <span class="meta">(${f.status})</span></li>`)}</ul>
${d.diff ? html`<pre class="diff">${lines}</pre>` : html`<p class="meta">No changes.</p>`}`;
}

function outcomeSection(o: Of<"outcome">): Html {
  return html`<h2>Outcome</h2>
<p><span class="badge ${o.state}">${o.outcome ?? o.state}</span> <span class="meta">${formatUsd(o.costUsd)} · ${seconds(o.durationMs)}${o.pullRequest ? ` · pull request #${o.pullRequest}` : ""}</span></p>
${o.detail ? html`<div class="text outcome">${o.detail}</div>` : ""}`;
}

/** Time and model cost per step: from a step's entry to the next one's (the last to the outcome). */
function stepsSection(records: TranscriptRecord[]): Html {
  const steps = records.filter((r) => r.kind === "step" || r.kind === "outcome");
  if (steps.length < 2) return html``;
  const rows = steps.slice(0, -1).map((s, i) => {
    const next = steps[i + 1] ?? s;
    const cost = records.filter((r): r is Of<"model-turn"> => r.kind === "model-turn" && r.seq > s.seq && r.seq < next.seq).reduce((sum, r) => sum + r.costUsd, 0);
    return html`<tr><td>${s.kind === "step" ? s.step : ""}</td><td>${seconds(next.at - s.at)}</td><td>${formatUsd(cost)}</td></tr>`;
  });
  return html`<h2>Steps</h2><table><thead><tr><th>step</th><th>time</th><th>model cost</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function callHint(input: string): string {
  const m = /"(?:command|path|pattern|reason|summary)":\s*"((?:[^"\\]|\\.){0,60})/.exec(input);
  return m?.[1] ? ` ${m[1]}` : "";
}

function last<K extends TranscriptRecord["kind"]>(records: TranscriptRecord[], kind: K): Of<K> | undefined {
  return records.findLast((r): r is Of<K> => r.kind === kind);
}

export function when(ms: number): string {
  return new Date(ms).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
}

const seconds = preciseDuration;

function tokens(t: Of<"model-turn">["tokens"]): string {
  const input = t.input + t.cacheRead + t.cacheWrite;
  return `${input.toLocaleString("en-US")} in (${t.cacheRead.toLocaleString("en-US")} cached) / ${t.output.toLocaleString("en-US")} out`;
}

function bytes(n: number): string {
  return n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
