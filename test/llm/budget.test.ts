import { describe, expect, it } from "vitest";
import { describeBudgetStop, type BudgetState } from "../../src/llm/index.ts";

const budget = { usd: 0.5, tokens: 100_000 };

describe("describeBudgetStop", () => {
  it("names the dollar limit and the spending that crossed it", () => {
    const state: BudgetState = { budget, spentUsd: 0.5123, spentTokens: 61_000, when: "after-response", nextUsd: 0, nextTokens: 0 };
    expect(describeBudgetStop(state)).toBe("the job's budget of $0.50 (spent $0.51, 61,000 tokens)");
  });

  it("names the token limit and the request that would have crossed it", () => {
    const state: BudgetState = { budget, spentUsd: 0.2, spentTokens: 95_000, when: "before-request", nextUsd: 0.05, nextTokens: 9_000 };
    expect(describeBudgetStop(state)).toBe(
      "the job's budget of 100,000 tokens (spent $0.20, 95,000 tokens; the next model request, estimated at 9,000 tokens, would cross it)",
    );
  });

  it("shows amounts in cents, and a sub-cent spend as less than a cent", () => {
    const state: BudgetState = { budget: { usd: 0.01, tokens: 1_000_000 }, spentUsd: 0.004, spentTokens: 900, when: "before-request", nextUsd: 0.0237, nextTokens: 3_800 };
    expect(describeBudgetStop(state)).toBe("the job's budget of $0.01 (spent < $0.01, 900 tokens; the next model request, estimated at $0.02, would cross it)");
  });
});
