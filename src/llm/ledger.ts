import { priceFor } from "./prices.ts";

/** Token counts of one or more requests, as the API reports them. */
export interface TokenUsage {
  /** Uncached input tokens. */
  input: number;
  output: number;
  /** Input tokens written to the prompt cache. */
  cacheWrite: number;
  /** Input tokens read from the prompt cache. */
  cacheRead: number;
}

export const ZERO_USAGE: TokenUsage = Object.freeze({ input: 0, output: 0, cacheWrite: 0, cacheRead: 0 });

/** One priced request in the ledger. */
export interface LedgerEntry {
  model: string;
  usage: TokenUsage;
  costUsd: number;
  /** Whether the price table knew the model (unknown models are priced at the top rate). */
  priced: boolean;
}

/** The shape of `usage` in an Anthropic response (only the fields we price). */
export interface ApiUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
}

export function usageFromApi(usage: ApiUsage): TokenUsage {
  return {
    input: usage.input_tokens,
    output: usage.output_tokens,
    cacheWrite: usage.cache_creation_input_tokens ?? 0,
    cacheRead: usage.cache_read_input_tokens ?? 0,
  };
}

export function addUsage(a: TokenUsage, b: TokenUsage): TokenUsage {
  return {
    input: a.input + b.input,
    output: a.output + b.output,
    cacheWrite: a.cacheWrite + b.cacheWrite,
    cacheRead: a.cacheRead + b.cacheRead,
  };
}

/** Every token the requests processed, cached or not: what a token budget counts. */
export function totalTokens(usage: TokenUsage): number {
  return usage.input + usage.output + usage.cacheWrite + usage.cacheRead;
}

/** Dollar cost of some usage on a model, from the price table. */
export function costOf(model: string, usage: TokenUsage): number {
  const { price } = priceFor(model);
  return (
    (usage.input * price.input +
      usage.output * price.output +
      usage.cacheWrite * price.cacheWrite +
      usage.cacheRead * price.cacheRead) /
    1_000_000
  );
}

/**
 * The usage ledger of one job: every request's tokens and cost, and the totals.
 * The planner and the agent loop share it, so one budget covers the whole job.
 */
export class UsageLedger {
  readonly #entries: LedgerEntry[] = [];

  record(model: string, usage: TokenUsage): LedgerEntry {
    const entry: LedgerEntry = { model, usage, costUsd: costOf(model, usage), priced: priceFor(model).known };
    this.#entries.push(entry);
    return entry;
  }

  get entries(): readonly LedgerEntry[] {
    return this.#entries;
  }

  get requests(): number {
    return this.#entries.length;
  }

  get usage(): TokenUsage {
    return this.#entries.reduce((sum, e) => addUsage(sum, e.usage), ZERO_USAGE);
  }

  get tokens(): number {
    return totalTokens(this.usage);
  }

  get costUsd(): number {
    return this.#entries.reduce((sum, e) => sum + e.costUsd, 0);
  }

  /** Share of input tokens served from the prompt cache (0 when nothing was sent). */
  get cacheHitRatio(): number {
    const u = this.usage;
    const input = u.input + u.cacheWrite + u.cacheRead;
    return input === 0 ? 0 : u.cacheRead / input;
  }
}
