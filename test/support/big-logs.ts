// The real ~100k-line logs of the hard shapes (test/fixtures/logs/big, made by
// make-big-logs.sh with the real tools: node:test, tsc, pytest, Maven, jest, vitest,
// cargo test, rspec, go test, Gradle), for each shape the lines a reader must find in
// its digest, and a 1M-line `go test -v` log built from real go output for the bench.

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
  { name: "jest-verbose", command: "npx jest --verbose --ci -i", mustKeep: /^\s*✕ |^\s*● |^FAIL |^\s*expect\(|^\s*[-+] |^\s*(?:Expected|Received):|Error\b.*:|^(?:Test Suites|Tests):.*failed/ },
  { name: "vitest-verbose", command: "vitest run --globals --reporter=verbose", mustKeep: /^\s*× |^\s*FAIL |^\s*[-+] |Error\b.*:|^\s*(?:Test Files|Tests) .*failed/ },
  { name: "cargo-test", command: "cargo test --no-fail-fast", mustKeep: / \.\.\. FAILED$|^---- |panicked at |^assertion |^called |^index out of bounds|^(?:  left| right): |^test result: FAILED|^error: / },
  { name: "rspec-documentation", command: "rspec --format documentation", mustKeep: /\(FAILED - \d+\)$|^\s+\d+\) \S|Failure\/Error:|^\s+(?:expected|got):|^\s+[-+]:|Error:$|undefined method|^\d+ examples?, \d+ failures?|^rspec \.\// },
  { name: "go-test-verbose", command: "go test -v ./...", mustKeep: /^\s*--- FAIL|_test\.go:\d+: |^\s*[-+] |^\s*panic: |^FAIL\b/ },
  { name: "gradle-test", command: "gradle --offline test", mustKeep: / > \S+ FAILED$|ComparisonFailure|^\s+(?:total|currency|country) |but was:<|NullPointerException|^\d+ tests completed|^:test FAILED|^FAILURE: |^\* What went wrong|^Execution failed|^> There were failing|BUILD FAILED/ },
];

export const BIG_LOG_NAMES = SHAPES.map((shape) => shape.name);

export function bigLog(name: string): BigLog {
  const shape = SHAPES.find((candidate) => candidate.name === name);
  if (shape === undefined) throw new Error(`no big log ${name}`);
  return {
    ...shape,
    output: gunzipSync(readFileSync(`${BIG}${name}.log.gz`)).toString("utf8"),
    exitCode: Number(readFileSync(`${BIG}${name}.exit`, "utf8").trim()),
  };
}

/**
 * `go test -v ./...` over many packages, about `lines` lines (the bench's 1M-line go log;
 * the real 100k-line one is big/go-test-verbose): passing `=== RUN`/`--- PASS`
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
  return { name: "go-test-verbose, built", command: "go test -v ./...", mustKeep: /^\s*--- FAIL|_test\.go:\d+: |^panic: |^FAIL\b/, output: `${out.join("\n")}\n`, exitCode: 1 };
}

/** The distinct lines of a log that its digest must show, trimmed (the digest folds lines equal but for indentation). */
export function mustKeepLines(log: BigLog): string[] {
  return [...new Set(outputLines(log.output).filter((line) => log.mustKeep.test(line)).map((line) => line.trim()))];
}
