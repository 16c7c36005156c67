// npm run bench:digest — the digest on real ~100k-line logs of the hard shapes
// (test/fixtures/logs/big: node:test spec, tsc --traceResolution, pytest -v, Maven
// surefire, jest --verbose, vitest verbose, cargo test, rspec documentation, go test -v,
// Gradle), on the 100k and 1M-line logs with real failure blocks planted, and on a
// 1M-line go test -v log built from real go output. For each: the lines a reader must find (failures,
// errors, assertion diffs, summary counters) kept, digest size and time, for this
// tree's digest and for the digest of the base commit (`git merge-base HEAD main`, or
// DIGEST_BASE), extracted to a temporary folder and measured in the same run.

import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { digestOutput } from "../src/agent/digest.ts";
import { BIG_LOG_NAMES, bigLog, goTestVerbose, mustKeepLines, type BigLog } from "../test/support/big-logs.ts";
import { fillerLines, syntheticLog } from "../test/support/synthetic-log.ts";

type Digester = typeof digestOutput;
const RUNS = 7;
const SEED = 20261125;

/** The base commit's digest, imported from its own copy of src (the digest imports src/figures too). */
async function baseDigester(): Promise<{ commit: string; digest: Digester; cleanup: () => void }> {
  const commit = process.env.DIGEST_BASE ?? execFileSync("git", ["merge-base", "HEAD", "main"], { encoding: "utf8" }).trim();
  const dir = mkdtempSync(join(tmpdir(), "droid-digest-base-"));
  execFileSync("sh", ["-c", `git archive ${commit} src | tar -x -C ${dir}`]);
  const module = (await import(join(dir, "src/agent/digest.ts"))) as { digestOutput: Digester };
  return { commit: commit.slice(0, 10), digest: module.digestOutput, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Lines shown by a digest (a digest line is `  123> text` or `  123| text`, maybe with a repeat note). */
function shownLines(digest: string): Set<string> {
  return new Set(digest.split("\n").map((line) => line.replace(/^\s*\d+[>|] /, "").replace(/ {3}\[×[\d,]+ in all; also at lines [^\]]*\]$/, "").trim()));
}

function measure(digest: Digester, log: BigLog, must: readonly string[]): { kept: number; chars: number; ms: number } {
  const input = { command: log.command, exitCode: log.exitCode, output: log.output, savedPath: "/tmp/droid/out/1.log" };
  const times: number[] = [];
  let text = "";
  for (let run = 0; run < RUNS; run++) {
    const start = performance.now();
    text = digest(input);
    times.push(performance.now() - start);
  }
  const shown = shownLines(text);
  return { kept: must.filter((line) => shown.has(line)).length, chars: text.length, ms: Math.min(...times) };
}

function planted(lines: number): BigLog {
  const log = syntheticLog({ lines, failures: 50, seed: SEED, filler: fillerLines() });
  const keep = new Set(log.errorLines);
  return { name: `planted failures, ${lines.toLocaleString("en-US")}`, command: "npm test", output: log.output, exitCode: 1, mustKeep: { test: (line: string) => keep.has(line) } as RegExp };
}

const fmt = (value: number): string => value.toLocaleString("en-US");
const base = await baseDigester();
try {
  const logs: BigLog[] = [...BIG_LOG_NAMES.map(bigLog), planted(100_000), planted(1_000_000), { ...goTestVerbose(1_000_000), name: "go-test-verbose (built), 1M" }];
  // warm up the JIT of both
  for (const digest of [base.digest, digestOutput]) digest({ command: "npm test", exitCode: 1, output: planted(5_000).output, savedPath: "/tmp/droid/out/0.log" });
  const rows: string[][] = [];
  for (const log of logs) {
    const must = mustKeepLines(log);
    const lineCount = log.output.split("\n").length - 1;
    const before = measure(base.digest, log, must);
    const after = measure(digestOutput, log, must);
    const per100k = (ms: number): string => `${((ms * 100_000) / lineCount).toFixed(0)}`;
    rows.push([
      log.name,
      fmt(lineCount),
      `${before.kept}/${must.length} → ${after.kept}/${must.length}`,
      `${fmt(before.chars)} → ${fmt(after.chars)}`,
      `${before.ms.toFixed(0)} → ${after.ms.toFixed(0)}`,
      `${per100k(before.ms)} → ${per100k(after.ms)}`,
    ]);
  }
  const header = ["log", "lines", "must-keep lines kept", "digest chars", "ms", "ms per 100k lines"];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)));
  const print = (row: string[]): void => console.log(`| ${row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(" | ")} |`);
  console.log(`digestOutput, budget 32,000 chars (≈8k tokens): base ${base.commit} → this tree, best of ${RUNS} runs (the machine is shared), Node ${process.version}\n`);
  print(header);
  print(widths.map((width) => "-".repeat(width)));
  for (const row of rows) print(row);
} finally {
  base.cleanup();
}
