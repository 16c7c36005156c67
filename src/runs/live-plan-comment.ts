/**
 * The plan comment while a fix runs: subtask states, phase, elapsed time, cost and the
 * pull request, edited in place at most every `minIntervalMs`. Edits go out one at a
 * time, each rendered when it is sent, so the last one sent is the final state. A
 * failed edit is logged and the run goes on.
 */
import type { Logger } from "pino";
import { executionLines, type RunFigures } from "../github/fix-report.ts";
import type { GitHubClient } from "../github/octokit.ts";
import { executionLinesOf, renderPlanComment, type FoundPlanComment, type IssueRef } from "../github/plan-comment.ts";
import type { LivePlan } from "../agent/live-plan.ts";
import type { StoredPlan } from "../planning/schema.ts";

export interface LivePlanCommentOptions {
  octokit: GitHubClient;
  ref: IssueRef;
  commentId: number;
  stored: StoredPlan;
  plan: LivePlan;
  figures: () => RunFigures;
  commandWord: string;
  minIntervalMs: number;
  now: () => number;
  log: Logger;
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

  async #send(): Promise<void> {
    const o = this.#o;
    const body = renderPlanComment({
      stored: { ...o.stored, plan: o.plan.plan },
      changes: null,
      contextNotes: [],
      footer: null,
      commandWord: o.commandWord,
      execution: executionLines({
        phase: this.#phase,
        figures: o.figures(),
        revisions: o.plan.revisions,
        pullRequest: this.#pullRequest ? { number: this.#pullRequest, url: "" } : null,
      }),
    });
    await o.octokit.rest.issues
      .updateComment({ owner: o.ref.owner, repo: o.ref.repo, comment_id: o.commentId, body })
      .catch((error: unknown) => o.log.warn({ err: error }, "could not update the live plan comment"));
  }
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
