// The digest of a command's output that the model reads instead of the output itself.
// Pure: the caller has saved the full output (in the sandbox) and passes its path.
//
// What survives, in order of priority, within a character budget:
//   1. every error line (failing tests, compiler errors, assertion messages), each
//      distinct one once, with a count and where its repeats are;
//   2. a few lines of head and tail;
//   3. context around error lines, nearest lines first; then stack frames below them;
//   4. more head and tail; then warnings.
// When the budget runs out, context goes before any error line does; what could not be
// shown is counted and the reader is told how to grep the saved output for it.

import { MAX_COMMAND_CHARS, renderDigestText, renderHeader } from "./digest-render.ts";
import { groupErrorLines, selectLines, separatorCost } from "./digest-selection.ts";
import { classifyLines, isErrorClass, type LineClass } from "./line-classes.ts";
import { clipLine, outputLines } from "./output-text.ts";
import { summariseTestLines } from "./test-summary.ts";
import { summariseTypeCheck } from "./typecheck-summary.ts";
import { defaultDigestOptions, type CommandOutput, type Digest, type DigestElisions, type DigestFacts, type DigestOptions, type ShownLine } from "./digest-types.ts";

export { defaultDigestOptions, type CommandOutput, type Digest, type DigestElisions, type DigestFacts, type DigestOptions, type ShownLine };


/** The digest as the text the model reads. */
export function digestOutput(input: CommandOutput, options: Partial<DigestOptions> = {}): string {
  const opts = { ...defaultDigestOptions, ...options };
  return renderDigest(buildDigest(input, opts), opts);
}

const WHOLE_HEADER_RESERVE = MAX_COMMAND_CHARS + 100;
/** Room kept for the closing notes (each names the saved path) and the last gap line, at most. */
const footerReserve = (savedPath: string, lineCount: number): number => 400 + 2 * savedPath.length + separatorCost(lineCount);
/** The selection's size is an upper bound: up to this many passes spend what it left unused. */
const FIT_PASSES = 6;
const MIN_BUDGET_STEP = 16;

export function buildDigest(input: CommandOutput, options: Partial<DigestOptions> = {}): Digest {
  const opts = { ...defaultDigestOptions, ...options };
  const lines = outputLines(input.output);
  const facts: DigestFacts = {
    command: input.command,
    exitCode: input.exitCode,
    timedOut: input.timedOut ?? false,
    durationMs: input.durationMs,
    lineCount: lines.length,
    byteCount: Buffer.byteLength(input.output),
    savedPath: input.savedPath,
  };
  const wholeMax = Math.min(opts.wholeMaxChars, opts.budgetChars - WHOLE_HEADER_RESERVE);
  let textLength = 0;
  for (let i = 0; i < lines.length && textLength <= wholeMax; i++) textLength += (lines[i] ?? "").length + 1;
  if (textLength <= wholeMax) return { kind: "whole", facts, lines };

  const classes = classifyLines(lines);
  const errors = groupErrorLines(lines, classes);
  const tests = summariseTestLines(lines, input.exitCode);
  const typeCheck = summariseTypeCheck(lines, classes);
  const found = { errors: errors.errorLineCount, distinct: errors.representatives.length, warnings: errors.warningLineCount };
  const header = renderHeader(facts, { tests, typeCheck }, found, opts);

  const digestOf = (budget: number): Digest => {
    const selection = selectLines(lines, classes, errors, opts, budget);
    const shown = selection.indexes.map((index): ShownLine => {
      const line: ShownLine = { index, text: lines[index] ?? "", isError: isErrorClass(classes[index] as LineClass) };
      const repeats = errors.repeatsByIndex.get(index);
      if (repeats !== undefined) line.repeats = repeats;
      return line;
    });
    return {
      kind: "digested",
      facts,
      errorLineCount: found.errors,
      distinctErrorLineCount: found.distinct,
      warningLineCount: found.warnings,
      tests,
      typeCheck,
      shown,
      elisions: {
        errorLinesNotShown: selection.errorLinesNotShown,
        notShownRange: selection.notShownRange,
        repeatedErrorLines: found.errors - found.distinct,
        trimmed: selection.trimmed,
        errorLinesWithoutFullContext: selection.errorLinesWithoutFullContext,
      },
    };
  };

  // The selection's size estimate is an upper bound: a few passes search for the
  // largest selection budget whose digest still fits.
  let budget = opts.budgetChars - header.length - footerReserve(facts.savedPath, facts.lineCount);
  let best: { digest: Digest; budget: number } | null = null;
  let tooBig = Number.POSITIVE_INFINITY;
  for (let pass = 0; pass < FIT_PASSES; pass++) {
    const digest = digestOf(budget);
    const unused = opts.budgetChars - renderDigestText(digest, opts).length;
    let next: number;
    if (unused >= 0) {
      best = { digest, budget };
      if (digest.kind === "whole" || (digest.elisions.errorLinesNotShown === 0 && digest.elisions.trimmed === null)) break;
      next = Math.min(budget + unused, Math.floor((budget + tooBig) / 2));
    } else {
      tooBig = budget;
      next = best === null ? budget + unused - separatorCost(facts.lineCount) : Math.floor((best.budget + budget) / 2);
    }
    if (Math.abs(next - budget) < MIN_BUDGET_STEP) break;
    budget = next;
  }
  return best?.digest ?? digestOf(0);
}

/** The digest as text, never longer than the budget. */
export function renderDigest(digest: Digest, options: Partial<DigestOptions> = {}): string {
  const opts = { ...defaultDigestOptions, ...options };
  const text = renderDigestText(digest, opts);
  return text.length <= opts.budgetChars ? text : clipLine(text, opts.budgetChars);
}
