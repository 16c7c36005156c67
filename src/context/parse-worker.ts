import { parentPort } from "node:worker_threads";
import { z } from "zod";
import { analyzeFile } from "./analyze.ts";

/** A parse worker: analyses the files the build sends it, one message each, in order. */
const requestSchema = z.object({ id: z.number(), path: z.string(), text: z.string() });

parentPort?.on("message", (message: unknown) => {
  const request = requestSchema.parse(message);
  analyzeFile(request.path, request.text).then(
    (analysis) => parentPort?.postMessage({ id: request.id, analysis }),
    (error: unknown) => parentPort?.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) }),
  );
});
