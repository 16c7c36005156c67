/**
 * Replay protection for Sentry deliveries. Sentry signs the body only: the
 * `Sentry-Hook-Timestamp` header (Unix seconds when Sentry sent the request) is not
 * covered by `Sentry-Hook-Signature`. So two checks, after the signature:
 *
 * - the timestamp must be within the window around now: a captured delivery resent
 *   as it was is refused once the window has passed;
 * - a signed body is accepted once: the digests of the last 10,000 accepted bodies are
 *   remembered, so the same delivery resent with a rewritten timestamp is recognised too.
 */
import { createHash } from "node:crypto";

export type TimestampVerdict =
  | { kind: "fresh" }
  | { kind: "missing" }
  | { kind: "malformed" }
  /** `skewSeconds` > 0: sent that long ago; < 0: claims to be from the future. */
  | { kind: "outside-window"; skewSeconds: number };

const REMEMBERED_BODIES = 10_000;

export class SentryReplayGuard {
  readonly windowSeconds: number;
  readonly #now: () => number;
  readonly #accepted = new Set<string>();

  constructor(options: { windowSeconds: number; now?: () => number }) {
    this.windowSeconds = options.windowSeconds;
    this.#now = options.now ?? Date.now;
  }

  /** Whether `Sentry-Hook-Timestamp` is within the window around now. */
  checkTimestamp(value: string | undefined): TimestampVerdict {
    if (value === undefined || value.trim() === "") return { kind: "missing" };
    if (!/^\d{1,12}(\.\d+)?$/.test(value.trim())) return { kind: "malformed" };
    const skewSeconds = Math.round(this.#now() / 1000 - Number(value));
    return Math.abs(skewSeconds) > this.windowSeconds ? { kind: "outside-window", skewSeconds } : { kind: "fresh" };
  }

  /** True the first time a body is offered; later offers of the same bytes are replays. */
  firstAcceptance(body: Buffer): boolean {
    const digest = createHash("sha256").update(body).digest("hex");
    if (this.#accepted.has(digest)) return false;
    this.#accepted.add(digest);
    if (this.#accepted.size > REMEMBERED_BODIES) this.#accepted.delete(this.#accepted.values().next().value ?? "");
    return true;
  }
}
