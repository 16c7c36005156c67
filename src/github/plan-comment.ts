/**
 * The one plan comment: how it is rendered (the hidden marker first, `plan-marker.ts`),
 * read back (the plan and the humans' ticks), edited later (one more "Execution" line),
 * found and upserted. Longer than 300 lines because the renderer and everything that reads
 * or edits its output must agree on one layout, which is easiest to keep in one place.
 */
import type { ProbotOctokit } from "probot";
import { z } from "zod";
import type { PlanChange } from "../planning/diff.ts";
import { StoredPlanSchema, type Plan, type StoredPlan, type Subtask } from "../planning/schema.ts";
import { formatDuration, roughDuration } from "../figures/duration.ts";
import { formatUsd } from "../figures/money.ts";
import { encodeStoredPlan, PLAN_MARKER_PREFIX, readPlanMarker } from "./plan-marker.ts";
import { jobReference } from "./comment-text.ts";
import { inlineCode, safeInline, safeMarkdown } from "./safe-markdown.ts";
import { trimToBoundary } from "../prompting/trim.ts";
import type { TokenUsage } from "../llm/ledger.ts";

/** GitHub refuses issue comments longer than this. */
export const MAX_COMMENT_CHARS = 65_536;
/** What the footer reports about the job that wrote the plan. */
export interface PlanFooter {
  jobId: string;
  model: string;
  usage: TokenUsage;
  costUsd: number;
  durationMs: number;
  /** The job's run page, when Droid serves one. */
  pageUrl?: string | null;
}

/** Everything the plan comment shows. */
export interface PlanCommentView {
  stored: StoredPlan;
  /** Changes since the previous revision (null for a first plan). */
  changes: PlanChange[] | null;
  /** "Context used" lines: sources, what was trimmed or left out. */
  contextNotes: string[];
  /** The "Context used" section as the planning job wrote it (a later edit keeps it as it was). */
  contextUsed?: string | null;
  /** The planning job's figures; null while the plan is being carried out (the run's status line reports then). */
  footer: PlanFooter | null;
  /** While `/droid fix` runs, and after it ended. */
  run?: PlanRun;
  /** The repository's command word (`command` in `.github/droid.yml`): `/<word> fix`. */
  commandWord: string;
}

/** A fix run of the plan, as its comment shows it. */
export interface PlanRun {
  /** The status line (`run-status.ts`): state · duration · cost · link. */
  status: string;
  /** Lines under "Execution": plan revisions, revisions pushed later. */
  execution: string[];
  /** What to do next once the run ended; null while it runs. */
  next: string | null;
}

type Section = { summary: string; content: string };

const STATE_MARK: Record<Subtask["state"], string> = { todo: "", "in-progress": " ⏳", done: "", failed: " ❌ _(failed)_", skipped: " _(skipped)_" };

function checklistLine(s: Subtask): string {
  const checked = s.state === "done" || s.state === "skipped" ? "x" : " ";
  const title = s.state === "skipped" ? `~~${safeInline(s.title)}~~` : safeInline(s.title);
  return `- [${checked}] **${s.id}** ${title}${STATE_MARK[s.state]}`;
}

function subtaskDetails(plan: Plan): string {
  return plan.subtasks
    .map((s) => {
      const created = new Set(s.newFiles ?? []);
      const files = s.files.length > 0 ? `\n  _Files:_ ${s.files.map((f) => `${inlineCode(f, 300)}${created.has(f) ? " (new)" : ""}`).join(", ")}` : "";
      return `**${s.id}. ${safeInline(s.title)}**\n  ${safeInline(s.change)}${files}\n  _Verify:_ ${safeInline(s.verification)}`;
    })
    .join("\n\n");
}

function rolloutRow(name: string, value: string | null): string {
  return `- **${name}:** ${value === null || value === "" ? "none" : safeInline(value)}`;
}

function rolloutText(plan: Plan): string {
  const { featureFlag, migration, deployment } = plan.rollout;
  const row = rolloutRow;
  return [row("Feature flag", featureFlag), row("Migration", migration), row("Deployment", deployment)].join("\n");
}

function sections(view: PlanCommentView): Section[] {
  const { plan } = view.stored;
  const list: Section[] = [];
  if (view.changes !== null) {
    const lines = view.changes.length === 0 ? ["No changes to the plan."] : view.changes.map((c) => `- ${safeInline(describeChange(c))}`);
    list.push({ summary: `What changed in revision ${view.stored.revision}`, content: lines.join("\n") });
  }
  list.push({ summary: "Subtask details", content: subtaskDetails(plan) });
  list.push({ summary: "Testing strategy", content: safeMarkdown(plan.testing) });
  list.push({
    summary: `Risks (${plan.risks.length})`,
    content: plan.risks.length === 0 ? "None identified." : plan.risks.map((r) => `- ${safeInline(r.risk)} — _mitigation:_ ${safeInline(r.mitigation)}`).join("\n"),
  });
  list.push({ summary: "Rollout", content: rolloutText(plan) });
  list.push({
    summary: `${safeInline(plan.template.title)} template checks`,
    content: plan.checks.map((c) => `- ${inlineCode(c.id)}: ${safeInline(c.addressedBy)}`).join("\n") || "None.",
  });
  const notes = view.contextNotes.map((n) => `- ${safeInline(n)}`).join("\n");
  const context = view.contextUsed ?? notes;
  if (context !== "") list.push({ summary: CONTEXT_USED, content: context });
  return list;
}

const CONTEXT_USED = "Context used";

/** Every section is closed: a reader opens what they want (docs/style.md). */
function renderSection(s: Section): string {
  return `<details><summary>${s.summary}</summary>\n\n${s.content}\n\n</details>`;
}

/** The "Context used" section of a plan comment as it was rendered, or null. */
export function contextUsedOf(body: string): string | null {
  const open = `<details><summary>${CONTEXT_USED}</summary>\n\n`;
  const start = body.indexOf(open);
  if (start === -1) return null;
  const end = body.indexOf("\n\n</details>", start + open.length);
  return end === -1 ? null : body.slice(start + open.length, end);
}

function footer(view: PlanCommentView): string {
  const f = view.footer;
  const word = view.commandWord;
  if (f !== null) {
    return [
      "---",
      modelLine(f),
      "",
      `**Next:** comment \`/${word} fix\` to carry out this plan, or \`/${word} plan <feedback>\` to revise it. Tick boxes to mark subtasks done.`,
    ].join("\n");
  }
  if (!view.run) return "";
  if (view.run.next === null) return ["---", `**Next:** \`/${word} stop\` cancels the run; a comment here steers it. Tick boxes to mark subtasks done.`].join("\n");
  return ["---", `**Next:** ${view.run.next}`].join("\n");
}

/** The plan's status line before any run: the planning job's time, cost and link. */
function planReadyLine(f: PlanFooter): string {
  return `📋 Plan ready · ${roughDuration(f.durationMs)} · ${formatUsd(f.costUsd)} · ${jobReference(f.jobId, f.pageUrl)}`;
}

/** "model `m` · N input tokens (x% from cache) + M output". */
function modelAndTokens(f: PlanFooter): string {
  const input = f.usage.input + f.usage.cacheWrite + f.usage.cacheRead;
  const cached = input === 0 ? 0 : Math.round((f.usage.cacheRead / input) * 100);
  return `model \`${f.model}\` · ${input.toLocaleString("en-US")} input tokens (${cached}% from cache) + ${f.usage.output.toLocaleString("en-US")} output`;
}

/** The model and its tokens (the status line says the time, cost and job). */
function modelLine(f: PlanFooter): string {
  return `<sub>Droid · ${modelAndTokens(f)}</sub>`;
}

/** The figures of a comment without a status line (an answer): model, tokens with the cache share, cost, time, job. */
export function figuresLine(f: PlanFooter): string {
  return `<sub>Droid · ${modelAndTokens(f)} · ${formatUsd(f.costUsd)} · ${formatDuration(f.durationMs)} · ${jobReference(f.jobId, f.pageUrl)}</sub>`;
}

const cutNote = (n: number): string => `_(${n} characters cut to fit GitHub's comment size limit)_`;

/**
 * Renders the one plan comment. The hidden marker carrying the plan JSON comes first;
 * the readable part follows. When the whole would pass GitHub's limit, the collapsible
 * sections are cut (the last, least important first) with a visible note.
 */
export function renderPlanComment(view: PlanCommentView): string {
  const { plan } = view.stored;
  const status = view.run?.status ?? (view.footer ? planReadyLine(view.footer) : null);
  const head = [
    encodeStoredPlan(view.stored),
    `### Droid plan: ${safeInline(plan.template.title)}${view.stored.revision > 1 ? ` (revision ${view.stored.revision})` : ""}`,
    ...(status === null ? [] : [status, ""]),
    `<sub>${plan.template.source === "repo" ? "This repository's" : "Built-in"} template \`${plan.template.kind}\`, ${plan.template.chosenBy === "label" ? "chosen by the issue's labels" : "chosen by the model"}.</sub>`,
    "",
    safeMarkdown(plan.summary),
    "",
    "**Subtasks**",
    "",
    ...plan.subtasks.map(checklistLine),
  ];
  if (view.run && view.run.execution.length > 0) head.push("", "**Execution**", "", ...view.run.execution);
  if (plan.openQuestions.length > 0) {
    head.push("", "**Open questions**", "", ...plan.openQuestions.map((q) => `- ${safeInline(q)}`));
  }
  const fixed = head.join("\n");
  const tail = footer(view);
  const parts = sections(view);
  const separators = (parts.length + 2) * 2;
  let overflow = fixed.length + tail.length + separators + parts.reduce((n, s) => n + renderSection(s).length, 0) - MAX_COMMENT_CHARS;
  for (let i = parts.length - 1; i >= 0 && overflow > 0; i--) {
    const part = parts[i];
    if (!part) continue;
    const trimmed = trimToBoundary(part.content, Math.max(0, part.content.length - overflow), cutNote);
    // A cut may leave a fence or a code span open: sanitising again closes it.
    const content = trimmed.cutChars > 0 ? safeMarkdown(trimmed.text) : trimmed.text;
    overflow -= part.content.length - content.length;
    parts[i] = { ...part, content };
  }
  const body = [fixed, ...parts.map(renderSection), ...(tail === "" ? [] : [tail])].join("\n\n");
  if (body.length > MAX_COMMENT_CHARS) throw new Error(`plan comment is ${body.length} characters after cutting`);
  return body;
}

const EXECUTION = "\n**Execution**\n\n";
/** The most lines "Execution" keeps (the oldest go first). */
const MAX_EXECUTION_LINES = 15;

/**
 * The plan comment's body with one more line under "Execution" (a revision pushed after
 * the run, for example); everything else — status line, checkboxes, "Next" — stays as it
 * is. Null when the body would pass GitHub's limit.
 */
export function withExecutionLine(body: string, line: string): string | null {
  const start = body.indexOf(EXECUTION);
  let next: string;
  if (start === -1) {
    const at = [body.indexOf("\n\n**Open questions**"), body.indexOf("\n\n<details>"), body.indexOf("\n\n---")].find((i) => i !== -1) ?? body.length;
    next = `${body.slice(0, at)}\n${EXECUTION}${line}${body.slice(at)}`;
  } else {
    const from = start + EXECUTION.length;
    const end = body.indexOf("\n\n", from);
    const to = end === -1 ? body.length : end;
    const lines = [...body.slice(from, to).split("\n").filter((l) => l.trim() !== ""), line].slice(-MAX_EXECUTION_LINES);
    next = `${body.slice(0, from)}${lines.join("\n")}${body.slice(to)}`;
  }
  return next.length > MAX_COMMENT_CHARS ? null : next;
}

/** A plan read back from its comment, with the humans' checkbox edits applied. */
export interface ParsedPlanComment {
  stored: StoredPlan;
  /** Subtask ids whose state a human changed by ticking or unticking a box. */
  editedByHuman: string[];
}

/** Reads the plan from a comment body; null when the body carries no (valid) plan marker. */
export function parsePlanComment(body: string): ParsedPlanComment | null {
  const json = readPlanMarker(body);
  if (json === undefined) return null;
  const parsed = StoredPlanSchema.safeParse(json);
  if (!parsed.success) return null;
  const boxes = new Map<string, boolean>();
  for (const line of body.split("\n")) {
    const box = /^- \[([ xX])\] (?:~~)?\*\*(S\d{1,2})\*\*/.exec(line);
    if (box?.[2]) boxes.set(box[2], box[1] !== " ");
  }
  const editedByHuman: string[] = [];
  const subtasks = parsed.data.plan.subtasks.map((s): Subtask => {
    const ticked = boxes.get(s.id);
    if (ticked === undefined) return s;
    const wasTicked = s.state === "done" || s.state === "skipped";
    if (ticked === wasTicked) return s;
    editedByHuman.push(s.id);
    return { ...s, state: ticked ? "done" : "todo" };
  });
  return { stored: { ...parsed.data, plan: { ...parsed.data.plan, subtasks } }, editedByHuman };
}

/** Where a plan comment lives. */
export interface IssueRef {
  owner: string;
  repo: string;
  issueNumber: number;
}

export interface FoundPlanComment {
  id: number;
  body: string;
  parsed: ParsedPlanComment | null;
}

const CommentRow = z.object({ id: z.number(), body: z.string().optional(), user: z.object({ login: z.string() }).nullable() });

/**
 * Finds Droid's plan comment on an issue: a comment by Droid's own bot account that
 * carries the marker. Comments by anyone else are ignored, so a plan cannot be forged.
 */
export async function findPlanComment(octokit: ProbotOctokit, ref: IssueRef, botLogin: string): Promise<FoundPlanComment | null> {
  const found = await findOwnComment(octokit, ref, botLogin, PLAN_MARKER_PREFIX);
  return found ? { ...found, parsed: parsePlanComment(found.body) } : null;
}

/** Droid's first comment on the issue whose body holds `marker`, or null. */
export async function findOwnComment(octokit: ProbotOctokit, ref: IssueRef, botLogin: string, marker: string): Promise<{ id: number; body: string } | null> {
  const pages = octokit.paginate.iterator(octokit.rest.issues.listComments, {
    owner: ref.owner,
    repo: ref.repo,
    issue_number: ref.issueNumber,
    per_page: 100,
  });
  for await (const page of pages) {
    for (const raw of page.data) {
      const row = CommentRow.parse(raw);
      if (row.user?.login !== botLogin || row.body === undefined || !row.body.includes(marker)) continue;
      return { id: row.id, body: row.body };
    }
  }
  return null;
}

/** Edits the existing plan comment in place, or creates the first one. */
export async function upsertPlanComment(
  octokit: ProbotOctokit,
  ref: IssueRef,
  body: string,
  existing: FoundPlanComment | null,
): Promise<{ id: number; action: "created" | "updated" }> {
  if (existing) {
    await octokit.rest.issues.updateComment({ owner: ref.owner, repo: ref.repo, comment_id: existing.id, body });
    return { id: existing.id, action: "updated" };
  }
  const created = await octokit.rest.issues.createComment({ owner: ref.owner, repo: ref.repo, issue_number: ref.issueNumber, body });
  return { id: created.data.id, action: "created" };
}

/** One Markdown bullet per change. */
export function describeChange(change: PlanChange): string {
  switch (change.kind) {
    case "template":
      return `Template changed from ${change.from} to ${change.to}`;
    case "summary":
      return "Summary rewritten";
    case "subtask-added":
      return `Added **${change.id}** ${change.title}`;
    case "subtask-removed":
      return `Removed **${change.id}** ${change.title}`;
    case "subtask-changed":
      return `Changed **${change.id}** ${change.title} (${change.fields.join(", ")})`;
    case "section":
      return `Updated the ${change.name}`;
    case "list":
      return `${change.name[0]?.toUpperCase()}${change.name.slice(1)}: ${change.added} added, ${change.removed} removed`;
  }
}
