export { BudgetExceeded, checkAfterResponse, describeBudgetStop, checkBeforeRequest, type Budget, type BudgetState } from "./budget.ts";
export { createLlmClient, makeLlmClient, type LlmCallOptions, type LlmClient, type LlmProvider, type MessageRequest, type SendMessage } from "./client.ts";
export { LlmAborted, LlmRequestRejected, LlmUnavailable } from "./errors.ts";
export { estimateRequestTokens, estimateTokens } from "./estimate.ts";
export { UsageLedger, costOf, totalTokens, usageFromApi, type LedgerEntry, type TokenUsage } from "./ledger.ts";
export { PRICES, priceFor, type ModelPrice } from "./prices.ts";
export { DEFAULT_RETRY_POLICY, type RetryPolicy, type RetryTiming } from "./retry.ts";
export { DEFAULT_MODEL, LlmEnvSchema, parseLlmEnv, type LlmEnv } from "./settings.ts";
export { supportsForcedToolChoice } from "./models.ts";
