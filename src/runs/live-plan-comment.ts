/**
 * The plan comment while a fix runs: subtask states, phase, elapsed time, cost and the
 * pull request, edited in place at most every `minIntervalMs`. Edits go out one at a
 * time, each rendered when it is sent (by `send`: the GitHub issue's `editLivePlan`, or
 * the Jira ticket's), so the last one sent is the final state. A failed edit is logged
 * and the run goes on.
 */
import type { Logger } from "pino";
import { revisionLines, type RunFigures } from "../github/fix-report.ts";
import type { GitHubClient } from "../github/octokit.ts";
import { renderPlanComment, withExecutionLine, type FoundPlanComment, type IssueRef, type PlanCommentView } from "../github/plan-comment.ts";
import { nextAdvice, stateLabel, statusLine, type PullRequestLink, type RunEnd, type RunFacts } from "../github/run-status.ts";
import type { JobOutcome } from "../jobs/types.ts";
import type { LivePlan, PlanRevision } from "../agent/live-plan.ts";
import type { Plan, StoredPlan } from "../planning/schema.ts";

export interface LivePlanCommentOptions {
  plan: LivePlan;
  figures: () => RunFigures;
  minIntervalMs: number;
  now: () => number;
  /** Shows the state in the thread's plan comment. */
  send: (state: LivePlanState & { pullRequest: PullRequestLink | null }) => Promise<void>;
}

export class LivePlanComment {
  readonly #o: LivePlanCommentOptions;
  #phase = stateLabel("running");
  #facts: RunFacts | undefined;
  #pullRequest: PullRequestLink | null = null;
  #lastEdit = 0;
  #edits: Promise<void> = Promise.resolve();

  constructor(options: LivePlanCommentOptions) {
    this.#o = options;
  }

  /** The run ended: its state word and what it left (the status line and "Next" show them). */
  end(label: string, facts: RunFacts): void {
    this.#phase = label;
    this.#facts = facts;
  }

  /**
   * The run ended without its steps returning (a stop, a refused workspace, a lost sandbox, a
   * crash): the comment says so at once, naming who stopped it (`stoppedBy`) when a person did.
   */
  async unfinished(outcome: JobOutcome, pushed: boolean, stoppedBy: string | null): Promise<void> {
    const end: RunEnd = outcome.state === "cancelled" ? { kind: "cancelled", stoppedBy } : { kind: "failed" };
    this.end(stateLabel(end), { end, filesChanged: 0, pushed, tests: "not-run" });
    await this.update(true);
  }

  set pullRequest(link: PullRequestLink | null) {
    this.#pullRequest = link;
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
    return { plan: o.plan.plan, revisions: [...o.plan.revisions], phase: this.#phase, figures: o.figures(), ...(this.#facts ? { facts: this.#facts } : {}) };
  }

  async #send(): Promise<void> {
    await this.#o.send({ ...this.state(), pullRequest: this.#pullRequest });
  }
}

/** The plan comment's execution state: subtask states, revisions, the state word and figures, and once it ended what the run left. */
export interface LivePlanState {
  plan: Plan;
  revisions: PlanRevision[];
  /** The status line's state word (`stateLabel`). */
  phase: string;
  figures: RunFigures;
  /** Absent while the run goes on (and in states recorded before runs recorded them). */
  facts?: RunFacts;
}

/** The plan comment's view of a fix run's state: the plan as it stands, the status line, the execution lines and, once it ended, what to do next. */
export function livePlanView(
  target: { stored: StoredPlan; contextUsed: string | null; commandWord: string },
  state: LivePlanState & { pullRequest: PullRequestLink | null },
): PlanCommentView {
  const running = state.facts === undefined && state.phase === stateLabel("running");
  const { figures } = state;
  const next = state.facts
    ? nextAdvice(state.facts, state.pullRequest, target.commandWord)
    : running
      ? null
      : `\`/${target.commandWord} fix [instructions]\` continues the work.`;
  return {
    stored: { ...target.stored, plan: state.plan },
    changes: null,
    contextNotes: [],
    contextUsed: target.contextUsed,
    footer: null,
    commandWord: target.commandWord,
    run: {
      status: statusLine({ label: state.phase, durationMs: figures.durationMs, costUsd: figures.costUsd, running, pullRequest: state.pullRequest, job: { id: figures.jobId, pageUrl: figures.pageUrl } }),
      execution: revisionLines(state.revisions),
      next,
    },
  };
}

/** Edits the GitHub plan comment to show `state` (a failed edit is logged). */
export async function editLivePlan(
  target: { octokit: GitHubClient; ref: IssueRef; commentId: number; stored: StoredPlan; contextUsed: string | null; commandWord: string; log: Logger },
  state: LivePlanState & { pullRequest: PullRequestLink | null },
): Promise<void> {
  const body = renderPlanComment(livePlanView(target, state));
  await target.octokit.rest.issues
    .updateComment({ owner: target.ref.owner, repo: target.ref.repo, comment_id: target.commentId, body })
    .catch((error: unknown) => target.log.warn({ err: error }, "could not update the live plan comment"));
}

/** Adds one line under "Execution" of a finished plan comment (a revision pushed later, for example); the rest stays as it is. */
export async function noteInPlanComment(octokit: GitHubClient, ref: IssueRef, found: FoundPlanComment, line: string, context: { log: Logger }): Promise<void> {
  if (!found.parsed) return;
  const body = withExecutionLine(found.body, line);
  if (body === null) {
    context.log.warn({ commentId: found.id }, "the plan comment has no room for another execution line");
    return;
  }
  await octokit.rest.issues
    .updateComment({ owner: ref.owner, repo: ref.repo, comment_id: found.id, body })
    .catch((error: unknown) => context.log.warn({ err: error }, "could not note the revision in the plan comment"));
}
