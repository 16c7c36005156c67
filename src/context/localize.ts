import { fileRanks, referenceGraph, usageCounts } from "./graph.ts";
import { issueQuery } from "./issue-text.ts";
import { bm25, idf, lexicalIndex, type LexicalIndex } from "./lexical.ts";
import { findMentions } from "./mentions.ts";
import type { CodeSymbol } from "./record.ts";
import type { RepositoryIndex } from "./repository-index.ts";
import { fileSnippets, type Snippet } from "./snippets.ts";
import { textTerms } from "./terms.ts";

/** An issue (or question) to place in the code, and optionally what changed recently. */
export interface LocalizeInput {
  text: string;
  /** Recently merged pull requests or commits: their text and the paths they touched. */
  history?: ReadonlyArray<{ paths: readonly string[]; text: string }>;
}

export interface LocalizeOptions {
  /** How many candidate files to return (default 25). */
  limit?: number;
}

/** A definition in a candidate file: named in the issue, enclosing a matched line, or named like the issue's words. */
export type CandidateSymbol = Pick<CodeSymbol, "name" | "kind" | "line" | "endLine" | "signature">;

export interface Candidate {
  path: string;
  score: number;
  /** Why this file is here, most telling first: "stack frame line 242", "defines `populate`", … */
  why: string[];
  symbols: CandidateSymbol[];
  snippets: Snippet[];
}

export interface Localization {
  candidates: Candidate[];
}

/** How much each kind of evidence counts; lexical and graph scores are normalised to 0–1 first. */
const WEIGHTS = { lexical: 1, path: 1.5, frame: 1.2, name: 0.8, history: 0.5, graph: 0.4 };
const SEEDS = 20;

interface Evidence {
  score: number;
  why: string[];
  names: Set<string>;
  lines: number[];
}

/** Documentation and changelogs mention everything; the code is what a plan changes. */
function documentWeight(path: string, language: string | null): number {
  if (language) return 1;
  return /\.(?:md|markdown|rst|txt|adoc)$/i.test(path) || /(?:^|\/)(?:history|changelog|changes)(?:\.|$)/i.test(path) ? 0.3 : 0.8;
}

/** A mentioned name's weight: less when many files define it or use it. */
function nameSpecificity(index: RepositoryIndex, name: string, definers: number): number {
  const users = usageCounts(index).get(name) ?? 0;
  const files = Math.max(2, index.files.length);
  return Math.max(0.05, Math.log(files / (1 + users)) / Math.log(files)) ** 2 / Math.sqrt(definers);
}

function historyScores(index: RepositoryIndex, lexical: LexicalIndex, query: Map<string, number>, input: LocalizeInput): Map<string, number> {
  const scores = new Map<string, number>();
  for (const item of input.history ?? []) {
    let similarity = 0;
    for (const term of new Set(textTerms(item.text))) if (query.has(term)) similarity += idf(lexical, term);
    for (const path of item.paths) if (index.file(path)) scores.set(path, Math.max(scores.get(path) ?? 0, similarity));
  }
  return normalizeMap(scores);
}

function normalizeMap(scores: Map<string, number>): Map<string, number> {
  const max = Math.max(0, ...scores.values());
  if (max > 0) for (const [key, value] of scores) scores.set(key, value / max);
  return scores;
}

/** Ranks the files (and, inside them, the symbols and lines) an issue most likely concerns. */
export async function localize(index: RepositoryIndex, input: LocalizeInput, options: LocalizeOptions = {}): Promise<Localization> {
  const limit = options.limit ?? 25;
  const mentions = findMentions(index, input.text);
  const lexical = lexicalIndex(index, "fielded");
  const query = issueQuery(input.text, mentions.codeNames);
  const evidence = index.files.map((): Evidence => ({ score: 0, why: [], names: new Set(), lines: [] }));
  const at = (path: string): Evidence | undefined => {
    const n = referenceGraph(index).node.get(path);
    return n === undefined ? undefined : evidence[n];
  };

  const lexicalScores = bm25(lexical, query);
  const top = Math.max(0, ...lexicalScores);
  for (const [n, score] of lexicalScores.entries()) {
    const e = evidence[n];
    const file = index.files[n];
    if (e && file && top > 0) e.score += (WEIGHTS.lexical * score * documentWeight(file.path, file.language)) / top;
  }
  for (const mention of mentions.paths) {
    const e = at(mention.path);
    if (!e) continue;
    e.score += WEIGHTS.path * mention.certainty;
    e.why.push(`named in the text as ${mention.as}`);
  }
  for (const frame of mentions.frames) {
    const e = at(frame.path);
    if (!e) continue;
    e.score += WEIGHTS.frame / (1 + 0.5 * frame.position);
    if (frame.line) e.lines.push(frame.line);
    e.why.push(`stack frame${frame.function ? ` ${frame.function}` : ""}${frame.line ? ` line ${frame.line}` : ""}`);
  }
  for (const name of mentions.names) {
    const definers = [...new Set(index.definitions(name).map((d) => d.path))];
    for (const path of definers) {
      const e = at(path);
      if (!e) continue;
      e.score += WEIGHTS.name * nameSpecificity(index, name, definers.length);
      e.names.add(name);
    }
  }
  for (const [path, score] of historyScores(index, lexical, query, input)) {
    const e = at(path);
    if (!e || score < 0.3) continue;
    e.score += WEIGHTS.history * score;
    e.why.push("changed by a recent change that reads alike");
  }

  // The graph: a walk restarting at the best files so far spreads relevance to the code they use.
  const seeds = new Float64Array(index.files.length);
  for (const n of topIndices(evidence.map((e) => e.score), SEEDS)) seeds[n] = evidence[n]?.score ?? 0;
  const graph = fileRanks(index, seeds);
  const graphTop = Math.max(0, ...graph);
  for (const [n, rank] of graph.entries()) {
    const e = evidence[n];
    if (e && graphTop > 0) e.score += (WEIGHTS.graph * rank) / graphTop;
  }

  const chosen = topIndices(evidence.map((e) => e.score), limit).filter((n) => (evidence[n]?.score ?? 0) > 0);
  const candidates: Candidate[] = [];
  for (const n of chosen) {
    const file = index.files[n];
    const e = evidence[n];
    if (!file || !e) continue;
    const found = await fileSnippets(index, file, { query, names: e.names, lines: e.lines, lexical });
    const why = [...e.why];
    if (e.names.size > 0) why.push(`defines ${[...e.names].map((name) => `\`${name}\``).join(", ")}`);
    if (found.words.length > 0) why.push(`words: ${found.words.join(", ")}`);
    candidates.push({ path: file.path, score: Number(e.score.toFixed(3)), why, symbols: found.symbols, snippets: found.snippets });
  }
  return { candidates };
}

/** Indices of the `count` highest values, highest first. */
export function topIndices(values: ArrayLike<number>, count: number): number[] {
  return Array.from({ length: values.length }, (_, n) => n)
    .sort((a, b) => (values[b] ?? 0) - (values[a] ?? 0))
    .slice(0, count);
}
