import nock from "nock";
import { describe, expect, it } from "vitest";
import { makeLlmClient } from "../../src/llm/client.ts";
import { LlmAborted } from "../../src/llm/errors.ts";
import { UsageLedger } from "../../src/llm/ledger.ts";
import { REAL_TIMING, retryAfterMs } from "../../src/llm/retry.ts";
import { ANTHROPIC, overloaded, testLlm } from "../fixtures/anthropic.ts";

describe("retry-after", () => {
  const now = Date.parse("2026-11-25T12:00:00Z");
  it("reads milliseconds, seconds and HTTP dates", () => {
    expect(retryAfterMs(new Headers({ "retry-after-ms": "250" }), now)).toBe(250);
    expect(retryAfterMs(new Headers({ "retry-after": "3" }), now)).toBe(3000);
    expect(retryAfterMs(new Headers({ "retry-after": "Wed, 25 Nov 2026 12:00:10 GMT" }), now)).toBe(10_000);
    expect(retryAfterMs(new Headers({ "retry-after": "soon" }), now)).toBeNull();
    expect(retryAfterMs(new Headers(), now)).toBeNull();
  });
});

describe("cancellation", () => {
  it("a cancelled job stops waiting between retries at once", async () => {
    const scope = nock(ANTHROPIC).post("/v1/messages").reply(529, overloaded, { "retry-after": "30" });
    const controller = new AbortController();
    const llm = await testLlm(REAL_TIMING);
    const started = Date.now();
    setTimeout(() => controller.abort(), 50);
    const error = await llm
      .createMessage({ max_tokens: 10, messages: [{ role: "user", content: "hi" }] }, { ledger: new UsageLedger(), budget: { usd: 1, tokens: 100_000 }, signal: controller.signal })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LlmAborted);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(scope.isDone()).toBe(true);
  });

  it("an already-cancelled job sends nothing", async () => {
    let sent = 0;
    const llm = makeLlmClient({
      provider: "anthropic",
      model: "claude-sonnet-5-5",
      send: async () => {
        sent++;
        throw new Error("must not be called");
      },
    });
    const controller = new AbortController();
    controller.abort();
    const error = await llm
      .createMessage({ max_tokens: 10, messages: [{ role: "user", content: "hi" }] }, { ledger: new UsageLedger(), budget: { usd: 1, tokens: 100_000 }, signal: controller.signal })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LlmAborted);
    expect(sent).toBe(0);
  });
});
