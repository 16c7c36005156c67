/**
 * The plan comment while a fix runs: subtask states, phase, elapsed time, cost and the
 * pull request, edited in place at most every `minIntervalMs`. Edits go out one at a
 * time, each rendered when it is sent (by `send`: the GitHub issue's `editLivePlan`, or
 * the Jira ticket's), so the last one sent is the final state. A failed edit is logged
 * and the run goes on.
 */
import type { Logger } from "pino";
import { executionLines, type RunFigures } from "../github/fix-report.ts";
import type { GitHubClient } from "../github/octokit.ts";
import { executionLinesOf, renderPlanComment, type FoundPlanComment, type IssueRef, type PlanCommentView } from "../github/plan-comment.ts";
import type { LivePlan, PlanRevision } from "../agent/live-plan.ts";
import type { Plan, StoredPlan } from "../planning/schema.ts";

export interface LivePlanCommentOptions {
  plan: LivePlan;
  figures: () => RunFigures;
  minIntervalMs: number;
  now: () => number;
  /** Shows the state in the thread's plan comment. */
  send: (state: LivePlanState & { pullRequest: number | null }) => Promise<void>;
}

export class LivePlanComment {
  readonly #o: LivePlanCommentOptions;
  #phase = "⏳ Running";
  #pullRequest: number | null = null;
  #lastEdit = 0;
  #edits: Promise<void> = Promise.resolve();

  constructor(options: LivePlanCommentOptions) {
    this.#o = options;
  }

  set phase(phase: string) {
    this.#phase = phase;
  }

  set pullRequest(number: number | null) {
    this.#pullRequest = number;
  }

  /** Edits the comment now (`force`) or when the last edit is old enough. */
  update(force: boolean): Promise<void> {
    if (!force && this.#o.now() - this.#lastEdit < this.#o.minIntervalMs) return this.#edits;
    this.#lastEdit = this.#o.now();
    this.#edits = this.#edits.then(() => this.#send());
    return this.#edits;
  }

  /** The comment's state now, as plain data (a run records it before its push). */
  state(): LivePlanState {
    const o = this.#o;
    return { plan: o.plan.plan, revisions: [...o.plan.revisions], phase: this.#phase, figures: o.figures() };
  }

  async #send(): Promise<void> {
    await this.#o.send({ ...this.state(), pullRequest: this.#pullRequest });
  }
}

/** The plan comment's execution state: subtask states, revisions, phase and figures. */
export interface LivePlanState {
  plan: Plan;
  revisions: PlanRevision[];
  phase: string;
  figures: RunFigures;
}

/** The plan comment's view of a fix run's state: the plan as it stands and the execution lines. */
export function livePlanView(stored: StoredPlan, state: LivePlanState & { pullRequest: number | null }, commandWord: string): PlanCommentView {
  return {
    stored: { ...stored, plan: state.plan },
    changes: null,
    contextNotes: [],
    footer: null,
    commandWord,
    execution: executionLines({
      phase: state.phase,
      figures: state.figures,
      revisions: state.revisions,
      pullRequest: state.pullRequest ? { number: state.pullRequest, url: "" } : null,
    }),
  };
}

/** Edits the GitHub plan comment to show `state` (a failed edit is logged). */
export async function editLivePlan(
  target: { octokit: GitHubClient; ref: IssueRef; commentId: number; stored: StoredPlan; commandWord: string; log: Logger },
  state: LivePlanState & { pullRequest: number | null },
): Promise<void> {
  const body = renderPlanComment(livePlanView(target.stored, state, target.commandWord));
  await target.octokit.rest.issues
    .updateComment({ owner: target.ref.owner, repo: target.ref.repo, comment_id: target.commentId, body })
    .catch((error: unknown) => target.log.warn({ err: error }, "could not update the live plan comment"));
}

/** Adds one line under "Execution" of a finished plan comment (a revision pushed later, for example). */
export async function noteInPlanComment(
  octokit: GitHubClient,
  ref: IssueRef,
  found: FoundPlanComment,
  line: string,
  context: { commandWord: string; log: Logger },
): Promise<void> {
  if (!found.parsed) return;
  const body = renderPlanComment({
    stored: found.parsed.stored,
    changes: null,
    contextNotes: [],
    footer: null,
    commandWord: context.commandWord,
    execution: [...executionLinesOf(found.body), line].slice(-15),
  });
  await octokit.rest.issues
    .updateComment({ owner: ref.owner, repo: ref.repo, comment_id: found.id, body })
    .catch((error: unknown) => context.log.warn({ err: error }, "could not note the revision in the plan comment"));
}
