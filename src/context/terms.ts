/**
 * Words for lexical search. Code and prose go through the same mill: identifiers are split at
 * camelCase humps, digits and underscores (`getModelsMap` → get, model, map, plus the whole
 * name), lower-cased and lightly stemmed, so "models" in an issue meets `Model` in code.
 */

const WORD = /[A-Za-z_$][A-Za-z0-9_$]*/g;
const PARTS = /[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+/g;

const STOPWORDS = new Set(
  ("a an and are as at be but by for from has have if in into is it its of on or that the this to was were will with " +
    "not no yes can do does did so than then there these they those we you i he she our your their my me us them " +
    "when what which who how why where while also just only any all some more most other such very should would could " +
    "var let const new return function def self true false null undefined none nil else elif end use get set").split(" "),
);

/** A light stemmer: plurals and a few common endings, enough for issue prose to meet code. */
export function stem(word: string): string {
  if (word.length <= 3) return word;
  if (word.endsWith("ies") && word.length > 4) return `${word.slice(0, -3)}y`;
  if (/(?:ss|us|is)$/.test(word)) return word;
  if (/(?:sh|ch|x)es$/.test(word)) return word.slice(0, -2);
  if (word.endsWith("s")) return word.slice(0, -1);
  return word;
}

/** The parts of one identifier, lower-cased: `parseHTTPResponse_v2` → parse, http, response, v, 2. */
export function identifierParts(identifier: string): string[] {
  const parts: string[] = [];
  for (const chunk of identifier.split(/[_$]+/)) {
    for (const match of chunk.matchAll(PARTS)) parts.push(match[0].toLowerCase());
  }
  return parts;
}

/** Terms of one identifier or word: its stemmed parts, and the whole name when it has several. */
export function identifierTerms(identifier: string): string[] {
  const parts = identifierParts(identifier);
  const terms: string[] = [];
  for (const part of parts) {
    if (part.length > 1 && !STOPWORDS.has(part) && !/^[0-9]+$/.test(part)) terms.push(stem(part));
  }
  if (parts.length > 1) terms.push(identifier.toLowerCase().replace(/[$]/g, ""));
  return terms;
}

const memo = new Map<string, string[]>();
const MEMO_LIMIT = 200_000;

function memoizedTerms(word: string): string[] {
  let terms = memo.get(word);
  if (!terms) {
    if (memo.size >= MEMO_LIMIT) memo.clear();
    terms = identifierTerms(word);
    memo.set(word, terms);
  }
  return terms;
}

/** Every term of a text, in order (repeats kept). */
export function textTerms(text: string): string[] {
  const terms: string[] = [];
  WORD.lastIndex = 0;
  for (let match = WORD.exec(text); match; match = WORD.exec(text)) {
    if (match[0].length > 64) continue;
    for (const term of memoizedTerms(match[0])) terms.push(term);
  }
  return terms;
}

/** Term → count. */
export function countTerms(terms: Iterable<string>, into = new Map<string, number>(), weight = 1): Map<string, number> {
  for (const term of terms) into.set(term, (into.get(term) ?? 0) + weight);
  return into;
}

/** The compact form kept in the cache: "term count term count …". */
export function encodeTerms(counts: Map<string, number>): string {
  const parts: string[] = [];
  for (const [term, count] of counts) parts.push(term, String(count));
  return parts.join(" ");
}

export function decodeTerms(encoded: string): Map<string, number> {
  const counts = new Map<string, number>();
  if (encoded === "") return counts;
  const parts = encoded.split(" ");
  for (let i = 0; i + 1 < parts.length; i += 2) counts.set(parts[i] ?? "", Number(parts[i + 1]));
  return counts;
}
