/** The shapes of a command-output digest (digest.ts builds them; digest-selection and digest-render read them). */
import type { TestSummary } from "./test-summary.ts";
import type { TypeCheckSummary } from "./typecheck-summary.ts";

export interface CommandOutput {
  command: string;
  /** null when the command was killed. */
  exitCode: number | null;
  output: string;
  /** Where the full output is saved, for the model to grep. */
  savedPath: string;
  durationMs?: number;
  timedOut?: boolean;
}

export interface DigestOptions {
  /** Hard limit on the digest's length in characters (about 4 characters a token). */
  budgetChars: number;
  /** Output up to this many characters is returned whole. */
  wholeMaxChars: number;
  headLines: number;
  tailLines: number;
  /** Context lines kept before and after each error line, budget permitting. */
  contextBefore: number;
  contextAfter: number;
  /** How far below an error line stack frames and `file:line` lines are kept. */
  stackLines: number;
  /** Longer lines are cut in the middle. */
  maxLineChars: number;
}

export const defaultDigestOptions: DigestOptions = {
  budgetChars: 32_000,
  wholeMaxChars: 8_000,
  headLines: 20,
  tailLines: 40,
  contextBefore: 2,
  contextAfter: 5,
  stackLines: 12,
  maxLineChars: 400,
};

export interface DigestFacts {
  command: string;
  exitCode: number | null;
  timedOut: boolean;
  durationMs: number | undefined;
  lineCount: number;
  byteCount: number;
  savedPath: string;
}

export interface ShownLine {
  /** 0-based line index in the output. */
  index: number;
  text: string;
  isError: boolean;
  /** For the first of several identical error lines: how many in all, and where others are. */
  repeats?: Repeats;
}

export interface DigestElisions {
  /** Error lines that did not fit the budget at all. */
  errorLinesNotShown: number;
  /** 0-based indexes of the first and last error line not shown. */
  notShownRange: [number, number] | null;
  /** Error lines folded into an identical one shown elsewhere. */
  repeatedErrorLines: number;
  /** Context, stack frames, head/tail or warnings cut short to fit the budget (the first that was). */
  trimmed: TrimmedPart | null;
  /** Error lines shown without all of their context lines. */
  errorLinesWithoutFullContext: number;
}

export type Digest =
  | { kind: "whole"; facts: DigestFacts; lines: string[] }
  | {
      kind: "digested";
      facts: DigestFacts;
      errorLineCount: number;
      distinctErrorLineCount: number;
      warningLineCount: number;
      tests: TestSummary;
      /** What tsc said (its `Found N errors` line, or its `error TS` lines counted); null when it is no tsc output. */
      typeCheck: TypeCheckSummary | null;
      shown: ShownLine[];
      elisions: DigestElisions;
    };

export interface Repeats {
  count: number;
  otherIndexes: number[];
}

export type TrimmedPart = "summary lines" | "context around error lines" | "stack frames below error lines" | "the rest of each failure's block" | "head and tail" | "warnings";
