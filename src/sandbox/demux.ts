import type { Readable } from "node:stream";

/**
 * Splits Docker's multiplexed attach stream (TTY off) into stdout and stderr chunks.
 * Frame: 1 byte stream type (1 stdout, 2 stderr), 3 zero bytes, 4 bytes big-endian length, payload.
 */
export function demuxDockerStream(
  stream: Readable,
  onStdout: (chunk: Buffer) => void,
  onStderr: (chunk: Buffer) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let pending: Buffer = Buffer.alloc(0);
    stream.on("data", (data: Buffer) => {
      pending = pending.length === 0 ? data : Buffer.concat([pending, data]);
      while (pending.length >= 8) {
        const size = pending.readUInt32BE(4);
        if (pending.length < 8 + size) break;
        const payload = pending.subarray(8, 8 + size);
        if (pending[0] === 2) onStderr(payload);
        else onStdout(payload);
        pending = pending.subarray(8 + size);
      }
    });
    stream.once("end", () => resolve());
    stream.once("close", () => resolve());
    stream.once("error", reject);
  });
}
