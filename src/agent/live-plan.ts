/**
 * The plan while it is being carried out: the model marks subtasks and may revise
 * the remaining ones (model-predictive control). Each revision keeps its reason so
 * the plan comment and the PR can show what changed and why.
 */
import type { Plan, Subtask } from "../planning/schema.ts";
import type { PlanUpdate } from "./tools/inputs.ts";

export interface PlanRevision {
  at: Date;
  reason: string;
  changes: string[];
}

export type PlanUpdateResult = { ok: true; text: string; revision: PlanRevision | null } | { ok: false; text: string };

export class LivePlan {
  #plan: Plan;
  readonly revisions: PlanRevision[] = [];
  readonly #listeners = new Set<() => void>();
  readonly #now: () => Date;

  constructor(plan: Plan, now: () => Date = () => new Date()) {
    this.#plan = structuredClone(plan);
    this.#now = now;
  }

  get plan(): Plan {
    return structuredClone(this.#plan);
  }

  get subtasks(): readonly Subtask[] {
    return this.#plan.subtasks;
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Applies an update from the model. Invalid references are refused whole, with the reason. */
  apply(update: PlanUpdate): PlanUpdateResult {
    const next = structuredClone(this.#plan);
    const changes: string[] = [];
    let structural = false;
    for (const u of update.updates) {
      const subtask = next.subtasks.find((s) => s.id === u.id);
      if (!subtask) return { ok: false, text: `No subtask ${u.id}; the subtasks are ${ids(next)}.` };
      // Done before this update: closed. Marked done by it: its fields may still be set.
      const wasDone = subtask.state === "done";
      if (u.state && u.state !== subtask.state) {
        changes.push(`${u.id}: ${subtask.state} → ${u.state}`);
        subtask.state = u.state;
      }
      for (const field of ["title", "change", "verification"] as const) {
        const value = u[field];
        if (value !== undefined && value !== subtask[field]) {
          if (wasDone) return { ok: false, text: `${u.id} is done; add a new subtask instead of rewriting it.` };
          subtask[field] = value;
          changes.push(`${u.id}: ${field} changed`);
          structural = true;
        }
      }
    }
    for (const id of update.remove) {
      const index = next.subtasks.findIndex((s) => s.id === id);
      if (index === -1) return { ok: false, text: `No subtask ${id} to remove; the subtasks are ${ids(next)}.` };
      if (next.subtasks[index]?.state === "done") return { ok: false, text: `${id} is done and stays in the plan.` };
      next.subtasks.splice(index, 1);
      changes.push(`${id}: removed`);
      structural = true;
    }
    for (const added of update.add) {
      const id = nextId(next);
      next.subtasks.push({ id, title: added.title, change: added.change, verification: added.verification, files: [], state: "todo" });
      changes.push(`${id}: added (${added.title})`);
      structural = true;
    }
    if (changes.length === 0) return { ok: true, text: "The plan is unchanged.", revision: null };
    this.#plan = next;
    const revision: PlanRevision | null = structural ? { at: this.#now(), reason: update.reason, changes } : null;
    if (revision) this.revisions.push(revision);
    for (const listener of this.#listeners) listener();
    return { ok: true, text: `Plan updated: ${changes.join("; ")}.\n${this.render()}`, revision };
  }

  /** Settles every subtask still in progress when the run ended: failed (the run failed) or not finished (`todo`: a stop or a limit cut it off, or a finished run left it open). */
  settle(state: "failed" | "todo"): void {
    for (const s of this.#plan.subtasks) if (s.state === "in-progress") s.state = state;
    for (const listener of this.#listeners) listener();
  }

  /** The plan as the model reads it. */
  render(): string {
    return this.#plan.subtasks.map((s) => `- [${s.state}] ${s.id} ${s.title}\n  change: ${s.change}\n  verify: ${s.verification}`).join("\n");
  }

  counts(): Record<Subtask["state"], number> {
    const counts: Record<Subtask["state"], number> = { todo: 0, "in-progress": 0, done: 0, failed: 0, skipped: 0 };
    for (const s of this.#plan.subtasks) counts[s.state]++;
    return counts;
  }
}

function ids(plan: Plan): string {
  return plan.subtasks.map((s) => s.id).join(", ");
}

function nextId(plan: Plan): string {
  const max = Math.max(0, ...plan.subtasks.map((s) => Number(s.id.slice(1)) || 0));
  return `S${max + 1}`;
}
