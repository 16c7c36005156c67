// The digest of a command's output that the model reads instead of the output itself.
// Pure: the caller has saved the full output (in the sandbox) and passes its path.
//
// What survives, in order of priority, within a character budget:
//   1. a few lines of head and tail;
//   2. every error line (failing tests, compiler errors, assertion messages), each
//      distinct one once, with a count and where its repeats are;
//   3. context around error lines, nearest lines first; then stack frames below them;
//   4. more head and tail; then warnings.
// When the budget runs out, context goes before any error line does; what could not be
// shown is counted and the reader is told how to grep the saved output for it.

import { classifyLines, isErrorClass, LineClass } from "./line-classes.ts";
import { clipLine, errorFoldKey, lineFoldKey, outputLines } from "./output-text.ts";
import { renderTestSummaryLine, summariseTestLines, type TestSummary } from "./test-summary.ts";

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
  repeats?: { count: number; otherIndexes: number[] };
}

export interface DigestElisions {
  /** Error lines that did not fit the budget at all. */
  errorLinesNotShown: number;
  /** 0-based indexes of the first and last error line not shown. */
  notShownRange: [number, number] | null;
  /** Error lines folded into an identical one shown elsewhere. */
  repeatedErrorLines: number;
  /** Context, stack frames, head/tail or warnings were cut to fit the budget. */
  contextTrimmed: boolean;
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
      shown: ShownLine[];
      elisions: DigestElisions;
    };

/** The digest as the text the model reads. */
export function digestOutput(input: CommandOutput, options: Partial<DigestOptions> = {}): string {
  const opts = { ...defaultDigestOptions, ...options };
  return renderDigest(buildDigest(input, opts), opts);
}

export const ERROR_GREP_PATTERN = "error|fail|panic|fatal|exception|not ok|✕|×";

const MAX_COMMAND_CHARS = 300;
const SEPARATOR_COST = 80;
const WHOLE_HEADER_RESERVE = MAX_COMMAND_CHARS + 100;
const FOOTER_RESERVE = 600;
const MAX_WARNING_GROUPS = 20;

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
  let textLength = 0;
  for (const line of lines) textLength += line.length + 1;
  if (textLength <= Math.min(opts.wholeMaxChars, opts.budgetChars - WHOLE_HEADER_RESERVE)) return { kind: "whole", facts, lines };

  const classes = classifyLines(lines);
  const errors = groupErrorLines(lines, classes);
  const tests = summariseTestLines(lines, input.exitCode);
  const header = renderHeader(facts, tests, { errors: errors.errorLineCount, distinct: errors.representatives.length, warnings: errors.warningLineCount }, opts);
  const selection = new LineSelection(lines, opts, errors.repeatsByIndex, opts.budgetChars - header.length - FOOTER_RESERVE);
  const n = lines.length;
  let contextTrimmed = false;

  // 1. a little head and tail
  selection.addRange(0, Math.min(3, n));
  selection.addRange(Math.max(0, n - 5), n);

  // 2. every distinct error line, failures before details
  let errorLinesNotShown = 0;
  let notShownRange: [number, number] | null = null;
  for (const index of errors.representatives) {
    if (selection.add(index)) continue;
    errorLinesNotShown++;
    notShownRange = notShownRange === null ? [index, index] : [Math.min(notShownRange[0], index), Math.max(notShownRange[1], index)];
  }
  const shownErrors = errors.representatives.filter((index) => selection.has(index)).sort((a, b) => a - b);

  // 3. context, nearest first; 4. stack frames below; 5. more head and tail; 6. warnings
  const rounds: Array<() => boolean> = [
    () => addContext(selection, shownErrors, opts),
    () => addStackFrames(selection, shownErrors, classes, opts.stackLines),
    () => selection.addRange(Math.max(0, n - opts.tailLines), n, true) && selection.addRange(0, Math.min(opts.headLines, n)),
    () => addWarnings(selection, lines, classes),
  ];
  for (const round of rounds) {
    if (!round()) {
      contextTrimmed = true;
      break;
    }
  }

  // A gap of a few short lines costs less shown than announced.
  selection.fillSmallGaps(SMALL_GAP_LINES);

  const shown: ShownLine[] = [];
  for (const index of selection.indexes()) {
    const repeats = errors.repeatsByIndex.get(index);
    const line: ShownLine = { index, text: lines[index] ?? "", isError: isErrorClass(classes[index] as LineClass) };
    if (repeats !== undefined) line.repeats = repeats;
    shown.push(line);
  }
  return {
    kind: "digested",
    facts,
    errorLineCount: errors.errorLineCount,
    distinctErrorLineCount: errors.representatives.length,
    warningLineCount: errors.warningLineCount,
    tests,
    shown,
    elisions: { errorLinesNotShown, notShownRange, repeatedErrorLines: errors.errorLineCount - errors.representatives.length, contextTrimmed },
  };
}

interface ErrorLines {
  /** First line of each distinct error, failures first, each group in line order. */
  representatives: number[];
  repeatsByIndex: Map<number, { count: number; otherIndexes: number[] }>;
  errorLineCount: number;
  warningLineCount: number;
}

const MAX_LISTED_REPEATS = 3;

function groupErrorLines(lines: readonly string[], classes: Uint8Array): ErrorLines {
  const groups = new Map<string, { first: number; count: number; otherIndexes: number[] }>();
  const failures: number[] = [];
  const details: number[] = [];
  let errorLineCount = 0;
  let warningLineCount = 0;
  for (let i = 0; i < lines.length; i++) {
    const lineClass = classes[i] as LineClass;
    if (lineClass === LineClass.warning) warningLineCount++;
    if (!isErrorClass(lineClass)) continue;
    errorLineCount++;
    const key = errorFoldKey(lines[i] ?? "");
    const group = groups.get(key);
    if (group !== undefined) {
      group.count++;
      if (group.otherIndexes.length < MAX_LISTED_REPEATS) group.otherIndexes.push(i);
      continue;
    }
    groups.set(key, { first: i, count: 1, otherIndexes: [] });
    (lineClass === LineClass.failure ? failures : details).push(i);
  }
  const repeatsByIndex = new Map<number, { count: number; otherIndexes: number[] }>();
  for (const group of groups.values()) {
    if (group.count > 1) repeatsByIndex.set(group.first, { count: group.count, otherIndexes: group.otherIndexes });
  }
  return { representatives: [...failures, ...details], repeatsByIndex, errorLineCount, warningLineCount };
}

/** Lines chosen for the digest, with a running upper bound of their rendered size. */
class LineSelection {
  private readonly kept: Uint8Array;
  private used = 0;
  private readonly lines: readonly string[];
  private readonly opts: DigestOptions;
  private readonly repeats: ReadonlyMap<number, unknown>;
  private readonly budget: number;
  private readonly numberWidth: number;

  constructor(lines: readonly string[], opts: DigestOptions, repeats: ReadonlyMap<number, unknown>, budget: number) {
    this.lines = lines;
    this.opts = opts;
    this.repeats = repeats;
    this.budget = budget;
    this.kept = new Uint8Array(lines.length);
    this.numberWidth = String(lines.length).length;
  }

  has(index: number): boolean {
    return this.kept[index] === 1;
  }

  /** Keeps a line if the budget allows; true when it is kept. */
  add(index: number): boolean {
    if (index < 0 || index >= this.lines.length) return true;
    if (this.kept[index] === 1) return true;
    let cost = this.lineCost(index);
    if (this.repeats.has(index)) cost += REPEAT_NOTE_COST;
    const before = this.kept[index - 1] === 1;
    const after = this.kept[index + 1] === 1;
    if (!before && !after) cost += SEPARATOR_COST; // splits a gap in two
    if (before && after) cost -= SEPARATOR_COST; // closes a gap
    if (this.used + cost > this.budget) return false;
    this.kept[index] = 1;
    this.used += cost;
    return true;
  }

  /** Keeps lines [from, to), from the end backwards when `fromEnd`; false at the first that does not fit. */
  addRange(from: number, to: number, fromEnd = false): boolean {
    for (let k = 0; k < to - from; k++) {
      if (!this.add(fromEnd ? to - 1 - k : from + k)) return false;
    }
    return true;
  }

  /** Shows gaps of up to `maxLines` lines whose lines together cost less than the gap's separator. */
  fillSmallGaps(maxLines: number): void {
    let lastKept = -1;
    for (let i = 0; i < this.kept.length; i++) {
      if (this.kept[i] !== 1) continue;
      const gap = i - lastKept - 1;
      if (lastKept >= 0 && gap > 0 && gap <= maxLines) {
        let cost = 0;
        for (let j = lastKept + 1; j < i; j++) cost += this.lineCost(j);
        if (cost <= SEPARATOR_COST) for (let j = lastKept + 1; j < i; j++) this.add(j);
      }
      lastKept = i;
    }
  }

  private lineCost(index: number): number {
    return this.numberWidth + 3 + Math.min((this.lines[index] ?? "").length, this.opts.maxLineChars);
  }

  indexes(): number[] {
    const result: number[] = [];
    for (let i = 0; i < this.kept.length; i++) if (this.kept[i] === 1) result.push(i);
    return result;
  }
}

const REPEAT_NOTE_COST = 80;
const SMALL_GAP_LINES = 3;

function addContext(selection: LineSelection, errorIndexes: readonly number[], opts: DigestOptions): boolean {
  const reach = Math.max(opts.contextBefore, opts.contextAfter);
  for (let distance = 1; distance <= reach; distance++) {
    for (const index of errorIndexes) {
      if (distance <= opts.contextBefore && !selection.add(index - distance)) return false;
      if (distance <= opts.contextAfter && !selection.add(index + distance)) return false;
    }
  }
  return true;
}

function addStackFrames(selection: LineSelection, errorIndexes: readonly number[], classes: Uint8Array, reach: number): boolean {
  for (const index of errorIndexes) {
    for (let next = index + 1; next <= index + reach && next < classes.length; next++) {
      if (classes[next] === LineClass.location && !selection.add(next)) return false;
    }
  }
  return true;
}

function addWarnings(selection: LineSelection, lines: readonly string[], classes: Uint8Array): boolean {
  const seen = new Set<string>();
  for (let i = 0; i < lines.length && seen.size < MAX_WARNING_GROUPS; i++) {
    if (classes[i] !== LineClass.warning) continue;
    const key = lineFoldKey(lines[i] ?? "");
    if (seen.has(key)) continue;
    seen.add(key);
    if (!selection.add(i)) return false;
  }
  return true;
}

// ------------------------------------------------------------------ rendering

const count = (value: number): string => value.toLocaleString("en-US");

function renderFacts(facts: DigestFacts): string[] {
  const exit = facts.exitCode !== null ? `exit code ${facts.exitCode}` : facts.timedOut ? "killed: timed out" : "killed: no exit code";
  const parts = [exit, `${count(facts.lineCount)} lines, ${count(facts.byteCount)} bytes`];
  if (facts.durationMs !== undefined) parts.push(`${(facts.durationMs / 1000).toFixed(1)} s`);
  return [`$ ${clipLine(facts.command, MAX_COMMAND_CHARS)}`, parts.join(" | ")];
}

interface FoundCounts {
  errors: number;
  distinct: number;
  warnings: number;
}

function renderHeader(facts: DigestFacts, tests: TestSummary, found: FoundCounts, opts: DigestOptions): string {
  const lines = renderFacts(facts);
  lines.push(`full output saved to ${facts.savedPath} (grep -n PATTERN ${facts.savedPath}; sed -n 'FROM,TOp' ${facts.savedPath})`);
  if (tests.runner !== "unknown") lines.push(renderTestSummaryLine(tests));
  const counts = [`${count(found.errors)} error lines (${count(found.distinct)} distinct)`];
  if (found.warnings > 0) counts.push(`${count(found.warnings)} warning lines`);
  lines.push(`${counts.join(", ")}. Digest below, with line numbers; '>' marks error lines.`);
  if (found.errors === 0 && facts.exitCode !== 0) lines.push("No error line recognised: the cause is probably in the tail.");
  return clipLine(lines.join("\n"), Math.floor(opts.budgetChars / 4)) + "\n";
}

export function renderDigest(digest: Digest, options: Partial<DigestOptions> = {}): string {
  const opts = { ...defaultDigestOptions, ...options };
  if (digest.kind === "whole") return [...renderFacts(digest.facts), ...digest.lines].join("\n");
  const found = { errors: digest.errorLineCount, distinct: digest.distinctErrorLineCount, warnings: digest.warningLineCount };
  const out = [renderHeader(digest.facts, digest.tests, found, opts).trimEnd()];
  const width = String(digest.facts.lineCount).length;
  const body = renderShownLines(digest.shown, digest.facts.lineCount, width, opts);
  out.push(...body);
  out.push(...renderElisions(digest));
  const text = out.join("\n");
  return text.length <= opts.budgetChars ? text : clipLine(text, opts.budgetChars);
}

function renderShownLines(shown: readonly ShownLine[], lineCount: number, width: number, opts: DigestOptions): string[] {
  const out: string[] = [];
  const gap = (from: number, to: number): void => {
    if (to - from === 1) out.push(`${" ".repeat(width)}  ··· line ${count(to)} not shown ···`);
    if (to - from > 1) out.push(`${" ".repeat(width)}  ··· ${count(to - from)} lines not shown (${count(from + 1)}–${count(to)}) ···`);
  };
  let next = 0;
  let k = 0;
  while (k < shown.length) {
    const first = shown[k] as ShownLine;
    gap(next, first.index);
    out.push(renderLine(first, width, opts));
    // fold a run of consecutive lines that look the same
    const key = foldKey(first);
    let end = k + 1;
    let runCost = 0;
    while (end < shown.length) {
      const candidate = shown[end] as ShownLine;
      if (candidate.index !== (shown[end - 1] as ShownLine).index + 1 || candidate.repeats !== undefined || foldKey(candidate) !== key) break;
      runCost += renderLine(candidate, width, opts).length + 1;
      end++;
    }
    const last = shown[end - 1] as ShownLine;
    const note = `${" ".repeat(width)}  ⋮ ×${count(end - k - 1)} more like the line above (lines ${count(first.index + 2)}–${count(last.index + 1)})`;
    if (end - k > 2 && note.length + 1 < runCost) {
      out.push(note);
      k = end;
    } else {
      k++;
    }
    next = (shown[k - 1] as ShownLine).index + 1;
  }
  gap(next, lineCount);
  return out;
}

function foldKey(line: ShownLine): string {
  return line.isError ? `!${errorFoldKey(line.text)}` : lineFoldKey(line.text);
}

function renderLine(line: ShownLine, width: number, opts: DigestOptions): string {
  const number = String(line.index + 1).padStart(width);
  let text = `${number}${line.isError ? ">" : "|"} ${clipLine(line.text, opts.maxLineChars)}`;
  if (line.repeats !== undefined) {
    const others = line.repeats.otherIndexes.map((index) => count(index + 1)).join(", ");
    const more = line.repeats.count - 1 > line.repeats.otherIndexes.length ? ", …" : "";
    text += `   [×${count(line.repeats.count)} in all; also at lines ${others}${more}]`;
  }
  return text;
}

function renderElisions(digest: Extract<Digest, { kind: "digested" }>): string[] {
  const { elisions, facts } = digest;
  const notes: string[] = [];
  if (elisions.errorLinesNotShown > 0 && elisions.notShownRange !== null) {
    const [from, to] = elisions.notShownRange;
    notes.push(
      `!! ${count(elisions.errorLinesNotShown)} distinct error lines did not fit (between lines ${count(from + 1)} and ${count(to + 1)}): grep -nEi '${ERROR_GREP_PATTERN}' ${facts.savedPath}`,
    );
  }
  if (elisions.repeatedErrorLines > 0) notes.push(`${count(elisions.repeatedErrorLines)} repeated error lines folded into the first of each kind (see [×N]).`);
  if (elisions.contextTrimmed) notes.push(`Context around error lines was trimmed to fit; read more with sed -n 'FROM,TOp' ${facts.savedPath}`);
  return notes.length > 0 ? ["", ...notes] : [];
}
