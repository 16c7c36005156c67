import nock from "nock";
import { describe, expect, it } from "vitest";
import { BudgetExceeded } from "../../src/llm/budget.ts";
import { LlmRequestRejected, LlmUnavailable } from "../../src/llm/errors.ts";
import { UsageLedger } from "../../src/llm/ledger.ts";
import { ANTHROPIC, fakeTiming, overloaded, prose, testLlm } from "../fixtures/anthropic.ts";

const request = { max_tokens: 1000, messages: [{ role: "user" as const, content: "Say hello." }] };
const roomy = { usd: 5, tokens: 1_000_000 };

describe("LLM client", () => {
  it("sends one request with the key and records usage and cost in the ledger", async () => {
    const scope = nock(ANTHROPIC, { reqheaders: { authorization: "Bearer sk-ant-test-key" } })
      .post("/v1/messages", (body: { model: string }) => body.model === "claude-sonnet-5-5")
      .reply(200, prose("Hello.", { input: 1000, output: 200, cacheWrite: 3000, cacheRead: 10_000 }));
    const ledger = new UsageLedger();
    const llm = await testLlm();
    const message = await llm.createMessage(request, { ledger, budget: roomy });
    expect(message.content[0]).toMatchObject({ type: "text", text: "Hello." });
    expect(ledger.usage).toEqual({ input: 1000, output: 200, cacheWrite: 3000, cacheRead: 10_000 });
    // Sonnet 5.5: $2 in, $10 out, $2.50 cache write, $0.20 cache read per million.
    expect(ledger.costUsd).toBeCloseTo((1000 * 2 + 200 * 10 + 3000 * 2.5 + 10_000 * 0.2) / 1e6, 10);
    expect(ledger.cacheHitRatio).toBeCloseTo(10_000 / 14_000, 6);
    expect(scope.isDone()).toBe(true);
  });

  it("retries 429 after the retry-after the server asked for, then succeeds", async () => {
    const timing = fakeTiming();
    const scope = nock(ANTHROPIC)
      .post("/v1/messages")
      .reply(429, { type: "error", error: { type: "rate_limit_error", message: "slow down" } }, { "retry-after": "7" })
      .post("/v1/messages")
      .reply(500, { type: "error", error: { type: "api_error", message: "boom" } })
      .post("/v1/messages")
      .reply(200, prose("ok", { input: 10, output: 1 }));
    const ledger = new UsageLedger();
    await (await testLlm(timing)).createMessage(request, { ledger, budget: roomy });
    // 7 s from retry-after, then exponential backoff with jitter 0.5 for attempt 2: 2000/2 + 1000*0.5.
    expect(timing.delays).toEqual([7000, 1500]);
    expect(ledger.requests).toBe(1);
    expect(scope.isDone()).toBe(true);
  });

  it("gives up on a 529 storm after the configured attempts, without waiting past the time budget", async () => {
    const timing = fakeTiming();
    const scope = nock(ANTHROPIC).post("/v1/messages").times(4).reply(529, overloaded);
    const llm = await testLlm(timing, { DROID_LLM_MAX_ATTEMPTS: "4" });
    const error = await llm.createMessage(request, { ledger: new UsageLedger(), budget: roomy }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LlmUnavailable);
    expect(error).toMatchObject({ attempts: 4, lastStatus: 529 });
    expect(timing.delays).toHaveLength(3);
    expect(scope.isDone()).toBe(true);
  });

  it("stops at the total retry time even when attempts remain", async () => {
    const timing = fakeTiming();
    const scope = nock(ANTHROPIC).post("/v1/messages").times(2).reply(529, overloaded, { "retry-after": "50" });
    const llm = await testLlm(timing, { DROID_LLM_MAX_ATTEMPTS: "10", DROID_LLM_MAX_RETRY_MS: "60000" });
    const error = await llm.createMessage(request, { ledger: new UsageLedger(), budget: roomy }).catch((e: unknown) => e);
    // First wait of 50 s fits in 60 s; a second 50 s wait would not, so it gives up after two attempts.
    expect(error).toMatchObject({ name: "LlmUnavailable", attempts: 2 });
    expect(timing.delays).toEqual([50_000]);
    expect(scope.isDone()).toBe(true);
  });

  it("does not retry a 400 and reports the API's reason", async () => {
    const scope = nock(ANTHROPIC)
      .post("/v1/messages")
      .reply(400, { type: "error", error: { type: "invalid_request_error", message: "tool_choice forced is not supported" } });
    const error = await (await testLlm()).createMessage(request, { ledger: new UsageLedger(), budget: roomy }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LlmRequestRejected);
    expect(String(error)).toContain("tool_choice forced is not supported");
    expect(scope.isDone()).toBe(true);
  });

  it("refuses to send a request whose estimate does not fit the budget", async () => {
    const llm = await testLlm();
    const big = { max_tokens: 4000, messages: [{ role: "user" as const, content: "x".repeat(40_000) }] };
    const error = await llm.createMessage(big, { ledger: new UsageLedger(), budget: { usd: 0.01, tokens: 1_000_000 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BudgetExceeded);
    expect(error).toMatchObject({ state: { when: "before-request", spentUsd: 0 } });
    expect(nock.pendingMocks()).toEqual([]);
  });

  it("stops after a response that crossed the token budget", async () => {
    const scope = nock(ANTHROPIC).post("/v1/messages").reply(200, prose("long", { input: 100, output: 5000 }));
    const ledger = new UsageLedger();
    const error = await (await testLlm())
      .createMessage({ ...request, max_tokens: 8 }, { ledger, budget: { usd: 5, tokens: 3000 } })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "BudgetExceeded", state: { when: "after-response", spentTokens: 5100 } });
    expect(ledger.requests).toBe(1);
    expect(scope.isDone()).toBe(true);
  });
});
