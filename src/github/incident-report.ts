/**
 * Renders the incident issue: what is known (measured facts), what the history
 * says (suspects), and the model-written parts of the root-cause analysis (filled
 * by the RCA runner; absent until then, not shown as "pending"). When the evidence
 * is thin the report says so plainly instead of implying a cause.
 *
 * All text from Sentry and from the model is untrusted: it is shown in code spans
 * or fenced blocks, or as plain paragraphs with mentions and HTML defused.
 */
import { inlineCode, safeInline, safeMarkdown, safeUrl } from "./safe-markdown.ts";
import { jobReference } from "./comment-text.ts";
import { formatUsd } from "../figures/money.ts";
import { roughDuration } from "../figures/duration.ts";
import { recordMarker, type ExceptionChain, type IncidentFrame, type IncidentRecord, type Suspect } from "../incidents/record.ts";
import { formatCount } from "../figures/count.ts";

const MAX_FRAMES = 12;
const MAX_SUSPECTS = 5;
const MAX_TITLE = 200;

export function incidentIssueTitle(record: IncidentRecord): string {
  const title = `Incident: ${record.title.replace(/\s+/g, " ").trim()}`;
  return title.length > MAX_TITLE ? `${title.slice(0, MAX_TITLE - 3)}...` : title;
}

/** GitHub refuses issue bodies longer than this. */
export const MAX_ISSUE_BODY = 65_536;

/**
 * The issue body for the record. A body that would exceed GitHub's limit is
 * rendered again from a trimmed record (fewer frames, timeline entries and
 * evidence items, shorter analysis), and the trimmed record is what the marker keeps.
 */
export function renderIncidentReport(record: IncidentRecord, commandWord = "droid"): string {
  const full = render(record, commandWord);
  if (full.length <= MAX_ISSUE_BODY) return full;
  for (const limit of [4_000, 1_000, 300]) {
    const body = render(trimmed(record, limit), commandWord);
    if (body.length <= MAX_ISSUE_BODY) return body;
  }
  return render(trimmed({ ...record, analysis: null, suspects: [], frames: record.frames.slice(0, 5), timeline: record.timeline.slice(-5) }, 100), commandWord);
}

function trimmed(record: IncidentRecord, limit: number): IncidentRecord {
  const cut = (text: string) => truncate(text, limit);
  const items = Math.max(5, Math.floor(limit / 100));
  const a = record.analysis;
  return {
    ...record,
    title: truncate(record.title, 300),
    exception: record.exception ? { type: record.exception.type, message: cut(record.exception.message) } : null,
    frames: record.frames.slice(0, Math.min(MAX_FRAMES, items)),
    timeline: [...record.timeline.slice(0, 2), ...record.timeline.slice(2).slice(-items)],
    suspects: record.suspects.slice(0, MAX_SUSPECTS).map((s) => ({ ...s, headline: truncate(s.headline, 200), reasons: s.reasons.slice(0, 3).map(cut) })),
    analysis: a && {
      summary: cut(a.summary),
      suspectedCause: a.suspectedCause && { ...a.suspectedCause, text: cut(a.suspectedCause.text) },
      suggestedFix: a.suggestedFix && cut(a.suggestedFix),
      verification: a.verification && cut(a.verification),
      evidence: a.evidence.slice(0, items).map((e) => ({ text: cut(e.text), url: e.url })),
    },
  };
}

/**
 * Analysed, the report leads with what a reader acts on (summary, suspected cause, the fix,
 * how to verify), then the facts behind it. Before the analysis it shows only what is known:
 * no section that would only say "pending".
 */
function render(record: IncidentRecord, commandWord: string): string {
  const a = record.analysis;
  const facts = [
    ...section("Impact", impact(record)),
    ...section("Exception", exception(record)),
    ...section("Timeline", timeline(record)),
    ...(a || record.suspects.length > 0 ? section("Suspects: changes before the first occurrence", suspects(record)) : []),
  ];
  const body = a
    ? [
        ...section("Summary", summary(record)),
        ...section("Suspected cause", suspectedCause(record)),
        ...section("Suggested fix", [a.suggestedFix ? prose(a.suggestedFix) : "No fix suggested."]),
        ...section("How to verify", [a.verification ? prose(a.verification) : "No verification steps."]),
        ...facts,
        ...section("Evidence", evidence(record)),
      ]
    : [...section("Summary", summary(record)), ...facts];
  return [
    recordMarker(record),
    `## Incident: ${inlineCode(record.title)}`,
    "",
    incidentStatus(record),
    "",
    sourceLine(record),
    "",
    ...body,
    "---",
    `Next: \`/${commandWord} fix\` carries out a fix for this incident and opens a pull request; \`/${commandWord} rca\` runs the analysis again.`,
  ].join("\n");
}

/**
 * The report's status line (docs/style.md): "⏳ Analysis queued" until the analysis is in,
 * then "🔎 Analysed · cause named (confidence high) · 2 min · $0.12 · job `3f9c2d1e`".
 */
function incidentStatus(record: IncidentRecord): string {
  const a = record.analysis;
  if (!a) return "⏳ Analysis queued";
  const cause = a.suspectedCause ? `cause named (confidence ${a.suspectedCause.confidence})` : "no cause named";
  const by = record.analysedBy;
  return ["🔎 Analysed", cause, ...(by ? [roughDuration(by.durationMs), formatUsd(by.costUsd), jobReference(by.jobId, null)] : [])].join(" · ");
}

/** Why the evidence is thin, in words; empty when it is not. */
export function evidenceGaps(record: IncidentRecord): string[] {
  const gaps: string[] = [];
  const inApp = record.frames.filter((f) => f.inApp);
  if (record.frames.length === 0) gaps.push("the alert carried no stack trace");
  else if (inApp.length === 0) gaps.push("every frame of the stack trace is library or runtime code (no frame of the application)");
  if (record.frames.length > 0 && record.frames.every((f) => f.note?.startsWith("minified"))) {
    gaps.push("the trace points into minified code (upload source maps to Sentry)");
  } else if (record.analysis !== null && inApp.length > 0 && !inApp.some((f) => f.repoPath !== null)) {
    gaps.push("no frame of the stack trace points at a file of this repository");
  }
  if (record.analysis !== null && record.suspects.length === 0) {
    gaps.push("no commit touched the implicated files in the window before the first occurrence");
  }
  return gaps;
}

function sourceLine(record: IncidentRecord): string {
  const parts: string[] = [];
  if (record.source === "sentry") {
    const name = record.shortId ?? `issue ${record.sentryIssueId ?? "?"}`;
    const link = record.link ? safeUrl(record.link) : null;
    parts.push(link ? `Sentry [${safeInline(name)}](${link})` : `Sentry ${safeInline(name)}`);
    if (record.sentryIssueId) parts.push(`Sentry issue id ${record.sentryIssueId}`);
    if (record.project) parts.push(`project ${inlineCode(record.project)}`);
  } else {
    parts.push("stack trace from this issue");
  }
  if (record.level) parts.push(`level ${inlineCode(record.level)}`);
  if (record.environment) parts.push(`environment ${inlineCode(record.environment)}`);
  if (record.release) parts.push(`release ${inlineCode(record.release)}`);
  return `> ${parts.join(" · ")}`;
}

function summary(record: IncidentRecord): string[] {
  const gaps = evidenceGaps(record);
  const lines = [record.analysis ? prose(record.analysis.summary) : "Root-cause analysis is queued: Droid fills in this report when it is done and says so in a comment. What is known so far is below."];
  if (gaps.length > 0) {
    lines.push("", `**Evidence is thin:** ${gaps.join("; ")}. Droid does not guess a cause from this; the report lists what was checked.`);
  }
  return lines;
}

/** The figures as a list (a two-column table would need a header row with nothing to say). */
function impact(record: IncidentRecord): string[] {
  return [
    `- **Events (Sentry):** ${record.eventCount === null ? "not reported by this alert" : formatCount(record.eventCount)}`,
    `- **Users affected:** ${record.userCount === null ? "not reported by this alert" : formatCount(record.userCount)}`,
    `- **Alerts received:** ${formatCount(record.alerts)}`,
    `- **First seen:** ${time(record.firstSeen)}`,
    `- **Last seen:** ${time(record.lastSeen)}`,
  ];
}

function exception(record: IncidentRecord): string[] {
  const lines: string[] = [];
  if (record.exception) lines.push(...fenced(`${record.exception.type}: ${record.exception.message}`.trim()));
  else lines.push("No exception details in the alert.");
  if (record.chain) lines.push("", ...chain(record.chain));
  if (record.culprit) lines.push("", `Culprit: ${inlineCode(record.culprit)}`);
  if (record.frames.length === 0) return lines;
  const shown = record.frames.slice(0, MAX_FRAMES);
  // A list, not a table: four columns scroll sideways on a phone (docs/style.md).
  lines.push("", "Frames, crash site first:", "");
  shown.forEach((f, i) => lines.push(`${i + 1}. ${f.function ? `${inlineCode(f.function)} at ` : ""}${inlineCode(`${f.file}${f.line === null ? "" : `:${f.line}`}`)} → ${frameTarget(record, f)}`));
  if (record.frames.length > shown.length) lines.push("", `${record.frames.length - shown.length} more frames not shown.`);
  return lines;
}

/** The chained exceptions, root cause first, and which one the frames below are from and why. */
function chain(chain: ExceptionChain): string[] {
  const analysed = chain.exceptions[chain.analysed];
  const root = chain.exceptions[0];
  const why = {
    "root-cause": "it is the root cause, and it has frames of the application",
    "nearest-with-app-frames": `the root cause${root ? ` (${inlineCode(root.type)})` : ""} has no frame of the application; this is the exception nearest to it that has some`,
    "no-app-frames": "no exception of the chain has a frame of the application, so the one that reached the top is shown",
  }[chain.why];
  return [
    `The error is a chain of ${chain.exceptions.length} exceptions, root cause first:`,
    "",
    ...chain.exceptions.map((e, i) => `${i + 1}. ${inlineCode(truncate(`${e.type}: ${e.message}`.trim(), 200))}${i === chain.analysed ? " **(analysed)**" : ""} – ${e.inAppFrames} application frame${e.inAppFrames === 1 ? "" : "s"}`),
    "",
    `Droid analysed #${chain.analysed + 1}${analysed ? ` (${inlineCode(analysed.type)})` : ""}: ${why}. The frames below are from it.`,
  ];
}

function frameTarget(record: IncidentRecord, frame: IncidentFrame): string {
  if (frame.repoPath) return `[${safeInline(frame.repoPath)}${frame.line === null ? "" : `#L${frame.line}`}](${permalink(record, frame.repoPath, frame.line)})`;
  if (!frame.inApp) return "library / runtime";
  if (frame.note) return safeInline(frame.note);
  return record.analysis ? "not found" : "not looked up yet";
}

function timeline(record: IncidentRecord): string[] {
  if (record.timeline.length === 0) return ["Nothing recorded yet."];
  return [...record.timeline].sort((a, b) => a.at.localeCompare(b.at)).map((e) => `- ${time(e.at)}: ${safeInline(e.what)}`);
}

function suspectedCause(record: IncidentRecord): string[] {
  if (!record.analysis) return [];
  const cause = record.analysis.suspectedCause;
  if (!cause) return ["Not determined: the evidence below does not support naming a cause."];
  return [prose(cause.text), "", `Confidence: **${cause.confidence}**.`];
}

function suspects(record: IncidentRecord): string[] {
  if (record.suspects.length === 0) {
    return ["No commit touched the implicated files in the window before the first occurrence."];
  }
  return record.suspects.slice(0, MAX_SUSPECTS).map((s) => suspectLine(s));
}

/** One suspect commit as a list item (a table of four columns would scroll sideways on a phone). */
function suspectLine(s: Suspect): string {
  const commit = `[\`${s.sha.slice(0, 7)}\`](${s.url}) ${safeInline(truncate(s.headline, 80))}`;
  const pr = s.pullRequest ? ` · [#${s.pullRequest.number}](${s.pullRequest.url})` : "";
  return `- ${commit}${pr} · confidence **${s.confidence}**: ${safeInline(s.reasons.join("; "))}`;
}

function evidence(record: IncidentRecord): string[] {
  const items = record.analysis?.evidence ?? [];
  if (items.length === 0) return ["None beyond the facts above."];
  return items.map((e) => {
    const url = e.url ? safeUrl(e.url) : null;
    return `- ${safeInline(e.text)}${url ? ` ([link](${url}))` : ""}`;
  });
}

/** A link to a line at the deployed commit (or the default branch when that is unknown). */
export function permalink(record: IncidentRecord, path: string, line: number | null): string {
  const ref = record.deployedCommit ?? record.defaultBranch;
  const encoded = path.split("/").map(encodeURIComponent).join("/");
  return `${record.repoUrl}/blob/${encodeURIComponent(ref)}/${encoded}${line === null ? "" : `#L${line}`}`;
}

function section(title: string, body: string[]): string[] {
  return [`### ${title}`, "", ...body, ""];
}

function fenced(text: string): string[] {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  return [`${fence}text`, truncate(text, 4000), fence];
}

/** Model or user prose as paragraphs: no mentions, no HTML, no code left open. */
function prose(text: string): string {
  return safeMarkdown(truncate(text, 6000));
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

function time(iso: string | null): string {
  if (!iso) return "unknown";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? "unknown" : `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}
