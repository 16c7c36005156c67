import { fileRanks, referenceGraph, symbolRanks } from "./graph.ts";
import { pathTerms } from "./lexical.ts";
import type { Candidate, Localization } from "./localize.ts";
import type { CodeSymbol } from "./record.ts";
import type { RepositoryIndex } from "./repository-index.ts";
import { identifierTerms } from "./terms.ts";

/**
 * Text for a prompt: the "Relevant code" section (localization candidates with their matching
 * symbols and lines) and the repository map (files by centrality, with key signatures). Both fit
 * a character budget (about 4 characters a token) and stop at a whole entry, never mid-line.
 */

export interface BudgetOptions {
  maxChars: number;
}

const ENTRY_SHARE = 0.25;

function numbered(line: number, text: string): string {
  return `${String(line).padStart(5)}│ ${text}`;
}

function candidateEntry(candidate: Candidate, full: boolean): string {
  const lines = [`## ${candidate.path}`];
  if (candidate.why.length > 0) lines.push(`why: ${candidate.why.slice(0, full ? 4 : 2).join("; ")}`);
  for (const symbol of candidate.symbols.slice(0, full ? 6 : 2)) {
    lines.push(`  ${symbol.kind} ${symbol.name} (lines ${symbol.line}–${symbol.endLine}): ${symbol.signature}`);
  }
  if (full) {
    for (const snippet of candidate.snippets) {
      lines.push("  ⋮");
      for (const [i, text] of snippet.lines.entries()) lines.push(numbered(snippet.startLine + i, text));
    }
  }
  return `${lines.join("\n")}\n`;
}

/** The "Relevant code" section body: candidates in rank order, as many as fit `maxChars`. */
export function renderRelevantCode(result: Localization, options: BudgetOptions): string {
  let text = "";
  const entryLimit = Math.max(400, options.maxChars * ENTRY_SHARE);
  for (const candidate of result.candidates) {
    let entry = candidateEntry(candidate, true);
    if (entry.length > entryLimit || text.length + entry.length > options.maxChars) entry = candidateEntry(candidate, false);
    if (text.length + entry.length + 1 > options.maxChars) break;
    text += (text === "" ? "" : "\n") + entry;
  }
  return text;
}

export interface MapOptions extends BudgetOptions {
  /** Paths and words (identifiers, file names) to rank towards, e.g. from an issue. */
  seeds?: readonly string[];
}

const KIND_ORDER: Record<CodeSymbol["kind"], number> = { class: 0, interface: 0, type: 1, enum: 1, function: 1, module: 2, method: 2, variable: 3 };

/** Restart weights for the map's walk: seed paths, files defining seed names, files whose path holds a seed word. */
export function seedVector(index: RepositoryIndex, seeds: readonly string[]): Float64Array | undefined {
  if (seeds.length === 0) return undefined;
  const vector = new Float64Array(index.files.length);
  const words = new Set(seeds.flatMap((seed) => identifierTerms(seed)));
  for (const [n, file] of index.files.entries()) {
    if (seeds.includes(file.path)) vector[n] = (vector[n] ?? 0) + 10;
    const hits = pathTerms(file.path).filter((term) => words.has(term)).length;
    if (hits > 0) vector[n] = (vector[n] ?? 0) + hits;
  }
  const node = referenceGraph(index).node;
  for (const seed of seeds) {
    const definers = index.definitions(seed);
    for (const { path } of definers) {
      const n = node.get(path);
      if (n !== undefined) vector[n] = (vector[n] ?? 0) + 5 / definers.length;
    }
  }
  return vector.some((v) => v > 0) ? vector : undefined;
}

/** The repository map: files by rank (personalised towards `seeds`), each with its top signatures. */
export function renderRepositoryMap(index: RepositoryIndex, options: MapOptions): string {
  const ranks = fileRanks(index, seedVector(index, options.seeds ?? []));
  const symbols = symbolRanks(index, ranks);
  const order = index.files.map((file, n) => ({ file, rank: ranks[n] ?? 0 })).sort((a, b) => b.rank - a.rank);
  let text = "";
  for (const [position, { file }] of order.entries()) {
    const perFile = position < 10 ? 8 : position < 40 ? 4 : 2;
    const chosen = file.symbols
      .map((symbol) => ({ symbol, rank: (symbols.get(`${file.path}\u0000${symbol.name}`) ?? 0) + (symbol.exported ? 1e-9 : 0) }))
      .sort((a, b) => b.rank - a.rank || KIND_ORDER[a.symbol.kind] - KIND_ORDER[b.symbol.kind] || a.symbol.line - b.symbol.line)
      .slice(0, perFile)
      .map(({ symbol }) => symbol)
      .sort((a, b) => a.line - b.line);
    const entry = [file.path, ...chosen.map((symbol) => `  ${String(symbol.line).padStart(5)}: ${symbol.signature}`)].join("\n") + "\n";
    if (text.length + entry.length > options.maxChars) {
      const bare = `${file.path}\n`;
      if (text.length + bare.length > options.maxChars) break;
      text += bare;
      continue;
    }
    text += entry;
  }
  return text;
}
