/**
 * GitHub writes that answer a webhook (the 👀 reaction, short replies) are sent
 * after the webhook is acknowledged. Probot's Octokit spaces writes about a second
 * apart per installation, so a burst of triggers would otherwise hold webhook
 * responses for many seconds. Every send is tracked, failures are logged with the
 * delivery id, and `drain()` waits for all of them (tests, graceful shutdown).
 */
import type { Logger } from "pino";

export class GitHubOutbox {
  readonly #pending = new Set<Promise<void>>();
  readonly #log: Logger;

  constructor(log: Logger) {
    this.#log = log;
  }

  /** Sends in order: each write of one trigger starts after the previous one ended. */
  send(what: string, context: Record<string, unknown>, writes: (() => Promise<unknown>)[]): void {
    const run = (async () => {
      for (const write of writes) {
        try {
          await write();
        } catch (error) {
          this.#log.error({ err: error, ...context, what }, "a GitHub write failed");
          return;
        }
      }
    })();
    this.#pending.add(run);
    void run.finally(() => this.#pending.delete(run));
  }

  get pending(): number {
    return this.#pending.size;
  }

  async drain(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all(this.#pending);
  }
}
