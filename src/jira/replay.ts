/**
 * Replay protection for Jira deliveries, after the signature: the payload's
 * `timestamp` (milliseconds, inside the signed body) must be within the window around
 * now, and a delivery is accepted once — by `X-Atlassian-Webhook-Identifier` (the same
 * on Jira's retries of one delivery), else by the digest of the signed body.
 */
import { createHash } from "node:crypto";

export type JiraTiming = { kind: "fresh" } | { kind: "missing" } | { kind: "outside-window"; skewSeconds: number };

const REMEMBERED = 10_000;

export class JiraReplayGuard {
  readonly windowSeconds: number;
  readonly #now: () => number;
  readonly #seen = new Set<string>();

  constructor(options: { windowSeconds: number; now?: () => number }) {
    this.windowSeconds = options.windowSeconds;
    this.#now = options.now ?? Date.now;
  }

  /** Whether the payload's `timestamp` (ms since the epoch) is within the window around now. */
  checkTimestamp(timestampMs: number | null): JiraTiming {
    if (timestampMs === null) return { kind: "missing" };
    const skewSeconds = Math.round((this.#now() - timestampMs) / 1000);
    return Math.abs(skewSeconds) > this.windowSeconds ? { kind: "outside-window", skewSeconds } : { kind: "fresh" };
  }

  /** True the first time a delivery is offered (by its identifier, else by its body). */
  firstDelivery(identifier: string | undefined, body: Buffer): boolean {
    const key = deliveryKey(identifier, body);
    if (this.#seen.has(key)) return false;
    this.#seen.add(key);
    if (this.#seen.size > REMEMBERED) this.#seen.delete(this.#seen.values().next().value ?? "");
    return true;
  }

  /** Forgets a delivery that could not be handled, so that Jira's retry of it is. */
  forget(identifier: string | undefined, body: Buffer): void {
    this.#seen.delete(deliveryKey(identifier, body));
  }
}

function deliveryKey(identifier: string | undefined, body: Buffer): string {
  return identifier && identifier.trim() !== "" ? `id:${identifier.trim()}` : `body:${createHash("sha256").update(body).digest("hex")}`;
}
