import type { RepositoryIndex } from "./repository-index.ts";
import { decodeTerms, identifierTerms } from "./terms.ts";

/**
 * BM25 over files. A file's document is its words (code and comments, identifiers split), plus —
 * in the "fielded" flavour Droid localizes with — its path's words three times and its defined
 * names' words twice, so a file named after the thing an issue talks about stands out. The
 * "content" flavour (whole-file text only) is the plain baseline the benchmark compares against.
 */
export type LexicalFlavour = "fielded" | "content";

export interface LexicalIndex {
  postings: Map<string, { docs: Int32Array; counts: Float64Array }>;
  lengths: Float64Array;
  averageLength: number;
  documents: number;
}

const K1 = 1.2;
const B = 0.75;
const PATH_WEIGHT = 3;
const SYMBOL_WEIGHT = 2;

const cache = new WeakMap<RepositoryIndex, Map<LexicalFlavour, LexicalIndex>>();

export function pathTerms(relativePath: string): string[] {
  return relativePath.split(/[/.\-\s]+/).flatMap((segment) => identifierTerms(segment));
}

export function lexicalIndex(index: RepositoryIndex, flavour: LexicalFlavour = "fielded"): LexicalIndex {
  let byFlavour = cache.get(index);
  const existing = byFlavour?.get(flavour);
  if (existing) return existing;
  const building = new Map<string, { docs: number[]; counts: number[] }>();
  const lengths = new Float64Array(index.files.length);
  for (const [doc, file] of index.files.entries()) {
    const counts = decodeTerms(file.terms);
    if (flavour === "fielded") {
      for (const term of pathTerms(file.path)) counts.set(term, (counts.get(term) ?? 0) + PATH_WEIGHT);
      for (const symbol of file.symbols) {
        for (const term of identifierTerms(symbol.name)) counts.set(term, (counts.get(term) ?? 0) + SYMBOL_WEIGHT);
      }
    }
    let length = 0;
    for (const [term, count] of counts) {
      length += count;
      let posting = building.get(term);
      if (!posting) {
        posting = { docs: [], counts: [] };
        building.set(term, posting);
      }
      posting.docs.push(doc);
      posting.counts.push(count);
    }
    lengths[doc] = length;
  }
  const postings = new Map<string, { docs: Int32Array; counts: Float64Array }>();
  for (const [term, posting] of building) postings.set(term, { docs: Int32Array.from(posting.docs), counts: Float64Array.from(posting.counts) });
  const total = lengths.reduce((sum, length) => sum + length, 0);
  const built: LexicalIndex = { postings, lengths, averageLength: total / Math.max(1, index.files.length), documents: index.files.length };
  if (!byFlavour) {
    byFlavour = new Map();
    cache.set(index, byFlavour);
  }
  byFlavour.set(flavour, built);
  return built;
}

/** Inverse document frequency of a term (0 for terms no file has). */
export function idf(lexical: LexicalIndex, term: string): number {
  const df = lexical.postings.get(term)?.docs.length ?? 0;
  if (df === 0) return 0;
  return Math.log(1 + (lexical.documents - df + 0.5) / (df + 0.5));
}

/** BM25 score of every file (index order) for a query of term → weight. */
export function bm25(lexical: LexicalIndex, query: Map<string, number>): Float64Array {
  const scores = new Float64Array(lexical.documents);
  for (const [term, queryWeight] of query) {
    const posting = lexical.postings.get(term);
    if (!posting) continue;
    const weight = idf(lexical, term) * queryWeight;
    for (let i = 0; i < posting.docs.length; i++) {
      const doc = posting.docs[i] ?? 0;
      const tf = posting.counts[i] ?? 0;
      const norm = K1 * (1 - B + (B * (lexical.lengths[doc] ?? 0)) / lexical.averageLength);
      scores[doc] = (scores[doc] ?? 0) + (weight * (tf * (K1 + 1))) / (tf + norm);
    }
  }
  return scores;
}
