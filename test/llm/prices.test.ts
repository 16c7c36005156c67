import { describe, expect, it } from "vitest";
import { costOf } from "../../src/llm/ledger.ts";
import { supportsForcedToolChoice } from "../../src/llm/models.ts";
import { PRICES, priceFor, UNKNOWN_MODEL_PRICE } from "../../src/llm/prices.ts";
import { parseLlmEnv } from "../../src/llm/settings.ts";

describe("price table", () => {
  it("finds provider-specific model ids by the longest matching row", () => {
    expect(priceFor("claude-sonnet-5-5")).toMatchObject({ known: true, model: "claude-sonnet-5-5" });
    expect(priceFor("us.anthropic.claude-opus-5-5-v1:0")).toMatchObject({ known: true, model: "claude-opus-5-5" });
    expect(priceFor("claude-opus-5@20260724")).toMatchObject({ known: true, model: "claude-opus-5" });
  });

  it("prices unknown models at the most expensive row, so budgets never undercount", () => {
    expect(priceFor("some-gateway-model")).toEqual({ known: false, price: UNKNOWN_MODEL_PRICE });
    const maxInput = Math.max(...Object.values(PRICES).map((p) => p.input));
    expect(UNKNOWN_MODEL_PRICE.input).toBe(maxInput);
    expect(costOf("some-gateway-model", { input: 1e6, output: 0, cacheWrite: 0, cacheRead: 0 })).toBe(maxInput);
  });

  it("knows which models reject a forced tool choice", () => {
    expect(supportsForcedToolChoice("claude-sonnet-5-5")).toBe(false);
    expect(supportsForcedToolChoice("claude-sonnet-5")).toBe(true);
    expect(supportsForcedToolChoice("claude-haiku-4-5-20251001")).toBe(true);
    expect(supportsForcedToolChoice("unknown-model")).toBe(false);
  });
});

describe("LLM settings", () => {
  it("defaults the model and requires a key for the Anthropic API", () => {
    expect(parseLlmEnv({ ANTHROPIC_API_KEY: "k" })).toMatchObject({ DROID_MODEL: "claude-sonnet-5-5", DROID_LLM_PROVIDER: "anthropic", DROID_LLM_MAX_ATTEMPTS: 6 });
    expect(() => parseLlmEnv({})).toThrow(/ANTHROPIC_API_KEY is required/);
  });

  it("names bad variables without echoing their values", () => {
    expect(() => parseLlmEnv({ ANTHROPIC_API_KEY: "sk-secret", ANTHROPIC_BASE_URL: "not a url" })).toThrow(/ANTHROPIC_BASE_URL/);
    expect(() => parseLlmEnv({ ANTHROPIC_API_KEY: "sk-secret", ANTHROPIC_BASE_URL: "not a url" })).not.toThrow(/sk-secret/);
    expect(() => parseLlmEnv({ DROID_LLM_PROVIDER: "vertex" })).toThrow(/CLOUD_ML_REGION/);
  });
});
