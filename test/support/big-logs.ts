// The real ~100k-line logs of the hard shapes (test/fixtures/logs/big, made by
// make-big-logs.sh with the real tools), one built from real go output (no Go
// toolchain here), and for each shape the lines a reader must find in its digest.

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { outputLines } from "../../src/agent/output-text.ts";
import { fixtureLog, type FixtureLog } from "./synthetic-log.ts";

const BIG = fileURLToPath(new URL("../fixtures/logs/big/", import.meta.url));

export interface BigLog extends FixtureLog {
  name: string;
  command: string;
  /** Every distinct line matching this must be shown: failures, errors, assertion diffs, summary counters. */
  mustKeep: RegExp;
}

const SHAPES: ReadonlyArray<Omit<BigLog, "output" | "exitCode">> = [
  { name: "node-test-verbose", command: "node --test --test-reporter=spec", mustKeep: /^\s*✖ |Error\b.*:|^\s+[+-] +\S|^ℹ (?:tests|pass|fail) / },
  { name: "tsc-trace", command: "tsc -p . --pretty false --traceResolution", mustKeep: /error TS\d+/ },
  { name: "pytest-verbose", command: "python3 -m pytest -v", mustKeep: / (?:FAILED|ERROR)\b|^E |^=+ .*\d+ (?:failed|passed)|^_{3,} / },
  { name: "maven-surefire", command: "mvn -o -B test", mustKeep: /<<< (?:FAILURE|ERROR)!|expected: <|NullPointerException|^\[ERROR\] +Cart|Tests run: \d+, Failures: [1-9]|BUILD FAILURE/ },
];

export const BIG_LOG_NAMES = [...SHAPES.map((shape) => shape.name), "go-test-verbose"];

export function bigLog(name: string): BigLog {
  if (name === "go-test-verbose") return goTestVerbose(100_000);
  const shape = SHAPES.find((candidate) => candidate.name === name);
  if (shape === undefined) throw new Error(`no big log ${name}`);
  return {
    ...shape,
    output: gunzipSync(readFileSync(`${BIG}${name}.log.gz`)).toString("utf8"),
    exitCode: Number(readFileSync(`${BIG}${name}.exit`, "utf8").trim()),
  };
}

/**
 * `go test -v ./...` over many packages, about `lines` lines: passing `=== RUN`/`--- PASS`
 * pairs and the real failing blocks of go-test-verbose.log (go 1.19: a message printed
 * before its `--- FAIL`, a failing table subtest, a panic with its goroutine trace),
 * numbered so that each failure is distinct.
 */
export function goTestVerbose(lines: number): BigLog {
  const real = fixtureLog("go-test-verbose").output.trimEnd().split("\n");
  const failing = real.slice(real.indexOf("=== RUN   TestDiscountLarge"), real.indexOf("=== RUN   TestSkipped"));
  const panic = real.slice(real.indexOf("=== RUN   TestPanics"));
  const out: string[] = [];
  const packages = 40;
  const perPackage = Math.floor(lines / packages / 2);
  for (let p = 0; p < packages; p++) {
    const fails = p % 8 === 3;
    for (let t = 0; t < perPackage; t++) {
      if (fails && t === Math.floor(perPackage / 2)) out.push(...failing.map((line) => line.replace(/TestDiscount(\w+)/, `TestDiscount$1${p}`).replace(/shop_test\.go:(\d+)/, `shop${p}_test.go:$1`)));
      out.push(`=== RUN   TestHandler${t}`, `--- PASS: TestHandler${t} (0.00s)`);
    }
    if (p === packages - 1) out.push(...panic.map((line) => line.replace("example.com/gomod/shop", `example.com/gomod/pkg${p}`)));
    else out.push(fails ? "FAIL" : "PASS", `${fails ? "FAIL" : "ok  "}\texample.com/gomod/pkg${p}\t0.${String(10 + p).padStart(3, "0")}s`);
  }
  return { name: "go-test-verbose", command: "go test -v ./...", mustKeep: /^\s*--- FAIL|_test\.go:\d+: |^panic: |^FAIL\b/, output: `${out.join("\n")}\n`, exitCode: 1 };
}

/** The distinct lines of a log that its digest must show, trimmed (the digest folds lines equal but for indentation). */
export function mustKeepLines(log: BigLog): string[] {
  return [...new Set(outputLines(log.output).filter((line) => log.mustKeep.test(line)).map((line) => line.trim()))];
}
