import { countTerms, identifierTerms, textTerms } from "./terms.ts";

/**
 * The words of an issue worth searching for. Issue templates repeat the same questions in every
 * report ("What is the current behavior?", "- [x] I have searched existing issues"), so template
 * lines — checkboxes, headings, lines that are only bold text — and HTML comments are dropped.
 * Names that look like code weigh more than prose: an issue's prose describes, its code names.
 */

const PROSE_WEIGHT = 0.6;
const CODE_WEIGHT = 1.5;

export function withoutTemplate(text: string): string {
  return text
    .replace(/<!--[\s\S]*?-->/g, "")
    .split(/\r?\n/)
    .filter((line) => !/^\s*(?:[-*] \[[ xX]\]|#{1,6}\s|\*\*.*\*\*:?\s*$)/.test(line))
    .join("\n");
}

/** Term → weight for BM25: prose terms count less than the terms of code-like names. */
export function issueQuery(text: string, codeNames: Iterable<string>): Map<string, number> {
  const query = new Map<string, number>();
  for (const [term, count] of countTerms(textTerms(withoutTemplate(text)))) query.set(term, PROSE_WEIGHT * Math.min(3, 1 + Math.log(count)));
  for (const name of codeNames) {
    for (const term of identifierTerms(name)) query.set(term, Math.max(query.get(term) ?? 0, CODE_WEIGHT));
  }
  return query;
}
