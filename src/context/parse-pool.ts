import { availableParallelism } from "node:os";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { z } from "zod";
import { analyzeFile, fileAnalysisSchema, type FileAnalysis } from "./analyze.ts";

/**
 * Where files are analysed: inline for small jobs, or spread over worker threads (one per core,
 * at most four) when a build has many files to parse — tree-sitter's WebAssembly runs on one
 * thread, so a cold index of a large repository is bound by how many cores parse at once.
 */
export interface Analyzer {
  analyze(relativePath: string, text: string): Promise<FileAnalysis>;
  close(): Promise<void>;
}

/** Below this many files to parse, starting workers (and loading grammars in each) costs more than it saves. */
export const WORKER_THRESHOLD = 256;

const inline: Analyzer = { analyze: analyzeFile, close: async () => {} };

const replySchema = z.union([
  z.object({ id: z.number(), analysis: fileAnalysisSchema }),
  z.object({ id: z.number(), error: z.string() }),
]);

interface Pending {
  resolve: (analysis: FileAnalysis) => void;
  reject: (error: Error) => void;
}

class WorkerAnalyzer implements Analyzer {
  readonly #workers: Array<{ worker: Worker; pending: Map<number, Pending> }>;
  #next = 0;

  constructor(size: number) {
    this.#workers = Array.from({ length: size }, () => {
      // parse-worker.ts when Node runs the sources, parse-worker.js in a build.
      const worker = new Worker(new URL(`./parse-worker${path.extname(import.meta.filename)}`, import.meta.url));
      const pending = new Map<number, Pending>();
      worker.on("message", (message: unknown) => {
        const reply = replySchema.parse(message);
        const waiting = pending.get(reply.id);
        pending.delete(reply.id);
        if ("analysis" in reply) waiting?.resolve(reply.analysis);
        else waiting?.reject(new Error(reply.error));
      });
      worker.on("error", (error) => {
        for (const waiting of pending.values()) waiting.reject(error);
        pending.clear();
      });
      return { worker, pending };
    });
  }

  analyze(relativePath: string, text: string): Promise<FileAnalysis> {
    const id = this.#next++;
    const target = this.#workers.reduce((least, candidate) => (candidate.pending.size < least.pending.size ? candidate : least));
    return new Promise((resolve, reject) => {
      target.pending.set(id, { resolve, reject });
      // oxlint-disable-next-line unicorn/require-post-message-target-origin -- a worker port, not a window
      target.worker.postMessage({ id, path: relativePath, text });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map(({ worker }) => worker.terminate()));
  }
}

/** An analyzer sized for `files` files to parse. */
export function analyzerFor(files: number): Analyzer {
  const cores = Math.min(4, availableParallelism());
  return files >= WORKER_THRESHOLD && cores >= 2 ? new WorkerAnalyzer(cores) : inline;
}
