/**
 * The two signals a queue sends its workers within one process: "a job became
 * runnable" and "stop this running job". Backends that learn of them from another
 * process (by polling or pub/sub) re-emit them here.
 */
import { EventEmitter } from "node:events";

export class QueueSignals {
  readonly #events = new EventEmitter();
  /** Running jobs whose stop request was already passed on, so each is signalled once. */
  readonly #cancelled = new Set<string>();

  constructor() {
    this.#events.setMaxListeners(0);
  }

  onCancel(listener: (jobId: string) => void): () => void {
    this.#events.on("cancel", listener);
    return () => this.#events.off("cancel", listener);
  }

  onRunnable(listener: () => void): () => void {
    this.#events.on("runnable", listener);
    return () => this.#events.off("runnable", listener);
  }

  runnable(): void {
    this.#events.emit("runnable");
  }

  cancel(jobId: string): void {
    if (this.#cancelled.has(jobId)) return;
    this.#cancelled.add(jobId);
    this.#events.emit("cancel", jobId);
  }

  /** The job ended: a later run of it may be stopped again. */
  ended(jobId: string): void {
    this.#cancelled.delete(jobId);
  }

  close(): void {
    this.#events.removeAllListeners();
  }
}
