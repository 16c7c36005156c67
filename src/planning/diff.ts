import type { Plan, Subtask } from "./schema.ts";

/** One change between two revisions of a plan, for the "What changed" section. */
export type PlanChange =
  | { kind: "template"; from: string; to: string }
  | { kind: "summary" }
  | { kind: "subtask-added"; id: string; title: string }
  | { kind: "subtask-removed"; id: string; title: string }
  | { kind: "subtask-changed"; id: string; title: string; fields: string[] }
  | { kind: "section"; name: "testing strategy" | "rollout" | "checks" }
  | { kind: "list"; name: "risks" | "open questions"; added: number; removed: number };

const SUBTASK_FIELDS = ["title", "change", "files", "verification"] as const;

function changedFields(a: Subtask, b: Subtask): string[] {
  return SUBTASK_FIELDS.filter((f) => JSON.stringify(a[f]) !== JSON.stringify(b[f]));
}

function listDelta(before: string[], after: string[]): { added: number; removed: number } {
  const a = new Set(before);
  const b = new Set(after);
  return { added: after.filter((x) => !a.has(x)).length, removed: before.filter((x) => !b.has(x)).length };
}

/** What changed from `previous` to `next`, in reading order. Empty when nothing did. */
export function diffPlans(previous: Plan, next: Plan): PlanChange[] {
  const changes: PlanChange[] = [];
  if (previous.template.kind !== next.template.kind) changes.push({ kind: "template", from: previous.template.title, to: next.template.title });
  if (previous.summary !== next.summary) changes.push({ kind: "summary" });
  const before = new Map(previous.subtasks.map((s) => [s.id, s]));
  const after = new Map(next.subtasks.map((s) => [s.id, s]));
  for (const s of next.subtasks) {
    const old = before.get(s.id);
    if (!old) changes.push({ kind: "subtask-added", id: s.id, title: s.title });
    else {
      const fields = changedFields(old, s);
      if (fields.length > 0) changes.push({ kind: "subtask-changed", id: s.id, title: s.title, fields });
    }
  }
  for (const s of previous.subtasks) if (!after.has(s.id)) changes.push({ kind: "subtask-removed", id: s.id, title: s.title });
  if (previous.testing !== next.testing) changes.push({ kind: "section", name: "testing strategy" });
  if (JSON.stringify(previous.rollout) !== JSON.stringify(next.rollout)) changes.push({ kind: "section", name: "rollout" });
  if (JSON.stringify(previous.checks) !== JSON.stringify(next.checks)) changes.push({ kind: "section", name: "checks" });
  const risks = listDelta(previous.risks.map((r) => r.risk), next.risks.map((r) => r.risk));
  if (risks.added + risks.removed > 0) changes.push({ kind: "list", name: "risks", ...risks });
  const questions = listDelta(previous.openQuestions, next.openQuestions);
  if (questions.added + questions.removed > 0) changes.push({ kind: "list", name: "open questions", ...questions });
  return changes;
}
