/**
 * A cheap, offline token estimate. It runs before every request (for the budget check),
 * so it must not call the API. English prose runs about four characters per token, code
 * and JSON denser; `npm run bench:plan-prompt` measured 3.6 characters per token on a
 * typical planning prompt, so 3.5 keeps the estimate slightly on the safe side. The
 * after-response check with the real counts catches what it misses.
 */
export const CHARS_PER_TOKEN = 3.5;

export function estimateTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

/** Estimate for a whole request body (system, tools, messages): the JSON text of it. */
export function estimateRequestTokens(body: { system?: unknown; tools?: unknown; messages: unknown }): number {
  return estimateTokens(JSON.stringify([body.system ?? null, body.tools ?? null, body.messages]));
}
