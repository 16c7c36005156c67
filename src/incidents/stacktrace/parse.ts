/**
 * `parseStackTrace(text)`: finds a stack trace in free text (a log excerpt, an
 * issue body in Markdown, an error tracker's issue) and reads it whatever the
 * language. Every known format is tried; the reading that explains the most frames wins.
 * Given the repository, frames of its own code under library paths count as in-app.
 */
import { parseDart } from "./dart.ts";
import { parseDotnet } from "./dotnet.ts";
import { parseGo } from "./go.ts";
import { parseJava } from "./java.ts";
import { parseJavaScript } from "./javascript.ts";
import { withOwnCode, type RepositoryName } from "./own-code.ts";
import { traceLines } from "./prefixes.ts";
import { parsePhp } from "./php.ts";
import { parsePython } from "./python.ts";
import { parseRuby } from "./ruby.ts";
import { parseRust } from "./rust.ts";
import type { ParsedException, StackTrace, TraceFormat } from "./types.ts";

type TextFormat = Exclude<TraceFormat, "sentry">;

/** In this order: on equal frame counts the earlier format wins. */
const PARSERS: [TextFormat, (lines: readonly string[]) => ParsedException[]][] = [
  ["python", parsePython],
  ["java", parseJava],
  ["go", parseGo],
  ["ruby", parseRuby],
  ["rust", parseRust],
  ["dotnet", parseDotnet],
  ["php", parsePhp],
  ["dart", parseDart],
  ["javascript", parseJavaScript],
];

/** Longer texts keep their start and their end, where a log's trace usually is (an issue body is at most 65,536 characters). */
const MAX_TEXT = 200_000;

export interface TraceOptions {
  /** The repository the trace is investigated in: its own code may appear under library paths. */
  repository?: RepositoryName;
}

export function parseStackTrace(text: string, options: TraceOptions = {}): StackTrace | null {
  const kept = text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT / 2)}\n${text.slice(-MAX_TEXT / 2)}` : text;
  const lines = traceLines(kept);
  let best: StackTrace | null = null;
  let bestFrames = 0;
  for (const [format, parse] of PARSERS) {
    const exceptions = parse(lines);
    const frames = exceptions.reduce((n, e) => n + e.frames.length, 0);
    if (frames > bestFrames) {
      best = { format, exceptions };
      bestFrames = frames;
    }
  }
  return best && options.repository ? withOwnCode(best, options.repository) : best;
}
