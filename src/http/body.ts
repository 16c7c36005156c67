/**
 * Request bodies read within a limit, for the webhook routes: a body is refused from
 * its `Content-Length` before a byte is read, and a body without one (chunked) is cut
 * off as soon as it passes the limit. Nothing beyond the limit is ever buffered.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

/** The whole body, or "too-large" as soon as it exceeds `limit` (declared or read). */
export function readBoundedBody(req: IncomingMessage, limit: number): Promise<Buffer | "too-large"> {
  if (declaredTooLarge(req, limit)) return Promise.resolve("too-large");
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        chunks.length = 0;
        resolve("too-large");
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const onClose = () => {
      cleanup();
      reject(new Error("the client closed the connection before the body ended"));
    };
    const cleanup = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("close", onClose);
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("close", onClose);
  });
}

/** True when the request's `Content-Length` says more than `limit` bytes. */
export function declaredTooLarge(req: IncomingMessage, limit: number): boolean {
  const declared = Number(header(req, "content-length") ?? Number.NaN);
  return Number.isFinite(declared) && declared > limit;
}

/**
 * Answers 413 and closes the connection. The rest of the body is discarded as it
 * arrives (so the client can read the answer), up to four times the limit; a sender
 * that keeps going after that is cut off.
 */
export function refuseTooLarge(req: IncomingMessage, res: ServerResponse, limit: number): void {
  let discarded = 0;
  req.on("data", (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > limit * 4) req.socket.destroy();
  });
  req.resume();
  answerJson(res, 413, { error: `body larger than ${limit} bytes` }, { connection: "close" });
}

export function answerJson(res: ServerResponse, status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));
}

export function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
