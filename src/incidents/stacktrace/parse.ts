/**
 * `parseStackTrace(text)`: finds a stack trace in free text (a log excerpt, an
 * issue body in Markdown) and reads it whatever the language. Every known format
 * is tried; the reading that explains the most frames wins.
 */
import { parseGo } from "./go.ts";
import { parseJava } from "./java.ts";
import { parseJavaScript } from "./javascript.ts";
import { parsePython } from "./python.ts";
import { parseRuby } from "./ruby.ts";
import type { ParsedException, StackTrace, TraceFormat } from "./types.ts";

type TextFormat = Exclude<TraceFormat, "sentry">;

const PARSERS: [TextFormat, (lines: readonly string[]) => ParsedException[]][] = [
  ["python", parsePython],
  ["java", parseJava],
  ["go", parseGo],
  ["ruby", parseRuby],
  ["javascript", parseJavaScript],
];

/** Longer texts keep their start and their end, where a log's trace usually is (an issue body is at most 65,536 characters). */
const MAX_TEXT = 200_000;

/** Longer lines are cut: no frame is this long, and it bounds the work of every pattern. */
const MAX_LINE = 4_000;

export function parseStackTrace(text: string): StackTrace | null {
  const kept = text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT / 2)}\n${text.slice(-MAX_TEXT / 2)}` : text;
  const lines = kept
    .split(/\r?\n/)
    // Block quotes (replies quoting a trace) keep their content.
    .map((line) => (line.length > MAX_LINE ? line.slice(0, MAX_LINE) : line).replace(/^\s{0,3}(?:>\s?)+/, ""));
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
  return best;
}
