// Which lines of a long output the digest shows: error lines first, then context,
// within a character budget tracked as an upper bound of the rendered size.

import type { DigestOptions, Repeats, TrimmedPart } from "./digest-types.ts";

export type { Repeats, TrimmedPart };
import { isErrorClass, LineClass } from "./line-classes.ts";
import { errorFoldKey, lineFoldKey } from "./output-text.ts";

/** Rendered size, newline included, of a gap line (`··· N lines not shown (a–b) ···`) at most. */
export function separatorCost(lineCount: number): number {
  const numberWidth = String(lineCount).length;
  const formattedWidth = lineCount.toLocaleString("en-US").length;
  return numberWidth + 31 + 3 * formattedWidth;
}
/** Rendered size of a repeat note (`[×N in all; also at lines …]`), at most. */
const REPEAT_NOTE_COST = 80;
const SMALL_GAP_LINES = 3;
const MAX_WARNING_GROUPS = 20;
const MAX_LISTED_REPEATS = 3;
/** Summary lines kept with the error lines, at most (the last ones: a runner prints its summary at the end). */
const MAX_SUMMARY_LINES = 60;
/** How far below an error line its block (diff, message, stack) is shown when the budget allows. */
const BLOCK_REACH = 60;
/** Blocks are looked for below this many distinct error lines at most (beyond, the budget is spent on the lines themselves). */
const MAX_BLOCKS = 500;

export interface Selection {
  indexes: number[];
  errorLinesNotShown: number;
  notShownRange: [number, number] | null;
  /** What the budget cut short, if anything: the first round that did not fit. */
  trimmed: TrimmedPart | null;
  /** Error lines shown without all of their context lines. */
  errorLinesWithoutFullContext: number;
}


export interface ErrorLines {
  /** First line of each distinct error, failures first, each group in line order. */
  representatives: number[];
  repeatsByIndex: Map<number, Repeats>;
  errorLineCount: number;
  warningLineCount: number;
  /** Runner summary lines (counters, result rules), kept with the error lines. */
  summaries: number[];
  /** For a distinct error line: the last line of its block (see `blockEnd`), when below it. */
  blockEnds: Map<number, number>;
}

export function groupErrorLines(lines: readonly string[], classes: Uint8Array): ErrorLines {
  const groups = new Map<string, { first: number; count: number; otherIndexes: number[] }>();
  const failures: number[] = [];
  const details: number[] = [];
  const summaries: number[] = [];
  let errorLineCount = 0;
  let warningLineCount = 0;
  for (let i = 0; i < lines.length; i++) {
    const lineClass = classes[i] as LineClass;
    if (lineClass === LineClass.warning) warningLineCount++;
    if (lineClass === LineClass.summary) summaries.push(i);
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
  const repeatsByIndex = new Map<number, Repeats>();
  for (const group of groups.values()) {
    if (group.count > 1) repeatsByIndex.set(group.first, { count: group.count, otherIndexes: group.otherIndexes });
  }
  const representatives = [...failures, ...details];
  const blockEnds = new Map<number, number>();
  for (const index of representatives.slice(0, MAX_BLOCKS)) {
    const end = blockEnd(lines, classes, index);
    if (end > index) blockEnds.set(index, end);
  }
  return { representatives, repeatsByIndex, errorLineCount, warningLineCount, summaries: summaries.slice(-MAX_SUMMARY_LINES), blockEnds };
}

/**
 * The last line of the block an error line opens: what follows it up to the next error
 * line, two blank lines, or the point where the output from before the error resumes
 * (a line shaped like the last ordinary line above it, e.g. the next `✔ test` or
 * `compiling module` line). At most `BLOCK_REACH` lines.
 */
function blockEnd(lines: readonly string[], classes: Uint8Array, index: number): number {
  let above = index - 1;
  while (above >= 0 && (isErrorClass(classes[above] as LineClass) || (lines[above] ?? "").trim() === "")) above--;
  const resumed = above >= 0 ? lineFoldKey(lines[above] ?? "") : null;
  let end = index;
  let blanks = 0;
  for (let j = index + 1; j < lines.length && j <= index + BLOCK_REACH; j++) {
    const lineClass = classes[j] as LineClass;
    if (lineClass === LineClass.failure) break;
    const line = lines[j] ?? "";
    if (line.trim() === "") {
      if (++blanks >= 2) break;
      continue;
    }
    blanks = 0;
    if (!isErrorClass(lineClass) && lineFoldKey(line) === resumed) break;
    end = j;
  }
  return end;
}

/**
 * Chooses the lines to show, in order of priority: every distinct error line
 * (failures first), a little head and tail, context nearest first, stack frames below
 * errors, more head and tail, warnings. Stops at the first line that does not fit.
 */
export function selectLines(lines: readonly string[], classes: Uint8Array, errors: ErrorLines, opts: DigestOptions, budget: number): Selection {
  const selection = new LineSelection(lines, opts, errors.repeatsByIndex, budget);
  const n = lines.length;
  for (const index of errors.representatives) selection.add(index);
  const shownErrors = errors.representatives.filter((index) => selection.has(index)).sort((a, b) => a - b);

  const rounds: Array<[TrimmedPart, () => boolean]> = [
    ["summary lines", () => errors.summaries.every((index) => selection.add(index))],
    ["head and tail", () => selection.addRange(Math.max(0, n - 5), n, true) && selection.addRange(0, Math.min(3, n))],
    ["context around error lines", () => addContext(selection, shownErrors, opts)],
    ["stack frames below error lines", () => addStackFrames(selection, shownErrors, classes, opts.stackLines)],
    ["the rest of each failure's block", () => addBlocks(selection, shownErrors, errors.blockEnds, opts.contextAfter)],
    ["head and tail", () => selection.addRange(Math.max(0, n - opts.tailLines), n, true) && selection.addRange(0, Math.min(opts.headLines, n))],
    ["warnings", () => addWarnings(selection, lines, classes)],
  ];
  const trimmed = rounds.find(([, round]) => !round())?.[0] ?? null;
  // A gap of a few short lines costs less shown than announced.
  selection.fillSmallGaps(SMALL_GAP_LINES);
  const errorLinesWithoutFullContext = shownErrors.filter((index) => !selection.hasRange(index - opts.contextBefore, index + opts.contextAfter + 1)).length;
  const notShown = errors.representatives.filter((index) => !selection.has(index));
  const notShownRange = notShown.reduce<[number, number] | null>((range, index) => (range === null ? [index, index] : [Math.min(range[0], index), Math.max(range[1], index)]), null);
  return { indexes: selection.indexes(), errorLinesNotShown: notShown.length, notShownRange, trimmed, errorLinesWithoutFullContext };
}

/** Lines chosen for the digest, with a running upper bound of their rendered size. */
class LineSelection {
  private readonly kept: Uint8Array;
  /** The kept indexes in the order they were kept (a few thousand at most, however long the output). */
  private readonly keptOrder: number[] = [];
  private used = 0;
  private readonly lines: readonly string[];
  private readonly opts: DigestOptions;
  private readonly repeats: ReadonlyMap<number, unknown>;
  private readonly budget: number;
  private readonly numberWidth: number;
  private readonly separatorCost: number;

  constructor(lines: readonly string[], opts: DigestOptions, repeats: ReadonlyMap<number, unknown>, budget: number) {
    this.lines = lines;
    this.opts = opts;
    this.repeats = repeats;
    this.budget = budget;
    this.kept = new Uint8Array(lines.length);
    this.numberWidth = String(lines.length).length;
    this.separatorCost = separatorCost(lines.length);
  }

  has(index: number): boolean {
    return this.kept[index] === 1;
  }

  /** Every line of [from, to) that exists is kept. */
  hasRange(from: number, to: number): boolean {
    for (let i = Math.max(0, from); i < Math.min(to, this.kept.length); i++) if (this.kept[i] !== 1) return false;
    return true;
  }

  /** Keeps a line if the budget allows; true when it is kept. */
  add(index: number): boolean {
    if (index < 0 || index >= this.lines.length) return true;
    if (this.kept[index] === 1) return true;
    let cost = this.lineCost(index);
    if (this.repeats.has(index)) cost += REPEAT_NOTE_COST;
    const before = this.kept[index - 1] === 1;
    const after = this.kept[index + 1] === 1;
    if (!before && !after) cost += this.separatorCost; // splits a gap in two
    if (before && after) cost -= this.separatorCost; // closes a gap
    if (this.used + cost > this.budget) return false;
    this.kept[index] = 1;
    this.keptOrder.push(index);
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

  /**
   * Shows gaps of up to `maxLines` lines: cheaper than announcing them when their
   * lines are short, and still worth it when the budget allows.
   */
  fillSmallGaps(maxLines: number): void {
    let lastKept = -1;
    for (const i of this.indexes()) {
      const gap = i - lastKept - 1;
      if (lastKept >= 0 && gap > 0 && gap <= maxLines) {
        for (let j = lastKept + 1; j < i; j++) if (!this.add(j)) break;
      }
      lastKept = i;
    }
  }

  private lineCost(index: number): number {
    return this.numberWidth + 3 + Math.min((this.lines[index] ?? "").length, this.opts.maxLineChars);
  }

  indexes(): number[] {
    return [...this.keptOrder].sort((a, b) => a - b);
  }
}

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

/** Widens the window below each error line to the end of its block, nearest lines first across all blocks. */
function addBlocks(selection: LineSelection, errorIndexes: readonly number[], blockEnds: ReadonlyMap<number, number>, from: number): boolean {
  const open = errorIndexes.filter((index) => (blockEnds.get(index) ?? index) > index + from);
  for (let distance = from + 1; distance <= BLOCK_REACH && open.length > 0; distance++) {
    for (const index of open) {
      if (index + distance <= (blockEnds.get(index) ?? index) && !selection.add(index + distance)) return false;
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
    if (classes[i + 1] === LineClass.location && !selection.add(i + 1)) return false;
  }
  return true;
}

