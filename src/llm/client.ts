import Anthropic from "@anthropic-ai/sdk";
import type { Message, MessageCreateParamsNonStreaming } from "@anthropic-ai/sdk/resources/messages";
import { checkAfterResponse, checkBeforeRequest, type Budget } from "./budget.ts";
import { estimateRequestTokens } from "./estimate.ts";
import { usageFromApi, type UsageLedger } from "./ledger.ts";
import { DEFAULT_RETRY_POLICY, REAL_TIMING, withRetries, type RetryPolicy, type RetryTiming } from "./retry.ts";
import type { LlmEnv } from "./settings.ts";

export type LlmProvider = "anthropic" | "bedrock" | "vertex";

/** A request without `model` (the client supplies it unless the request overrides it). */
export type MessageRequest = Omit<MessageCreateParamsNonStreaming, "model"> & { model?: string };

/** Per-call accounting: the job's ledger and budget, and its cancellation signal. */
export interface LlmCallOptions {
  ledger: UsageLedger;
  budget: Budget;
  signal?: AbortSignal | undefined;
  /** Output tokens reserved in the pre-request budget estimate (default: a quarter of `max_tokens`). */
  expectedOutputTokens?: number;
}

/** Observes retries (for logs); never throws. */
export type RetryObserver = (info: { attempt: number; status: number | null; delayMs: number }) => void;

export interface LlmClient {
  readonly provider: LlmProvider;
  /** The default model id for requests that name none. */
  readonly model: string;
  /**
   * Sends one Messages request: budget check on an estimate, bounded retries, usage
   * recorded in the ledger, budget check on the real counts.
   * Throws `BudgetExceeded`, `LlmUnavailable`, `LlmRequestRejected` or `LlmAborted`.
   */
  createMessage(request: MessageRequest, options: LlmCallOptions): Promise<Message>;
}

/** The one SDK call the client makes; any provider SDK fits. */
export type SendMessage = (
  body: MessageCreateParamsNonStreaming,
  options: { signal?: AbortSignal | undefined; timeout: number },
) => Promise<Message>;

export interface LlmClientOptions {
  provider: LlmProvider;
  model: string;
  send: SendMessage;
  retry?: RetryPolicy;
  timing?: RetryTiming;
  requestTimeoutMs?: number;
  onRetry?: RetryObserver;
}

/** Builds the client around an SDK call. Tests and other providers use this directly. */
export function makeLlmClient(options: LlmClientOptions): LlmClient {
  const retry = options.retry ?? DEFAULT_RETRY_POLICY;
  const timing = options.timing ?? REAL_TIMING;
  const timeout = options.requestTimeoutMs ?? 300_000;
  return {
    provider: options.provider,
    model: options.model,
    async createMessage(request, call) {
      const body: MessageCreateParamsNonStreaming = { ...request, model: request.model ?? options.model };
      const estimate = {
        input: estimateRequestTokens(body),
        output: call.expectedOutputTokens ?? Math.ceil(body.max_tokens / 4),
        cacheWrite: 0,
        cacheRead: 0,
      };
      checkBeforeRequest(call.ledger, call.budget, body.model, estimate);
      const message = await withRetries(
        () => options.send(body, { signal: call.signal, timeout }),
        retry,
        timing,
        call.signal,
        options.onRetry,
      );
      call.ledger.record(body.model, usageFromApi(message.usage));
      checkAfterResponse(call.ledger, call.budget);
      return message;
    },
  };
}

/** The SDK's `messages.create`, with the SDK's own retries off (ours are bounded and testable). */
function sendWith(sdk: { messages: Pick<Anthropic["messages"], "create"> }): SendMessage {
  return (body, opts) => sdk.messages.create(body, { signal: opts.signal, timeout: opts.timeout, maxRetries: 0 });
}

/**
 * The client for the configured provider: Anthropic's API (or a compatible gateway via
 * `ANTHROPIC_BASE_URL`), Amazon Bedrock or Google Vertex through Anthropic's own SDKs.
 */
export async function createLlmClient(env: LlmEnv, extra: { onRetry?: RetryObserver; timing?: RetryTiming } = {}): Promise<LlmClient> {
  const common = {
    model: env.DROID_MODEL,
    retry: { ...DEFAULT_RETRY_POLICY, maxAttempts: env.DROID_LLM_MAX_ATTEMPTS, maxTotalMs: env.DROID_LLM_MAX_RETRY_MS },
    requestTimeoutMs: env.DROID_LLM_REQUEST_TIMEOUT_MS,
    ...(extra.onRetry ? { onRetry: extra.onRetry } : {}),
    ...(extra.timing ? { timing: extra.timing } : {}),
  };
  switch (env.DROID_LLM_PROVIDER) {
    case "anthropic": {
      const sdk = new Anthropic({ apiKey: env.ANTHROPIC_API_KEY ?? null, baseURL: env.ANTHROPIC_BASE_URL ?? null, maxRetries: 0 });
      return makeLlmClient({ provider: "anthropic", send: sendWith(sdk), ...common });
    }
    case "bedrock": {
      const { AnthropicBedrock } = await import("@anthropic-ai/bedrock-sdk");
      const sdk = new AnthropicBedrock({ awsRegion: env.AWS_REGION, maxRetries: 0 });
      return makeLlmClient({ provider: "bedrock", send: sendWith(sdk), ...common });
    }
    case "vertex": {
      const { AnthropicVertex } = await import("@anthropic-ai/vertex-sdk");
      const sdk = new AnthropicVertex({ projectId: env.ANTHROPIC_VERTEX_PROJECT_ID ?? null, region: env.CLOUD_ML_REGION ?? null, maxRetries: 0 });
      return makeLlmClient({ provider: "vertex", send: sendWith(sdk), ...common });
    }
  }
}
