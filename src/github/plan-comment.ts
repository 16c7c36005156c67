import type { ProbotOctokit } from "probot";
import { z } from "zod";
import type { PlanChange } from "../planning/diff.ts";
import { StoredPlanSchema, type Plan, type StoredPlan, type Subtask } from "../planning/schema.ts";
import { formatDuration } from "../figures/duration.ts";
import { formatUsd } from "../figures/money.ts";
import { jobReference } from "./comment-text.ts";
import { inlineCode, safeInline, safeMarkdown } from "./safe-markdown.ts";
import { trimToBoundary } from "../prompting/trim.ts";
import type { TokenUsage } from "../llm/ledger.ts";

/** GitHub refuses issue comments longer than this. */
export const MAX_COMMENT_CHARS = 65_536;
export const PLAN_MARKER_PREFIX = "<!-- droid:plan v1 ";
const MARKER = /^<!-- droid:plan v1 ([A-Za-z0-9+/=]+) -->/;

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
  /** The planning job's figures; null while the plan is being carried out (the execution lines report then). */
  footer: PlanFooter | null;
  /** While `/droid fix` runs (and after): its live state, revisions and links, one line each. */
  execution?: string[];
  /** The repository's command word (`command` in `.github/droid.yml`): `/<word> fix`. */
  commandWord: string;
}

type Section = { summary: string; content: string; open?: boolean };

export function encodeStoredPlan(stored: StoredPlan): string {
  return `${PLAN_MARKER_PREFIX}${Buffer.from(JSON.stringify(stored), "utf8").toString("base64")} -->`;
}

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
    list.push({ summary: `What changed in revision ${view.stored.revision}`, content: lines.join("\n"), open: true });
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
  list.push({ summary: "Context used", content: view.contextNotes.map((n) => `- ${safeInline(n)}`).join("\n") || "- nothing was trimmed" });
  return list;
}

function renderSection(s: Section): string {
  return `<details${s.open ? " open" : ""}><summary>${s.summary}</summary>\n\n${s.content}\n\n</details>`;
}

function footer(view: PlanCommentView): string {
  const f = view.footer;
  if (f === null) {
    return ["---", `**Next:** \`/${view.commandWord} stop\` cancels the run; a comment here steers it. Tick boxes to mark subtasks done.`].join("\n");
  }
  return [
    "---",
    figuresLine(f),
    "",
    `**Next:** comment \`/${view.commandWord} fix\` to carry out this plan, or \`/${view.commandWord} plan <feedback>\` to revise it. Tick boxes to mark subtasks done.`,
  ].join("\n");
}

/** The figures of the job that wrote a comment: model, tokens with the cache share, cost, time, job id. */
export function figuresLine(f: PlanFooter): string {
  const input = f.usage.input + f.usage.cacheWrite + f.usage.cacheRead;
  const cached = input === 0 ? 0 : Math.round((f.usage.cacheRead / input) * 100);
  return `<sub>Model \`${f.model}\` · ${input.toLocaleString("en-US")} input tokens (${cached}% from cache) + ${f.usage.output.toLocaleString("en-US")} output · ${formatUsd(f.costUsd)} · ${formatDuration(f.durationMs)} · ${jobReference(f.jobId, f.pageUrl)}</sub>`;
}

const cutNote = (n: number): string => `_(${n} characters cut to fit GitHub's comment size limit)_`;

/**
 * Renders the one plan comment. The hidden marker carrying the plan JSON comes first;
 * the readable part follows. When the whole would pass GitHub's limit, the collapsible
 * sections are cut (the last, least important first) with a visible note.
 */
export function renderPlanComment(view: PlanCommentView): string {
  const { plan } = view.stored;
  const head = [
    encodeStoredPlan(view.stored),
    `### Droid plan: ${safeInline(plan.template.title)}${view.stored.revision > 1 ? ` (revision ${view.stored.revision})` : ""}`,
    `<sub>${plan.template.source === "repo" ? "This repository's" : "Built-in"} template \`${plan.template.kind}\`, ${plan.template.chosenBy === "label" ? "chosen by the issue's labels" : "chosen by the model"}.</sub>`,
    "",
    safeMarkdown(plan.summary),
    "",
    "**Subtasks**",
    "",
    ...plan.subtasks.map(checklistLine),
  ];
  if (view.execution && view.execution.length > 0) head.push("", "**Execution**", "", ...view.execution);
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
  const body = [fixed, ...parts.map(renderSection), tail].join("\n\n");
  if (body.length > MAX_COMMENT_CHARS) throw new Error(`plan comment is ${body.length} characters after cutting`);
  return body;
}

/** The lines of a plan comment's "Execution" section (what runs and revisions reported), if any. */
export function executionLinesOf(body: string): string[] {
  const start = body.indexOf("\n**Execution**\n\n");
  if (start === -1) return [];
  const rest = body.slice(start + "\n**Execution**\n\n".length);
  const end = rest.indexOf("\n\n");
  return (end === -1 ? rest : rest.slice(0, end)).split("\n").filter((l) => l.trim() !== "");
}

/** A plan read back from its comment, with the humans' checkbox edits applied. */
export interface ParsedPlanComment {
  stored: StoredPlan;
  /** Subtask ids whose state a human changed by ticking or unticking a box. */
  editedByHuman: string[];
}

/** Reads the plan from a comment body; null when the body carries no (valid) plan marker. */
export function parsePlanComment(body: string): ParsedPlanComment | null {
  const match = MARKER.exec(body);
  if (!match?.[1]) return null;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(match[1], "base64").toString("utf8"));
  } catch {
    return null;
  }
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
