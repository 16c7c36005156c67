import { readFile } from "node:fs/promises";
import { resolveInside } from "./confine.ts";
import { idf, type LexicalIndex } from "./lexical.ts";
import type { CodeSymbol, FileRecord } from "./record.ts";
import type { RepositoryIndex } from "./repository-index.ts";
import { decodeTerms, identifierTerms, textTerms } from "./terms.ts";

/** Consecutive lines of a file; `startLine` is 1-based. */
export interface Snippet {
  startLine: number;
  lines: string[];
}

export interface FileEvidence {
  symbols: Array<Pick<CodeSymbol, "name" | "kind" | "line" | "endLine" | "signature">>;
  snippets: Snippet[];
  /** The words this file holds, rarest first. */
  words: string[];
}

const MAX_ANCHORS = 3;
const COMMENT = /^\s*(?:\/\/|\/?\*|#|--|;)/;
const CONTEXT = 1;
const MAX_LINE = 160;
const MAX_SYMBOLS = 6;

interface Wanted {
  query: Map<string, number>;
  names: ReadonlySet<string>;
  /** Lines a stack trace points at. */
  lines: readonly number[];
  lexical: LexicalIndex;
}

function clip(line: string): string {
  const trimmed = line.replace(/\s+$/, "");
  return trimmed.length > MAX_LINE ? `${trimmed.slice(0, MAX_LINE - 1)}…` : trimmed;
}

function anchorLines(lines: string[], wanted: Wanted): number[] {
  const scored: Array<{ line: number; score: number }> = [];
  for (const [n, text] of lines.entries()) {
    if (text.length > 1000) continue;
    let score = 0;
    for (const term of new Set(textTerms(text))) if (wanted.query.has(term)) score += idf(wanted.lexical, term);
    for (const name of wanted.names) if (text.includes(name)) score += 2;
    if (COMMENT.test(text)) score *= 0.5;
    if (score > 0) scored.push({ line: n + 1, score });
  }
  scored.sort((a, b) => b.score - a.score || a.line - b.line);
  const anchors = wanted.lines.filter((line) => line >= 1 && line <= lines.length).slice(0, MAX_ANCHORS);
  for (const { line } of scored) {
    if (anchors.length >= MAX_ANCHORS) break;
    if (anchors.every((a) => Math.abs(a - line) > 2 * CONTEXT + 1)) anchors.push(line);
  }
  return anchors.sort((a, b) => a - b);
}

function windows(lines: string[], anchors: number[]): Snippet[] {
  const snippets: Snippet[] = [];
  for (const anchor of anchors) {
    const start = Math.max(1, anchor - CONTEXT);
    const end = Math.min(lines.length, anchor + CONTEXT);
    const last = snippets.at(-1);
    if (last && start <= last.startLine + last.lines.length) {
      for (let n = last.startLine + last.lines.length; n <= end; n++) last.lines.push(clip(lines[n - 1] ?? ""));
    } else {
      snippets.push({ startLine: start, lines: lines.slice(start - 1, end).map(clip) });
    }
  }
  return snippets;
}

function chooseSymbols(file: FileRecord, wanted: Wanted, anchors: number[]): FileEvidence["symbols"] {
  const chosen = new Set<CodeSymbol>();
  for (const symbol of file.symbols) if (wanted.names.has(symbol.name)) chosen.add(symbol);
  for (const anchor of anchors) {
    const enclosing = file.symbols.filter((s) => s.line <= anchor && anchor <= s.endLine).sort((a, b) => a.endLine - a.line - (b.endLine - b.line))[0];
    if (enclosing) chosen.add(enclosing);
  }
  const byQuery = file.symbols
    .map((symbol) => ({ symbol, score: identifierTerms(symbol.name).reduce((sum, term) => sum + (wanted.query.has(term) ? idf(wanted.lexical, term) : 0), 0) }))
    .filter((s) => s.score > 0)
    .sort((a, b) => b.score - a.score);
  for (const { symbol } of byQuery) chosen.add(symbol);
  return [...chosen].slice(0, MAX_SYMBOLS).map(({ name, kind, line, endLine, signature }) => ({ name, kind, line, endLine, signature }));
}

/** The symbols and lines of one file that match what an issue says. */
export async function fileSnippets(index: RepositoryIndex, file: FileRecord, wanted: Wanted): Promise<FileEvidence> {
  const words = [...decodeTerms(file.terms).keys()]
    .filter((term) => wanted.query.has(term))
    .sort((a, b) => idf(wanted.lexical, b) - idf(wanted.lexical, a))
    .slice(0, 5);
  let lines: string[] = [];
  try {
    lines = (await readFile(await resolveInside(index.root, file.path), "utf8")).split("\n");
  } catch {
    // The clone moved on or is gone: symbols from the index are still worth showing.
  }
  const anchors = anchorLines(lines, wanted);
  return { symbols: chooseSymbols(file, wanted, anchors), snippets: windows(lines, anchors), words };
}
