/**
 * The corpus of real stack traces (test/fixtures/traces/corpus.json) scored per language:
 * parsed (a trace with frames was found), expected frame found (in any exception of the
 * chain), innermost in-app frame right (the frame Droid would open first).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { StackFrame, StackTrace } from "../../src/incidents/stacktrace/index.ts";

const DIR = join(import.meta.dirname, "../fixtures/traces");

export type Expected = { file: string; line: number } | { function: string } | null;

export interface CorpusTrace {
  file: string;
  language: string;
  source: string;
  repository: string | null;
  expected: Expected;
  note: string;
  text: string;
}

export interface Reader {
  parse(text: string, repository: string | null): StackTrace | null;
  innermost(trace: StackTrace): StackFrame | undefined;
}

export interface Score {
  language: string;
  traces: number;
  parsed: number;
  found: number;
  innermost: number;
  misses: string[];
}

export function loadCorpus(): CorpusTrace[] {
  const index = JSON.parse(readFileSync(join(DIR, "corpus.json"), "utf8")) as { traces: Omit<CorpusTrace, "text">[] };
  return index.traces.map((t) => ({ ...t, text: readFileSync(join(DIR, t.file), "utf8") }));
}

export function matches(frame: StackFrame | undefined, expected: Expected): boolean {
  if (expected === null) return frame === undefined;
  if (!frame) return false;
  if ("function" in expected) return (frame.function ?? "").endsWith(expected.function);
  const file = frame.file.replace(/\\/g, "/");
  return (file === expected.file || file.endsWith(`/${expected.file}`)) && frame.line === expected.line;
}

export function scoreCorpus(corpus: readonly CorpusTrace[], reader: Reader): Score[] {
  const scores = new Map<string, Score>();
  for (const item of corpus) {
    const score = scores.get(item.language) ?? { language: item.language, traces: 0, parsed: 0, found: 0, innermost: 0, misses: [] };
    scores.set(item.language, score);
    score.traces++;
    let trace: StackTrace | null = null;
    try {
      trace = reader.parse(item.text, item.repository);
    } catch {
      trace = null;
    }
    const frames = trace?.exceptions.flatMap((e) => e.frames) ?? [];
    if (frames.length > 0 || (item.expected === null && trace !== null)) score.parsed++;
    const expected = item.expected;
    if (expected === null || frames.some((f) => matches(f, expected))) score.found++;
    const innermost = trace ? reader.innermost(trace) : undefined;
    if (matches(innermost, item.expected)) score.innermost++;
    else score.misses.push(`${item.file}: got ${innermost ? `${innermost.file}:${innermost.line ?? "?"} ${innermost.function ?? ""}` : "nothing"}`);
  }
  return [...scores.values()];
}

const pct = (n: number, of: number) => `${n}/${of} (${Math.round((100 * n) / of)} %)`;

export function renderScores(scores: readonly Score[]): string {
  const rows = scores.map((s) => `| ${s.language} | ${s.traces} | ${pct(s.parsed, s.traces)} | ${pct(s.found, s.traces)} | ${pct(s.innermost, s.traces)} |`);
  return ["| language | traces | parsed | expected frame found | innermost in-app frame right |", "| --- | --- | --- | --- | --- |", ...rows].join("\n");
}
