import { parentPort } from "node:worker_threads";
import { z } from "zod";
import { analyzeFile } from "./analyze.ts";

/** A parse worker: analyses the files the build sends it, one message each, in order. */
const requestSchema = z.object({ id: z.number(), path: z.string(), text: z.string() });

/** Posts to the parent thread (a worker port, not a window: there is no origin to give). */
function reply(message: object): void {
  // oxlint-disable-next-line unicorn/require-post-message-target-origin
  parentPort?.postMessage(message);
}

parentPort?.on("message", (message: unknown) => {
  const request = requestSchema.parse(message);
  analyzeFile(request.path, request.text).then(
    (analysis) => reply({ id: request.id, analysis }),
    (error: unknown) => reply({ id: request.id, error: error instanceof Error ? error.message : String(error) }),
  );
});
