import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { digestOutput } from "../../src/agent/digest.ts";
import { BIG_LOG_NAMES, bigLog } from "../support/big-logs.ts";
import { fixtureLog, type FixtureLog } from "../support/synthetic-log.ts";

const LOGS = fileURLToPath(new URL("../fixtures/logs/", import.meta.url));
const SMALL_LOG_NAMES = readdirSync(LOGS).filter((file) => file.endsWith(".log")).map((file) => file.slice(0, -".log".length));

// Written by reading each log's own summary (`zcat big/X.log.gz | tail -50`): the figures
// a developer reads there, as the digest's header must state them. `null`: the output is
// no test run, no type check and no failed build (an install, an uncaught error, warnings).
// go counts the failing leaf tests (a parent failing only through its subtest is not
// counted) and every `--- PASS` line, subtests included; its packages are the `ok`/`FAIL pkg` lines.
const SUMMARIES: Record<string, string[] | null> = {
  // ℹ pass 95993, ℹ fail 7
  "big/node-test-verbose": ["tests (node:test): 7 failed, 95,993 passed (not ok)"],
  // 5 `error TS` lines (--pretty false prints no `Found` line), each in its own file
  "big/tsc-trace": ["type check (tsc): 5 errors in 5 files"],
  // 5 failed, 59995 passed, 1 error in 33.48s
  "big/pytest-verbose": ["tests (pytest): 5 failed, 1 error, 59,995 passed (not ok)"],
  // Tests run: 4008, Failures: 4, Errors: 4, Skipped: 0 (and 400 per-class lines that must not be added)
  "big/maven-surefire": ["tests (maven): 4 failed, 4 errors, 4,000 passed (not ok)"],
  // Tests: 6 failed, 95994 passed, 96000 total
  "big/jest-verbose": ["tests (jest): 6 failed, 95,994 passed (not ok)"],
  // Tests  6 failed | 95994 passed (96000)
  "big/vitest-verbose": ["tests (vitest): 6 failed, 95,994 passed (not ok)"],
  // test result: FAILED. 44997 passed; 3 failed + 44998 passed; 2 failed + doc tests 0 passed; 0 failed
  "big/cargo-test": ["tests (cargo): 5 failed, 89,995 passed (not ok)"],
  // 96000 examples, 4 failures
  "big/rspec-documentation": ["tests (rspec): 4 failed, 95,996 passed (not ok)"],
  // 5 failing leaf tests (6 `--- FAIL` lines: TestTotals400 fails through TestTotals400/large), 49,648 `--- PASS`; 5 `FAIL pkg`, 35 `ok pkg`
  "big/go-test-verbose": ["tests (go): 5 failed, 49,648 passed; packages: 5 failed, 35 ok (not ok)"],
  // 4508 tests completed, 8 failed
  "big/gradle-test": ["tests (gradle): 8 failed, 4,500 passed (not ok)"],
  // error: could not compile `broken` (lib) due to 3 previous errors (all three under src/lib.rs)
  "cargo-build-errors": ["build (cargo): 3 errors in 1 file"],
  "cargo-build-warnings": null,
  // test result: FAILED. 2 passed; 2 failed; 1 ignored
  "cargo-test-failures": ["tests (cargo): 2 failed, 2 passed, 1 skipped (not ok)"],
  // # example.com/gomod/broken, then one `broken/broken.go:8:15:` error
  "go-build-errors": ["build (go): 1 error in 1 file"],
  // 3 failing leaf tests (no -v: nothing passing is printed), FAIL example.com/gomod/shop
  "go-test-failures": ["tests (go): 3 failed, 0 passed; packages: 1 failed, 0 ok (not ok)"],
  // --- PASS ×3, leaf --- FAIL ×3, --- SKIP ×1, FAIL example.com/gomod/shop
  "go-test-verbose": ["tests (go): 3 failed, 3 passed, 1 skipped; packages: 1 failed, 0 ok (not ok)"],
  // Tests: 3 failed, 1 skipped, 1 passed, 5 total
  "jest-failures": ["tests (jest): 3 failed, 1 passed, 1 skipped (not ok)"],
  // ℹ pass 1, ℹ fail 2, ℹ skipped 1
  "node-test-spec": ["tests (node:test): 2 failed, 1 passed, 1 skipped (not ok)"],
  // # pass 1, # fail 2, # skipped 1
  "node-test-tap": ["tests (tap): 2 failed, 1 passed, 1 skipped (not ok)"],
  "node-uncaught": null,
  "npm-ci-http": null,
  "npm-install-eresolve": null,
  "npm-install-etarget": null,
  "npm-install-jest": null,
  // 4 failed, 2 passed, 1 skipped, 1 error in 0.05s
  "pytest-failures": ["tests (pytest): 4 failed, 1 error, 2 passed, 1 skipped (not ok)"],
  "python-traceback": null,
  // Found 6 errors in 2 files.
  "tsc-errors-pretty": ["type check (tsc): 6 errors in 2 files"],
  // 6 `error TS` lines in src/cart.ts and src/user.ts
  "tsc-errors": ["type check (tsc): 6 errors in 2 files"],
  // Tests  5 failed | 2 passed | 1 skipped (8)
  "vitest-failures-color": ["tests (vitest): 5 failed, 2 passed, 1 skipped (not ok)"],
  "vitest-failures": ["tests (vitest): 5 failed, 2 passed, 1 skipped (not ok)"],
};

/** The header's summary lines of the log's digest (small logs are digested too, not returned whole). */
function headerSummaries(log: FixtureLog): string[] {
  const digest = digestOutput({ command: "run", exitCode: log.exitCode, output: log.output, savedPath: "/tmp/droid/out/1.log" }, { wholeMaxChars: 0 });
  const header = digest.slice(0, digest.indexOf("Digest below"));
  return header.split("\n").filter((line) => /^(?:tests|type check|build) \(/.test(line));
}

describe("the digest's header states each runner's own summary", () => {
  const corpus = [...BIG_LOG_NAMES.map((name) => `big/${name}`), ...SMALL_LOG_NAMES];

  it("has the figures of every log in the corpus, read by hand", () => {
    expect(Object.keys(SUMMARIES).sort()).toEqual([...corpus].sort());
  });

  it.each(corpus)("%s", (name) => {
    const log = name.startsWith("big/") ? bigLog(name.slice("big/".length)) : fixtureLog(name);
    expect(headerSummaries(log)).toEqual(SUMMARIES[name] ?? []);
  });
});
