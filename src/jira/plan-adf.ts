/**
 * The plan as one Jira comment in ADF, readable in Jira's UI: a heading, the summary,
 * the subtasks as a bullet list with their states (the live state while a fix runs),
 * the execution lines, open questions, then the details (subtask changes and checks,
 * testing strategy with its code blocks, risks, rollout, context used) and the figures.
 * The same view as the GitHub plan comment (`github/plan-comment.ts`); the plan's JSON
 * is not in the comment but in an issue property (`runs/jira-ticket.ts`).
 */
import type { PlanCommentView } from "../github/plan-comment.ts";
import { describeChange, figuresLine } from "../github/plan-comment.ts";
import type { Plan } from "../planning/schema.ts";
import { doc, inlineMarkdown, markdownBlocks, type AdfDoc, type AdfNode } from "./adf.ts";

export const SUBTASK_STATE_LABEL: Record<Plan["subtasks"][number]["state"], string> = {
  todo: "⬜ to do",
  "in-progress": "⏳ in progress",
  done: "✅ done",
  failed: "❌ failed",
  skipped: "⏭️ skipped",
};

/** The most characters of one text of the plan (a summary, a subtask's change) in the comment. */
const MAX_BLOCK_CHARS = 4_000;
/** Jira Cloud refuses comment bodies over 32,767 characters; the details go first when the plan is larger. */
export const MAX_COMMENT_JSON_CHARS = 30_000;

export function renderPlanAdf(view: PlanCommentView): AdfDoc {
  const { plan } = view.stored;
  const content: AdfNode[] = [
    heading(3, `Droid plan: ${plan.template.title}${view.stored.revision > 1 ? ` (revision ${view.stored.revision})` : ""}`),
    paragraph(`${plan.template.source === "repo" ? "This repository's" : "Built-in"} template \`${plan.template.kind}\`, ${plan.template.chosenBy === "label" ? "chosen by the ticket's labels" : "chosen by the model"}.`),
    // While `/droid fix` runs and after it ended: the status line (state · duration · cost · link).
    ...(view.run ? markdown(view.run.status) : []),
    ...markdown(plan.summary),
    heading(4, "Subtasks"),
    bulletList(plan.subtasks.map((s) => [paragraphOf([strong(`${s.id} · ${SUBTASK_STATE_LABEL[s.state]}`), text(` — ${s.title}`)])])),
  ];
  const execution = view.run?.execution ?? [];
  if (execution.length > 0) content.push(heading(4, "Execution"), ...execution.map((line) => paragraph(line.replace(/^- /, "• "))));
  if (plan.openQuestions.length > 0) content.push(heading(4, "Open questions"), bulletList(plan.openQuestions.map((q) => [paragraph(q)])));
  if (view.changes !== null) {
    content.push(heading(4, `What changed in revision ${view.stored.revision}`));
    content.push(view.changes.length === 0 ? paragraph("No changes to the plan.") : bulletList(view.changes.map((c) => [paragraph(describeChange(c))])));
  }
  const details: AdfNode[] = [heading(4, "Subtask details")];
  for (const s of plan.subtasks) {
    details.push(paragraphOf([strong(`${s.id}. ${s.title}`)]), ...markdown(s.change));
    if (s.files.length > 0) details.push(paragraphOf([text("Files: "), ...s.files.flatMap((f, i) => [...(i > 0 ? [text(", ")] : []), code(f)])]));
    details.push(paragraphOf([{ type: "text", text: "Verify: ", marks: [{ type: "em" }] }, ...inlineMarkdown(s.verification)]));
  }
  const detailsAt = content.length;
  content.push(heading(4, "Testing strategy"), ...markdown(plan.testing));
  content.push(heading(4, `Risks (${plan.risks.length})`));
  content.push(plan.risks.length === 0 ? paragraph("None identified.") : bulletList(plan.risks.map((r) => [paragraph(`${r.risk} — mitigation: ${r.mitigation}`)])));
  const { featureFlag, migration, deployment } = plan.rollout;
  content.push(heading(4, "Rollout"), bulletList([["Feature flag", featureFlag], ["Migration", migration], ["Deployment", deployment]].map(([name, value]) => [paragraphOf([strong(`${name}: `), text(value || "none")])])));
  if (plan.checks.length > 0) content.push(heading(4, `${plan.template.title} template checks`), bulletList(plan.checks.map((c) => [paragraphOf([code(c.id), text(`: ${c.addressedBy}`)])])));
  if (view.contextNotes.length > 0) content.push(heading(4, "Context used"), bulletList(view.contextNotes.map((n) => [paragraph(n)])));
  content.push({ type: "rule" });
  if (view.footer) content.push(paragraph(figuresLine(view.footer).replace(/<\/?sub>/g, "")));
  const word = view.commandWord;
  const next = view.run
    ? (view.run.next ?? `\`/${word} stop\` cancels the run.`)
    : `comment \`/${word} fix\` to carry out this plan, or \`/${word} plan <feedback>\` to revise it.`;
  content.push(...markdown(`**Next:** ${next}`));
  const whole = doc([...content.slice(0, detailsAt), ...details, ...content.slice(detailsAt)]);
  if (JSON.stringify(whole).length <= MAX_COMMENT_JSON_CHARS) return whole;
  const note = paragraph("_Subtask details were left out to fit Jira's comment size; the plan Droid carries out is complete._");
  return doc([...content.slice(0, detailsAt), note, ...content.slice(detailsAt)]);
}

function heading(level: number, title: string): AdfNode {
  return { type: "heading", attrs: { level }, content: [text(title)] };
}

function paragraph(markdownLine: string): AdfNode {
  return paragraphOf(inlineMarkdown(markdownLine.slice(0, MAX_BLOCK_CHARS)));
}

function paragraphOf(content: AdfNode[]): AdfNode {
  return { type: "paragraph", content };
}

function bulletList(items: AdfNode[][]): AdfNode {
  return { type: "bulletList", content: items.map((content) => ({ type: "listItem", content })) };
}

function markdown(text: string): AdfNode[] {
  return markdownBlocks(text.slice(0, MAX_BLOCK_CHARS));
}

function text(value: string): AdfNode {
  return { type: "text", text: value };
}

function strong(value: string): AdfNode {
  return { type: "text", text: value, marks: [{ type: "strong" }] };
}

function code(value: string): AdfNode {
  return { type: "text", text: value, marks: [{ type: "code" }] };
}
