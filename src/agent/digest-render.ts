// The digest as text: header, shown lines with their numbers (repeats folded), notes.

import type { Digest, DigestFacts, DigestOptions, ShownLine } from "./digest-types.ts";
import { clipLine, errorFoldKey, lineFoldKey } from "./output-text.ts";
import { renderTestSummaryLine, type TestSummary } from "./test-summary.ts";
import { renderTypeCheckLine, type TypeCheckSummary } from "./typecheck-summary.ts";
import { preciseDuration } from "../figures/duration.ts";
import { formatCount } from "../figures/count.ts";

export const ERROR_GREP_PATTERN = "error|fail|panic|fatal|exception|not ok|✕|×";
export const MAX_COMMAND_CHARS = 300;

function renderFacts(facts: DigestFacts): string[] {
  const exit = facts.exitCode !== null ? `exit code ${facts.exitCode}` : facts.timedOut ? "killed: timed out" : "killed: no exit code";
  const parts = [exit, `${formatCount(facts.lineCount)} lines, ${formatCount(facts.byteCount)} bytes`];
  if (facts.durationMs !== undefined) parts.push(preciseDuration(facts.durationMs));
  return [`$ ${clipLine(facts.command, MAX_COMMAND_CHARS)}`, parts.join(" | ")];
}

export interface FoundCounts {
  errors: number;
  distinct: number;
  warnings: number;
}

/** What the runners' own summaries said: the test run's counts, tsc's error count. */
export interface RunSummaries {
  tests: TestSummary;
  typeCheck: TypeCheckSummary | null;
}

export function renderHeader(facts: DigestFacts, summaries: RunSummaries, found: FoundCounts, opts: DigestOptions): string {
  const lines = renderFacts(facts);
  lines.push(`full output saved to ${facts.savedPath} (grep -n PATTERN ${facts.savedPath}; sed -n 'FROM,TOp' ${facts.savedPath})`);
  if (summaries.tests.runner !== "unknown") lines.push(renderTestSummaryLine(summaries.tests));
  if (summaries.typeCheck !== null) lines.push(renderTypeCheckLine(summaries.typeCheck));
  const counts = [`${formatCount(found.errors)} error lines (${formatCount(found.distinct)} distinct)`];
  if (found.warnings > 0) counts.push(`${formatCount(found.warnings)} warning lines`);
  lines.push(`${counts.join(", ")}. Digest below, with line numbers; '>' marks error lines.`);
  if (found.errors === 0 && facts.exitCode !== 0) lines.push("No error line recognised: the cause is probably in the tail.");
  return clipLine(lines.join("\n"), Math.floor(opts.budgetChars / 4)) + "\n";
}

/** The digest's text, not clipped to the budget (the caller checks the length). */
export function renderDigestText(digest: Digest, opts: DigestOptions): string {
  if (digest.kind === "whole") return [...renderFacts(digest.facts), ...digest.lines].join("\n");
  const found = { errors: digest.errorLineCount, distinct: digest.distinctErrorLineCount, warnings: digest.warningLineCount };
  const out = [renderHeader(digest.facts, { tests: digest.tests, typeCheck: digest.typeCheck }, found, opts).trimEnd()];
  const width = String(digest.facts.lineCount).length;
  const body = renderShownLines(digest.shown, digest.facts.lineCount, width, opts);
  out.push(...body);
  out.push(...renderElisions(digest));
  return out.join("\n");
}

function renderShownLines(shown: readonly ShownLine[], lineCount: number, width: number, opts: DigestOptions): string[] {
  const out: string[] = [];
  const gap = (from: number, to: number): void => {
    if (to - from === 1) out.push(`${" ".repeat(width)}  ··· line ${formatCount(to)} not shown ···`);
    if (to - from > 1) out.push(`${" ".repeat(width)}  ··· ${formatCount(to - from)} lines not shown (${formatCount(from + 1)}–${formatCount(to)}) ···`);
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
    // fold when first line + note + last line is shorter than the run
    const last = shown[end - 1] as ShownLine;
    const hidden = end - k - 2;
    const note = `${" ".repeat(width)}  ⋮ ×${formatCount(hidden)} more like these (lines ${formatCount(first.index + 2)}–${formatCount(last.index)})`;
    const lastLine = renderLine(last, width, opts);
    if (hidden >= 2 && note.length + lastLine.length + 2 < runCost) {
      out.push(note, lastLine);
    } else {
      for (let j = k + 1; j < end; j++) out.push(renderLine(shown[j] as ShownLine, width, opts));
    }
    k = end;
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
    const others = line.repeats.otherIndexes.map((index) => formatCount(index + 1)).join(", ");
    const more = line.repeats.count - 1 > line.repeats.otherIndexes.length ? ", …" : "";
    text += `   [×${formatCount(line.repeats.count)} in all; also at lines ${others}${more}]`;
  }
  return text;
}

function renderElisions(digest: Extract<Digest, { kind: "digested" }>): string[] {
  const { elisions, facts } = digest;
  const notes: string[] = [];
  if (elisions.errorLinesNotShown > 0 && elisions.notShownRange !== null) {
    const [from, to] = elisions.notShownRange;
    notes.push(
      `!! ${formatCount(elisions.errorLinesNotShown)} distinct error lines did not fit (between lines ${formatCount(from + 1)} and ${formatCount(to + 1)}): grep -nEi '${ERROR_GREP_PATTERN}' ${facts.savedPath}`,
    );
  }
  if (elisions.repeatedErrorLines > 0) notes.push(`${formatCount(elisions.repeatedErrorLines)} repeated error lines folded into the first of each kind (see [×N]).`);
  if (elisions.trimmed !== null) {
    const without = elisions.errorLinesWithoutFullContext;
    const detail = without > 0 ? ` (${formatCount(without)} error lines shown without all their context)` : "";
    notes.push(`Trimmed to fit: ${elisions.trimmed}${detail}. Read more with sed -n 'FROM,TOp' ${facts.savedPath}`);
  }
  return notes.length > 0 ? ["", ...notes] : [];
}
