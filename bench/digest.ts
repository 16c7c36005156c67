// npm run bench:digest — digestOutput on 10k, 100k and 1M-line logs built from real
// ones with real failures planted at seeded random positions. For each size: time,
// input and output size, and how many planted error lines survive, against a baseline
// measured in the same run: naive head+tail truncation to the same number of characters.

import { digestOutput } from "../src/agent/digest.ts";
import { fillerLines, syntheticLog } from "../test/support/synthetic-log.ts";

const SIZES = [10_000, 100_000, 1_000_000];
const FAILURES = 50;
const RUNS = 3;
const SEED = 20261125;

function headTail(output: string, chars: number): string {
  const half = Math.floor(chars / 2);
  return `${output.slice(0, half)}\n…\n${output.slice(output.length - half)}`;
}

/** Planted lines present as whole lines (a digest line is `  123> text`). */
function surviving(planted: readonly string[], text: string): number {
  const lines = new Set(text.split("\n").map((line) => line.replace(/^\s*\d+[>|] /, "").replace(/ {3}\[×[\d,]+ in all; also at lines [^\]]*\]$/, "")));
  return planted.filter((line) => lines.has(line)).length;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

const filler = fillerLines();
const fmt = (value: number): string => value.toLocaleString("en-US");
// warm up the JIT on a small log
digestOutput({ command: "npm test", exitCode: 1, output: syntheticLog({ lines: 5_000, failures: 5, seed: 1, filler }).output, savedPath: "/tmp/droid/out/0.log" });

const rows: string[][] = [];
for (const size of SIZES) {
  const log = syntheticLog({ lines: size, failures: FAILURES, seed: SEED, filler });
  const input = { command: "npm test", exitCode: 1, output: log.output, savedPath: "/tmp/droid/out/1.log" };
  const times: number[] = [];
  const splitTimes: number[] = [];
  let digest = "";
  for (let run = 0; run < RUNS; run++) {
    let start = performance.now();
    digest = digestOutput(input);
    times.push(performance.now() - start);
    start = performance.now();
    log.output.split("\n");
    splitTimes.push(performance.now() - start);
  }
  const baseline = headTail(log.output, digest.length);
  rows.push([
    fmt(log.lineCount),
    `${(log.output.length / 1e6).toFixed(1)} MB`,
    `${median(times).toFixed(0)} ms`,
    `${median(splitTimes).toFixed(0)} ms`,
    `${fmt(digest.length)} (≈${fmt(Math.ceil(digest.length / 4))} tokens)`,
    `${surviving(log.errorLines, digest)}/${log.errorLines.length}`,
    `${surviving(log.errorLines, baseline)}/${log.errorLines.length}`,
  ]);
}

const header = ["lines", "input", "digest time", "split only", "digest chars", "planted error lines kept", "head+tail baseline kept"];
const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)));
const print = (row: string[]): void => console.log(`| ${row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(" | ")} |`);
console.log(`digestOutput, budget 32,000 chars, ${FAILURES} real failure blocks planted (seed ${SEED}), median of ${RUNS} runs, Node ${process.version}\n`);
print(header);
print(widths.map((width) => "-".repeat(width)));
for (const row of rows) print(row);
