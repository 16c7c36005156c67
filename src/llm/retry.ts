import { APIConnectionError, APIError, APIUserAbortError } from "@anthropic-ai/sdk";
import { LlmAborted, LlmRequestRejected, LlmUnavailable } from "./errors.ts";

/** How hard to retry. Bounded in attempts and in total time: a storm never hangs a job. */
export interface RetryPolicy {
  /** Total attempts, the first one included. */
  maxAttempts: number;
  /** Give up rather than wait past this many ms since the first attempt. */
  maxTotalMs: number;
  /** First backoff delay; doubles each attempt (with jitter) up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 6,
  maxTotalMs: 180_000,
  baseDelayMs: 1_000,
  maxDelayMs: 30_000,
};

/** The time sources the retry loop uses, injectable so tests don't wait. */
export interface RetryTiming {
  now: () => number;
  sleep: (ms: number, signal: AbortSignal | undefined) => Promise<void>;
  /** 0..1, multiplies half of each backoff delay (`Math.random` by default). */
  random: () => number;
}

export function abortableSleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new LlmAborted());
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new LlmAborted());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

export const REAL_TIMING: RetryTiming = { now: () => Date.now(), sleep: abortableSleep, random: Math.random };

type Failure =
  | { kind: "retryable"; status: number | null; retryAfterMs: number | null }
  | { kind: "fatal"; error: Error };

/** `retry-after-ms`, then `retry-after` (seconds or an HTTP date). */
export function retryAfterMs(headers: Headers | undefined, now: number): number | null {
  const ms = headers?.get("retry-after-ms");
  if (ms && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const value = headers?.get("retry-after");
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status === 529 || status >= 500;
}

function classify(error: unknown, now: number): Failure {
  if (error instanceof APIUserAbortError || error instanceof LlmAborted) return { kind: "fatal", error: new LlmAborted() };
  if (error instanceof APIConnectionError) return { kind: "retryable", status: null, retryAfterMs: null };
  if (error instanceof APIError && typeof error.status === "number") {
    if (isRetryableStatus(error.status)) {
      return { kind: "retryable", status: error.status, retryAfterMs: retryAfterMs(error.headers, now) };
    }
    return { kind: "fatal", error: new LlmRequestRejected(error.status, apiErrorMessage(error)) };
  }
  return { kind: "fatal", error: error instanceof Error ? error : new Error(String(error)) };
}

/** The API's own error message, without the raw body. */
function apiErrorMessage(error: APIError): string {
  const body: unknown = error.error;
  if (typeof body === "object" && body !== null && "error" in body) {
    const inner: unknown = body.error;
    if (typeof inner === "object" && inner !== null && "message" in inner && typeof inner.message === "string") {
      return inner.message;
    }
  }
  return error.message;
}

/** Exponential backoff with jitter: half fixed, half random. */
function backoffMs(policy: RetryPolicy, attempt: number, random: number): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(exp / 2 + (exp / 2) * random);
}

/**
 * Runs `attempt` until it succeeds, a non-retryable error occurs, or the policy's
 * attempts or total time run out (then `LlmUnavailable`). Honours `retry-after`
 * when the server sends it, and gives up at once if that wait would exceed the budget.
 */
export async function withRetries<T>(
  attempt: (attemptNumber: number) => Promise<T>,
  policy: RetryPolicy,
  timing: RetryTiming,
  signal: AbortSignal | undefined,
  onRetry: (info: { attempt: number; status: number | null; delayMs: number }) => void = () => {},
): Promise<T> {
  const started = timing.now();
  for (let n = 1; ; n++) {
    if (signal?.aborted) throw new LlmAborted();
    try {
      return await attempt(n);
    } catch (error) {
      const failure = classify(error, timing.now());
      if (failure.kind === "fatal") throw failure.error;
      const elapsed = timing.now() - started;
      const delay = failure.retryAfterMs ?? backoffMs(policy, n, timing.random());
      if (n >= policy.maxAttempts || elapsed + delay > policy.maxTotalMs) {
        throw new LlmUnavailable(n, elapsed, failure.status);
      }
      onRetry({ attempt: n, status: failure.status, delayMs: delay });
      await timing.sleep(delay, signal);
    }
  }
}
