import { Writable } from "node:stream";
import { createDockerClient } from "../../src/sandbox/docker-client.ts";
import pino, { type Logger } from "pino";

/** The engine the tests use: DOCKER_HOST or the local socket. */
export const docker = createDockerClient();

/**
 * Whether a Docker engine answers. Docker tests run when it does; when it does not, they fail
 * under CI (CI is set) and are skipped elsewhere, with a message saying why.
 */
export async function dockerAnswers(): Promise<boolean> {
  try {
    await docker.ping();
    return true;
  } catch (error) {
    if (process.env["CI"]) {
      throw new Error(`CI is set but no Docker engine answers (${String(error)}). Run .ci/setup-docker.sh first.`, {
        cause: error,
      });
    }
    console.warn(`No Docker engine answers; Docker tests are skipped outside CI (${String(error)}).`);
    return false;
  }
}

/** A pino logger that keeps every line, so tests can grep the logs (e.g. for a token). */
export function memoryLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString("utf8"));
      done();
    },
  });
  return { logger: pino({ level: "debug" }, sink), lines };
}

export function uniqueId(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
