import { formatUsd } from "../figures/money.ts";
import { costOf, totalTokens, type TokenUsage, type UsageLedger } from "./ledger.ts";

/** A per-job spending limit. */
export interface Budget {
  /** Maximum tokens processed (input, output, cache writes and reads together). */
  tokens: number;
  /** Maximum cost in US dollars. */
  usd: number;
}

/** What was about to be (or was just) spent when the budget ran out. */
export interface BudgetState {
  budget: Budget;
  spentUsd: number;
  spentTokens: number;
  /** `before-request`: the estimate of the next request would cross the limit; `after-response`: the limit was crossed. */
  when: "before-request" | "after-response";
  /** For `before-request`: the estimated cost and tokens of the request that was not sent. */
  nextUsd: number;
  nextTokens: number;
}

/** Thrown when a job's budget is reached. The job stops; nothing is retried. */
export class BudgetExceeded extends Error {
  override readonly name = "BudgetExceeded";
  readonly state: BudgetState;

  constructor(state: BudgetState) {
    const limit = state.spentUsd + state.nextUsd > state.budget.usd ? formatUsd(state.budget.usd) : `${state.budget.tokens} tokens`;
    super(`budget of ${limit} reached (spent ${formatUsd(state.spentUsd)}, ${state.spentTokens} tokens)`);
    this.state = state;
  }
}

/** Why a budget stopped a job, in words for a comment: the limit, what was spent, and the request not sent. */
export function describeBudgetStop(state: BudgetState): string {
  const byTokens = state.spentUsd + state.nextUsd <= state.budget.usd;
  const limit = byTokens ? `${state.budget.tokens.toLocaleString("en-US")} tokens` : formatUsd(state.budget.usd);
  const spent = `spent ${formatUsd(state.spentUsd)}, ${state.spentTokens.toLocaleString("en-US")} tokens`;
  if (state.when === "after-response") return `the job's budget of ${limit} (${spent})`;
  const next = byTokens ? `${state.nextTokens.toLocaleString("en-US")} tokens` : formatUsd(state.nextUsd);
  return `the job's budget of ${limit} (${spent}; the next model request, estimated at ${next}, would cross it)`;
}

/** Throws `BudgetExceeded` if spending `next` (an estimate) on `model` would cross the budget. */
export function checkBeforeRequest(ledger: UsageLedger, budget: Budget, model: string, next: TokenUsage): void {
  const nextUsd = costOf(model, next);
  const nextTokens = totalTokens(next);
  if (ledger.costUsd + nextUsd > budget.usd || ledger.tokens + nextTokens > budget.tokens) {
    throw new BudgetExceeded({
      budget,
      spentUsd: ledger.costUsd,
      spentTokens: ledger.tokens,
      when: "before-request",
      nextUsd,
      nextTokens,
    });
  }
}

/** Throws `BudgetExceeded` if what the ledger recorded has crossed the budget. */
export function checkAfterResponse(ledger: UsageLedger, budget: Budget): void {
  if (ledger.costUsd > budget.usd || ledger.tokens > budget.tokens) {
    throw new BudgetExceeded({
      budget,
      spentUsd: ledger.costUsd,
      spentTokens: ledger.tokens,
      when: "after-response",
      nextUsd: 0,
      nextTokens: 0,
    });
  }
}
