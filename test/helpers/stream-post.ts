/**
 * Large request bodies for the webhook routes' limits, over a raw socket: nock buffers
 * the bodies of requests made with `http`, which would hide what the server reads.
 */
import { connect } from "node:net";

export interface StreamPostResult {
  /** The status the server answered with (0: none). */
  status: number;
  /** The raw response (status line, headers, body). */
  response: string;
  /** Body bytes written before the server hung up (or all of them). */
  sentBytes: number;
  /** Body bytes written when the first byte of the answer arrived (null: no answer). */
  sentBeforeAnswer: number | null;
}

/**
 * POSTs `size` bytes of padding in 64 KiB pieces as fast as the server takes them, with
 * a `Content-Length` or chunked (no length), until all are sent or the server hangs up.
 */
export function streamPost(url: string, options: { headers: Record<string, string>; size: number; chunked: boolean }): Promise<StreamPostResult> {
  const { hostname, port, pathname } = new URL(url);
  return new Promise((resolve) => {
    let sentBytes = 0;
    let sentBeforeAnswer: number | null = null;
    let received = "";
    let stopped = false;
    const socket = connect(Number(port), hostname);
    const chunk = Buffer.alloc(64 * 1024, "x");
    const frame = options.chunked ? Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from("\r\n")]) : chunk;
    const finish = () => {
      if (stopped) return;
      stopped = true;
      socket.destroy();
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1] ?? 0), response: received, sentBytes, sentBeforeAnswer });
    };
    socket.on("data", (data) => {
      sentBeforeAnswer ??= sentBytes;
      received += data.toString("latin1");
    });
    socket.on("error", finish);
    socket.on("close", finish);
    const pump = () => {
      while (sentBytes < options.size) {
        if (stopped) return;
        const piece = options.chunked || sentBytes + chunk.length <= options.size ? frame : chunk.subarray(0, options.size - sentBytes);
        sentBytes += options.chunked ? chunk.length : piece.length;
        if (!socket.write(piece)) return void socket.once("drain", pump);
      }
      if (!stopped) socket.end(options.chunked ? "0\r\n\r\n" : "");
    };
    socket.once("connect", () => {
      const headers = { ...options.headers, ...(options.chunked ? { "transfer-encoding": "chunked" } : { "content-length": String(options.size) }), connection: "close" };
      const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
      socket.write(`POST ${pathname} HTTP/1.1\r\nhost: ${hostname}:${port}\r\n${lines.join("")}\r\n`);
      pump();
    });
  });
}
