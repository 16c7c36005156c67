/**
 * The price table: US dollars per million tokens, per model. This is the ONLY place
 * prices live; `docs/llm.md` explains how to update it.
 *
 * Source: Anthropic's published model pages (platform docs, "Models & pricing"), as of
 * November 2026. Cache writes are priced at the 5-minute TTL rate, which is the only TTL
 * Droid uses. Where published figures disagreed, the higher one was taken so that
 * budgets err on the safe side.
 *
 * Model ids are matched by the longest key contained in the id, so provider-specific ids
 * (Bedrock `us.anthropic.claude-sonnet-5-5-v1:0`, Vertex `claude-sonnet-5-5@20260928`)
 * find the same row. An id that matches no row is priced with `UNKNOWN_MODEL_PRICE`
 * (the most expensive row) so that a budget can never be undercounted.
 */

export interface ModelPrice {
  /** $ per million uncached input tokens. */
  input: number;
  /** $ per million output tokens (thinking included). */
  output: number;
  /** $ per million tokens written to the prompt cache (5-minute TTL). */
  cacheWrite: number;
  /** $ per million tokens read from the prompt cache. */
  cacheRead: number;
}

export const PRICES: Readonly<Record<string, ModelPrice>> = {
  "claude-fable-5-2": { input: 10, output: 50, cacheWrite: 12.5, cacheRead: 0.25 },
  "claude-mythos-5-2": { input: 10, output: 50, cacheWrite: 12.5, cacheRead: 0.25 },
  "claude-fable-5-1": { input: 10, output: 50, cacheWrite: 12.5, cacheRead: 0.25 },
  "claude-mythos-5-1": { input: 10, output: 50, cacheWrite: 12.5, cacheRead: 0.25 },
  "claude-fable-5": { input: 10, output: 50, cacheWrite: 12.5, cacheRead: 1 },
  "claude-mythos-5": { input: 10, output: 50, cacheWrite: 12.5, cacheRead: 1 },
  "claude-opus-5-5": { input: 4, output: 20, cacheWrite: 5, cacheRead: 0.2 },
  "claude-opus-5": { input: 5, output: 25, cacheWrite: 6.25, cacheRead: 0.5 },
  "claude-opus-4-8": { input: 5, output: 25, cacheWrite: 6.25, cacheRead: 0.5 },
  "claude-opus-4-7": { input: 5, output: 25, cacheWrite: 6.25, cacheRead: 0.5 },
  "claude-opus-4-6": { input: 5, output: 25, cacheWrite: 6.25, cacheRead: 0.5 },
  "claude-opus-4-5": { input: 5, output: 25, cacheWrite: 6.25, cacheRead: 0.5 },
  "claude-sonnet-5-5": { input: 2, output: 10, cacheWrite: 2.5, cacheRead: 0.2 },
  "claude-sonnet-5": { input: 2, output: 10, cacheWrite: 2.5, cacheRead: 0.2 },
  "claude-sonnet-4-6": { input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 },
  "claude-sonnet-4-5": { input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 },
  "claude-haiku-5-5": { input: 1, output: 5, cacheWrite: 1.25, cacheRead: 0.1 },
  "claude-haiku-4-5": { input: 1, output: 5, cacheWrite: 1.25, cacheRead: 0.1 },
};

/** Used for model ids the table does not know: the most expensive row. */
export const UNKNOWN_MODEL_PRICE: ModelPrice = { input: 10, output: 50, cacheWrite: 12.5, cacheRead: 1 };

export type PriceLookup = { known: true; model: string; price: ModelPrice } | { known: false; price: ModelPrice };

/** Finds the row for a model id (longest matching key wins). */
export function priceFor(modelId: string): PriceLookup {
  const id = modelId.toLowerCase().replaceAll(".", "-");
  let best: string | null = null;
  for (const key of Object.keys(PRICES)) {
    if (id.includes(key) && (best === null || key.length > best.length)) best = key;
  }
  const price = best === null ? undefined : PRICES[best];
  return best !== null && price !== undefined ? { known: true, model: best, price } : { known: false, price: UNKNOWN_MODEL_PRICE };
}
