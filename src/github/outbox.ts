/**
 * GitHub writes that answer a webhook (the 👀 reaction, short replies) are sent
 * after the webhook is acknowledged, so a slow or rate-limited GitHub never holds a
 * webhook response. At most `concurrency` triggers' writes are in flight at once:
 * GitHub asks integrations to serialise writes (secondary rate limits), and a burst
 * of a thousand answers sent at once would also starve the server that acknowledges
 * the next webhooks — so while webhooks keep arriving (a send less than `quietMs`
 * ago), new writes wait for a quiet moment. Each trigger's writes go in order;
 * failures are logged with the delivery id; `drain()` waits for everything (tests,
 * graceful shutdown).
 */
import type { Logger } from "pino";

type Task = () => Promise<void>;

export class GitHubOutbox {
  readonly #waiting: Task[] = [];
  readonly #log: Logger;
  readonly #concurrency: number;
  readonly #quietMs: number;
  #active = 0;
  #idle: (() => void)[] = [];
  #lastSend = 0;
  #lastStart = -Infinity;
  #timer: NodeJS.Timeout | undefined;

  constructor(log: Logger, options: { concurrency?: number; quietMs?: number } = {}) {
    this.#log = log;
    this.#concurrency = Math.max(1, options.concurrency ?? 4);
    this.#quietMs = options.quietMs ?? 25;
  }

  /** Queues one trigger's writes; they run in order, each after the previous one ended. */
  send(what: string, context: Record<string, unknown>, writes: (() => Promise<unknown>)[]): void {
    this.#waiting.push(async () => {
      for (const write of writes) {
        try {
          await write();
        } catch (error) {
          this.#log.error({ err: error, ...context, what }, "a GitHub write failed");
          return;
        }
      }
    });
    this.#lastSend = performance.now();
    this.#next();
  }

  /** Triggers whose writes have not all been sent yet. */
  get pending(): number {
    return this.#waiting.length + this.#active;
  }

  async drain(): Promise<void> {
    if (this.pending === 0) return;
    await new Promise<void>((resolve) => this.#idle.push(resolve));
  }

  #next(): void {
    const now = performance.now();
    const sinceSend = now - this.#lastSend;
    // A lone answer goes at once; during a burst, answers wait until webhooks stop arriving.
    const quiet = sinceSend >= this.#quietMs || (this.#active === 0 && now - this.#lastStart >= this.#quietMs);
    if (!quiet && this.#waiting.length > 0) {
      // Webhooks are still arriving: let them be acknowledged first.
      if (this.#timer === undefined) {
        this.#timer = setTimeout(() => {
          this.#timer = undefined;
          this.#next();
        }, this.#quietMs - sinceSend);
      }
      return;
    }
    while (this.#active < this.#concurrency) {
      const task = this.#waiting.shift();
      if (!task) break;
      this.#active++;
      this.#lastStart = now;
      void task().finally(() => {
        this.#active--;
        this.#next();
        if (this.pending === 0) for (const resolve of this.#idle.splice(0)) resolve();
      });
    }
  }
}
