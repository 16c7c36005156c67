/**
 * Keeps the head and the tail of a byte stream within a budget while counting every byte,
 * so a command that prints gigabytes costs the worker a fixed amount of memory.
 */
export class OutputCapture {
  readonly #headLimit: number;
  readonly #tailLimit: number;
  #head: Buffer[] = [];
  #headBytes = 0;
  #tail: Buffer[] = [];
  #tailBytes = 0;
  #total = 0;

  constructor(limitBytes: number) {
    this.#headLimit = Math.ceil(limitBytes / 2);
    this.#tailLimit = Math.floor(limitBytes / 2);
  }

  push(chunk: Buffer): void {
    this.#total += chunk.length;
    let rest = chunk;
    if (this.#headBytes < this.#headLimit) {
      const take = Math.min(this.#headLimit - this.#headBytes, rest.length);
      this.#head.push(rest.subarray(0, take));
      this.#headBytes += take;
      rest = rest.subarray(take);
    }
    if (rest.length === 0 || this.#tailLimit === 0) return;
    this.#tail.push(rest.length > this.#tailLimit ? rest.subarray(rest.length - this.#tailLimit) : rest);
    this.#tailBytes += Math.min(rest.length, this.#tailLimit);
    while (this.#tailBytes - (this.#tail[0]?.length ?? 0) >= this.#tailLimit) {
      this.#tailBytes -= this.#tail.shift()?.length ?? 0;
    }
  }

  get totalBytes(): number {
    return this.#total;
  }

  get truncated(): boolean {
    return this.#total > this.#headBytes + this.#tailBytes;
  }

  /** The kept text; when bytes were dropped, a marker line says how many and where the rest is. */
  text(logPath: string): string {
    const head = Buffer.concat(this.#head).toString("utf8");
    const tailBuffer = Buffer.concat(this.#tail);
    const tail = tailBuffer.subarray(Math.max(0, tailBuffer.length - this.#tailLimit)).toString("utf8");
    if (!this.truncated) return head + tail;
    const dropped = this.#total - this.#headBytes - Math.min(tailBuffer.length, this.#tailLimit);
    return `${head}\n[… ${dropped} bytes omitted; full output in ${logPath} …]\n${tail}`;
  }
}
