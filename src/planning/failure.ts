import { ContextUnavailable } from "./issue-context.ts";
import { formatUsd } from "../figures/money.ts";
import { BudgetExceeded, type BudgetState } from "../llm/budget.ts";
import { LlmAborted, LlmRequestRejected, LlmUnavailable } from "../llm/errors.ts";
import { PlanInvalid } from "./planner.ts";

/** The issue gives nothing to plan from. */
export class NothingToPlan extends Error {
  override readonly name = "NothingToPlan";
  constructor() {
    super("the issue has no description and no instruction");
  }
}

/** Plans are for issues; the job targets something else. */
export class NotAnIssue extends Error {
  override readonly name = "NotAnIssue";
}

/** Why a planning job failed, as a closed set the failure comment renders. */
export type PlanFailure =
  | { kind: "budget"; state: BudgetState }
  | { kind: "unavailable"; attempts: number; elapsedMs: number; lastStatus: number | null }
  | { kind: "rejected"; status: number }
  | { kind: "invalid-plan"; errors: string[] }
  | { kind: "nothing-to-plan" }
  | { kind: "not-an-issue"; message: string }
  | { kind: "unreadable"; message: string }
  /** `stoppedBy`: who stopped the job (their GitHub login), passed in by the run; null when no person is known. */
  | { kind: "cancelled"; stoppedBy: string | null }
  | { kind: "internal" };

/** `stoppedBy` names who stopped the job, for a cancellation (the runs read it from the job's signal). */
export function classifyFailure(error: unknown, signal: AbortSignal | undefined, stoppedBy: string | null): PlanFailure {
  if (error instanceof LlmAborted || signal?.aborted) return { kind: "cancelled", stoppedBy };
  if (error instanceof BudgetExceeded) return { kind: "budget", state: error.state };
  if (error instanceof LlmUnavailable) return { kind: "unavailable", attempts: error.attempts, elapsedMs: error.elapsedMs, lastStatus: error.lastStatus };
  if (error instanceof LlmRequestRejected) return { kind: "rejected", status: error.status };
  if (error instanceof PlanInvalid) return { kind: "invalid-plan", errors: error.errors };
  if (error instanceof NothingToPlan) return { kind: "nothing-to-plan" };
  if (error instanceof NotAnIssue) return { kind: "not-an-issue", message: error.message };
  if (error instanceof ContextUnavailable) return { kind: "unreadable", message: error.message };
  return { kind: "internal" };
}

/** The short reason recorded on the job (`job.error`), free of secrets and stack traces. */
export function failureReason(failure: PlanFailure): string {
  switch (failure.kind) {
    case "budget":
      return `budget reached (${formatUsd(failure.state.budget.usd)} / ${failure.state.budget.tokens.toLocaleString("en-US")} tokens)`;
    case "unavailable":
      return `model API unavailable (${failure.lastStatus === null ? "connection failures" : `HTTP ${failure.lastStatus}`}) after ${failure.attempts} attempts`;
    case "rejected":
      return `model API rejected the request (HTTP ${failure.status})`;
    case "invalid-plan":
      return "the model's plan failed validation after one repair round";
    case "nothing-to-plan":
      return "the issue has no description to plan from";
    case "not-an-issue":
    case "unreadable":
      return failure.message;
    case "cancelled":
      return "cancelled";
    case "internal":
      return "internal error";
  }
}
