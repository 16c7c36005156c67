import type { Readable } from "node:stream";

/**
 * Docker's multiplexed attach stream (TTY off), parsed chunk by chunk into its frames.
 * Frame: 1 byte stream type (1 stdout, 2 stderr), 3 zero bytes, 4 bytes big-endian length, payload.
 */
export class DockerFrames {
  #pending: Buffer = Buffer.alloc(0);

  /** Takes the next chunk of the stream and hands out every frame it completes. */
  push(data: Buffer, onFrame: (stream: "stdout" | "stderr", payload: Buffer) => void): void {
    this.#pending = this.#pending.length === 0 ? data : Buffer.concat([this.#pending, data]);
    while (this.#pending.length >= 8) {
      const size = this.#pending.readUInt32BE(4);
      if (this.#pending.length < 8 + size) break;
      onFrame(this.#pending[0] === 2 ? "stderr" : "stdout", this.#pending.subarray(8, 8 + size));
      this.#pending = this.#pending.subarray(8 + size);
    }
  }
}

/** Splits Docker's multiplexed attach stream into stdout and stderr chunks. */
export function demuxDockerStream(
  stream: Readable,
  onStdout: (chunk: Buffer) => void,
  onStderr: (chunk: Buffer) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const frames = new DockerFrames();
    stream.on("data", (data: Buffer) => frames.push(data, (kind, payload) => (kind === "stderr" ? onStderr(payload) : onStdout(payload))));
    stream.once("end", () => resolve());
    stream.once("close", () => resolve());
    stream.once("error", reject);
  });
}
