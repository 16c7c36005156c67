/**
 * A cheap, offline token estimate: about four characters per token for English prose
 * and Markdown. It runs before every request (for the budget check), so it must not call
 * the API. Code and JSON tokenize denser, so the estimate runs low on them; the
 * after-response check with the real counts catches what it misses.
 */
export const CHARS_PER_TOKEN = 4;

export function estimateTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

/** Estimate for a whole request body (system, tools, messages): the JSON text of it. */
export function estimateRequestTokens(body: { system?: unknown; tools?: unknown; messages: unknown }): number {
  return estimateTokens(JSON.stringify([body.system ?? null, body.tools ?? null, body.messages]));
}
