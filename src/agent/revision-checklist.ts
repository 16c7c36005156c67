/**
 * The live checklist of a revision: the review threads batched into at most 20 units
 * (by file, in the reviewer's order), so that 50 comments are still one plan the model
 * can work through and the humans can follow.
 */
import type { ReviewThread } from "./review-thread.ts";
import type { Plan, Subtask } from "../planning/schema.ts";

const MAX_UNITS = 20;

export function revisionChecklist(threads: readonly ReviewThread[], generalRequest: string): Plan {
  const units = batchThreads(threads, generalRequest.trim() ? MAX_UNITS - 1 : MAX_UNITS);
  const subtasks: Subtask[] = units.map((unit, i) => {
    const paths = [...new Set(unit.map((t) => t.path))];
    const ids = unit.map((t) => t.replyToId).join(", ");
    return {
      id: `S${i + 1}`,
      title: `Answer ${unit.length} thread(s) on ${paths.join(", ")}`.slice(0, 120),
      change: `Threads ${ids}: change the code where asked, answer questions; reply_to_comment for each.`.slice(0, 1500),
      files: paths.slice(0, 20).map((p) => p.slice(0, 200)),
      verification: "Each thread answered with reply_to_comment; the tests pass.",
      state: "todo",
    };
  });
  if (generalRequest.trim() || subtasks.length === 0) {
    subtasks.push({
      id: `S${subtasks.length + 1}`,
      title: "Carry out the request for the whole pull request",
      change: "What the INSTRUCTION block asks, outside any single thread.",
      files: [],
      verification: "The tests pass; the finish summary says what changed.",
      state: "todo",
    });
  }
  return {
    summary: `Revise the pull request for ${threads.length} review thread(s).`,
    kind: "revision",
    subtasks,
    testing: "Run the repository's tests after each change and before finishing.",
    risks: [],
    rollout: { featureFlag: null, migration: null, deployment: null },
    openQuestions: [],
    checks: [],
    template: { kind: "revision", title: "Review revision", source: "built-in", chosenBy: "model" },
  };
}

/**
 * Groups threads by file (first-seen order) in units of at most ceil(n / max) threads, so
 * that no unit is a wall of comments; when that still makes more than `max` units, the
 * file-ordered threads are cut into `max` even units instead.
 */
export function batchThreads(threads: readonly ReviewThread[], max: number): ReviewThread[][] {
  if (threads.length === 0) return [];
  const size = Math.ceil(threads.length / max);
  const byPath = new Map<string, ReviewThread[]>();
  for (const t of threads) byPath.set(t.path, [...(byPath.get(t.path) ?? []), t]);
  const units = [...byPath.values()].flatMap((group) => chunk(group, size));
  return units.length <= max ? units : chunk(units.flat(), size);
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
