import { describe, expect, it } from "vitest";
import { buildDigest, type CommandOutput, digestOutput } from "../../src/agent/digest.ts";
import { BIG_LOG_NAMES, bigLog, mustKeepLines } from "../support/big-logs.ts";
import { fixtureLog, seededRandom, syntheticLog } from "../support/synthetic-log.ts";

const SAVED = "/tmp/droid/out/7.log";

function run(name: string, command: string): CommandOutput {
  const log = fixtureLog(name);
  return { command, exitCode: log.exitCode, output: log.output, savedPath: SAVED };
}

/** A digest's error lines are rendered `  12> text`. */
function shownErrorLines(digest: string): string[] {
  return digest.split("\n").flatMap((line) => {
    const match = /^\s*\d+> (.*?)(?: {3}\[×[\d,]+ in all; also at lines [^\]]*\])?$/.exec(line);
    return match === null ? [] : [match[1] ?? ""];
  });
}

// Written by reading each real log: the lines a developer needs to see the failure.
const MUST_KEEP: Record<string, { command: string; lines: string[] }> = {
  "tsc-errors": {
    command: "npx tsc -p . --pretty false",
    lines: [
      "src/cart.ts(2,25): error TS2307: Cannot find module './nowhere.js' or its corresponding type declarations.",
      "src/cart.ts(5,3): error TS2322: Type 'string' is not assignable to type 'number'.",
      "src/cart.ts(8,16): error TS2741: Property 'name' is missing in type '{ id: number; }' but required in type 'User'.",
      "src/user.ts(3,9): error TS2322: Type 'number' is not assignable to type 'string'.",
      "src/user.ts(4,26): error TS2551: Property 'nme' does not exist on type 'User'. Did you mean 'name'?",
      "src/user.ts(7,10): error TS18048: 'user.email' is possibly 'undefined'.",
    ],
  },
  "tsc-errors-pretty": {
    command: "npx tsc -p . --pretty true",
    lines: [
      "src/cart.ts:2:25 - error TS2307: Cannot find module './nowhere.js' or its corresponding type declarations.",
      "src/cart.ts:5:3 - error TS2322: Type 'string' is not assignable to type 'number'.",
      "src/cart.ts:8:16 - error TS2741: Property 'name' is missing in type '{ id: number; }' but required in type 'User'.",
      "src/user.ts:3:9 - error TS2322: Type 'number' is not assignable to type 'string'.",
      "src/user.ts:4:26 - error TS2551: Property 'nme' does not exist on type 'User'. Did you mean 'name'?",
      "src/user.ts:7:10 - error TS18048: 'user.email' is possibly 'undefined'.",
      "Found 6 errors in 2 files.",
    ],
  },
  "vitest-failures": {
    command: "npx vitest run",
    lines: [
      " FAIL  test/math.test.ts > add > adds large numbers",
      "AssertionError: expected 43 to be 42 // Object.is equality",
      " FAIL  test/math.test.ts > parse > parses objects",
      "AssertionError: expected { n: 1 } to deeply equal { n: 2, extra: true }",
      " FAIL  test/math.test.ts > parse > rejects garbage",
      "SyntaxError: Expected property name or '}' in JSON at position 1 (line 1 column 2)",
      " FAIL  test/strings.test.ts > split",
      "AssertionError: expected [ 'a', 'b' ] to have a length of 3 but got 2",
      " FAIL  test/strings.test.ts > lookup",
      "TypeError: Cannot read properties of undefined (reading 'v')",
      "      Tests  5 failed | 2 passed | 1 skipped (8)",
    ],
  },
  "jest-failures": {
    command: "npx jest --ci",
    lines: [
      "  ● cart › applies discount",
      "    expect(received).toBe(expected) // Object.is equality",
      "    Expected: 9",
      "    Received: 10",
      "  ● cart › keeps items",
      "    expect(received).toEqual(expected) // deep equality",
      "  ● reads config",
      "    TypeError: Cannot read properties of null (reading 'port')",
      "Tests:       3 failed, 1 skipped, 1 passed, 5 total",
    ],
  },
  "node-test-spec": {
    command: "node --test",
    lines: [
      "✖ pops in order",
      "  AssertionError [ERR_ASSERTION]: Expected values to be strictly deep-equal:",
      "✖ throws a type error",
      "  TypeError: Cannot read properties of undefined (reading 'length')",
    ],
  },
  "node-test-tap": {
    command: "node --test --test-reporter=tap",
    lines: ["    not ok 2 - pops in order", "not ok 2 - throws a type error", `  error: "Cannot read properties of undefined (reading 'length')"`],
  },
  "pytest-failures": {
    command: "python3 -m pytest",
    lines: [
      "E       ConnectionError: database unavailable at localhost:5432",
      "E       AssertionError: assert {'apple': 3} == {'apple': 4}",
      "E       KeyError: 'kiwi'",
      "E       AssertionError: assert 4 == 5",
      "E       AssertionError: assert 3 == 4",
      "FAILED test_inventory.py::test_restock_existing - AssertionError: assert {'ap...",
      "FAILED test_inventory.py::test_price_unknown - KeyError: 'kiwi'",
      "FAILED test_inventory.py::test_price[pear-5] - AssertionError: assert 4 == 5",
      "FAILED test_inventory.py::test_price[apple-4] - AssertionError: assert 3 == 4",
      "ERROR test_inventory.py::test_uses_db - ConnectionError: database unavailable...",
    ],
  },
  "cargo-test-failures": {
    command: "cargo test",
    lines: [
      "test tests::parses_bad_pair ... FAILED",
      "test tests::mean_of_none_is_zero ... FAILED",
      "called `Result::unwrap()` on an `Err` value: ParseIntError { kind: InvalidDigit }",
      "assertion `left == right` failed",
      "test result: FAILED. 2 passed; 2 failed; 1 ignored; 0 measured; 0 filtered out;",
    ],
  },
  "cargo-build-errors": {
    command: "cargo build",
    lines: [
      "error[E0308]: mismatched types",
      " --> src/lib.rs:5:22",
      "error[E0609]: no field `totl` on type `&Order`",
      " --> src/lib.rs:6:32",
      "error[E0425]: cannot find function `missing_fee` in this scope",
      "  --> src/lib.rs:10:51",
      "error: could not compile `broken` (lib) due to 3 previous errors",
    ],
  },
  "go-test-failures": {
    command: "go test ./shop/",
    lines: [
      "--- FAIL: TestDiscountLarge (0.00s)",
      "    shop_test.go:13: Discount(200) = 190; want 180",
      "    --- FAIL: TestDiscountTable/case#02 (0.00s)",
      "        shop_test.go:22: Discount(0) = 0; want 1",
      "--- FAIL: TestPanics (0.00s)",
      "panic: assignment to entry in nil map [recovered]",
      "FAIL\texample.com/gomod/shop\t",
    ],
  },
  "go-build-errors": { command: "go build ./broken/", lines: ["broken/broken.go:8:15: undefined: undefinedThing"] },
  "npm-install-eresolve": {
    command: "npm install react@18 react-dom@17",
    lines: ["npm error code ERESOLVE", "npm error ERESOLVE unable to resolve dependency tree", 'npm error peer react@"17.0.2" from react-dom@17.0.2'],
  },
  "python-traceback": {
    command: "python3 report.py",
    lines: [
      "Traceback (most recent call last):",
      "json.decoder.JSONDecodeError: Expecting property name enclosed in double quotes: line 2 column 1 (char 24)",
    ],
  },
  "node-uncaught": {
    command: "node server.mjs",
    lines: ["Error: ENOENT: no such file or directory, open './missing-settings.json'"],
  },
  "npm-install-etarget": {
    command: "npm install zod@0.0.999",
    lines: ["npm error code ETARGET", "npm error notarget No matching version found for zod@0.0.999."],
  },
};

describe("digestOutput on real logs", () => {
  for (const [name, expected] of Object.entries(MUST_KEEP)) {
    it(`returns the short ${name} log whole, under a header`, () => {
      const input = run(name, expected.command);
      const digest = digestOutput(input);
      const lineCount = input.output.split("\n").length - 1;
      expect(digest.split("\n").slice(0, 2)).toEqual([
        `$ ${expected.command}`,
        `exit code ${input.exitCode} | ${lineCount.toLocaleString("en-US")} lines, ${Buffer.byteLength(input.output).toLocaleString("en-US")} bytes`,
      ]);
      for (const line of expected.lines) expect(digest).toContain(line);
      expect(digest).not.toContain("\x1b");
    });

    it(`keeps every error line of ${name} when digesting it into 2,500 characters`, () => {
      const digest = digestOutput(run(name, expected.command), { wholeMaxChars: 0, budgetChars: 2_500 });
      expect(digest.length).toBeLessThanOrEqual(2_500);
      expect(digest).toContain(`full output saved to ${SAVED}`);
      const errorLines = shownErrorLines(digest);
      for (const line of expected.lines) expect(errorLines.some((shown) => shown.startsWith(line))).toBe(true);
    });
  }

  it("keeps the stack frames below an uncaught error as its context", () => {
    const digest = digestOutput(run("node-uncaught", "node server.mjs"), { wholeMaxChars: 0, headLines: 0, tailLines: 0, contextBefore: 0, contextAfter: 0 });
    expect(digest).toContain("    at loadSettings (file:///tmp/droid-logs/scripts/server.mjs:3:21)");
    expect(digest).toContain("    at file:///tmp/droid-logs/scripts/server.mjs:5:18");
  });

  it("strips colours from vitest output and reads its summary", () => {
    const digest = digestOutput(run("vitest-failures-color", "npx vitest run"), { wholeMaxChars: 0 });
    expect(digest).not.toContain("\x1b");
    expect(digest).toContain("tests (vitest): 5 failed, 2 passed, 1 skipped (not ok)");
    expect(shownErrorLines(digest)).toContain("AssertionError: expected 43 to be 42 // Object.is equality");
  });

  it("shows rustc warnings with their locations without counting them as errors", () => {
    const digest = digestOutput(run("cargo-build-warnings", "cargo build"), { wholeMaxChars: 0, headLines: 2, tailLines: 2 });
    expect(digest).toContain("exit code 0 | 35 lines");
    expect(digest).toContain("0 error lines (0 distinct), 5 warning lines.");
    expect(shownErrorLines(digest)).toEqual([]);
    expect(digest).toContain(" 2| warning: variable does not need to be mutable\n 3|  --> src/lib.rs:3:9");
    expect(digest).toContain("20| warning: unused variable: `factor`\n21|   --> src/lib.rs:10:9");
    expect(digest).toContain("34| warning: `warnings` (lib) generated 4 warnings");
  });

  it("digests a long successful npm install into its head and tail", () => {
    const input = run("npm-ci-http", "npm ci --loglevel=http");
    const lines = input.output.trimEnd().split("\n");
    const digest = digestOutput(input, { budgetChars: 4_000 });
    expect(digest.length).toBeLessThanOrEqual(4_000);
    expect(digest).toContain("exit code 0 | 536 lines");
    expect(digest).toContain(`  1| ${lines[0]}`);
    expect(digest).toContain(`536| ${lines[535]}`);
    expect(digest).toMatch(/··· [\d,]+ lines not shown \(\d+–\d+\) ···/);
    expect(digest).toContain("0 error lines (0 distinct)");
  });
});

describe("digestOutput on big logs made of real ones", () => {
  for (const seed of [1, 2, 3]) {
    it(`keeps all 40 planted failures of a 100,000-line log within 32,000 characters (seed ${seed})`, () => {
      const log = syntheticLog({ lines: 100_000, failures: 40, seed });
      const digest = digestOutput({ command: "npm test", exitCode: 1, output: log.output, savedPath: SAVED });
      expect(digest.length).toBeLessThanOrEqual(32_000);
      const shown = new Set(shownErrorLines(digest));
      expect(log.errorLines.filter((line) => !shown.has(line))).toEqual([]);
      expect(digest).toContain(`${(log.lineCount).toLocaleString("en-US")} lines`);
    });
  }

  it("honours a smaller budget without losing a failure", () => {
    const log = syntheticLog({ lines: 100_000, failures: 20, seed: 4 });
    const digest = digestOutput({ command: "make test", exitCode: 2, output: log.output, savedPath: SAVED }, { budgetChars: 8_000 });
    expect(digest.length).toBeLessThanOrEqual(8_000);
    const shown = new Set(shownErrorLines(digest));
    expect(log.errorLines.filter((line) => !shown.has(line))).toEqual([]);
  });

  it("drops context, never an error line, when error lines crowd the budget", () => {
    const log = syntheticLog({ lines: 100_000, failures: 150, seed: 5 });
    const digest = digestOutput({ command: "npm test", exitCode: 1, output: log.output, savedPath: SAVED });
    expect(digest.length).toBeLessThanOrEqual(32_000);
    const shown = new Set(shownErrorLines(digest));
    expect(log.errorLines.filter((line) => !shown.has(line))).toEqual([]);
    expect(digest).toMatch(new RegExp(`Trimmed to fit: context around error lines \\([\\d,]+ error lines shown without all their context\\)\\. Read more with sed -n 'FROM,TOp' ${SAVED}`));
  });

  it("counts the error lines that cannot fit at all and says how to grep for them", () => {
    const log = syntheticLog({ lines: 100_000, failures: 3_000, seed: 6 });
    const input = { command: "npm test", exitCode: 1, output: log.output, savedPath: SAVED };
    const digest = buildDigest(input);
    if (digest.kind !== "digested") throw new Error("expected a digest");
    const shownErrors = digest.shown.filter((line) => line.isError && line.repeats !== undefined).length;
    expect(digest.elisions.errorLinesNotShown).toBeGreaterThan(0);
    const distinctShown = new Set(digest.shown.filter((line) => line.isError).map((line) => line.text)).size;
    expect(distinctShown + digest.elisions.errorLinesNotShown).toBe(digest.distinctErrorLineCount);
    expect(shownErrors).toBeGreaterThan(0);
    const text = digestOutput(input);
    expect(text.length).toBeLessThanOrEqual(32_000);
    expect(text).toMatch(new RegExp(`!! ${digest.elisions.errorLinesNotShown.toLocaleString("en-US")} distinct error lines did not fit \\(between lines [\\d,]+ and [\\d,]+\\): grep -nEi '[^']+' ${SAVED}`));
  });

  it("shows failing test names before assertion details when not all error lines fit", () => {
    const log = syntheticLog({ lines: 50_000, failures: 3_000, seed: 8 });
    const digest = buildDigest({ command: "go test ./...", exitCode: 1, output: log.output, savedPath: SAVED });
    if (digest.kind !== "digested") throw new Error("expected a digest");
    const shown = new Set(digest.shown.map((line) => line.text));
    const goFailures = log.errorLines.filter((line) => line.startsWith("--- FAIL: "));
    const goMessages = log.errorLines.filter((line) => /^\s+shop_test\.go:\d+:/.test(line));
    const shownFailures = goFailures.filter((line) => shown.has(line)).length;
    const shownMessages = goMessages.filter((line) => shown.has(line)).length;
    expect(shownFailures).toBeGreaterThan(shownMessages);
  });
});

describe("folding repeated lines", () => {
  it("folds near-duplicate lines that differ only in numbers into one line and a count", () => {
    const progress = Array.from({ length: 5_000 }, (_, i) => `Downloading layer ${i}/5000 (${(i * 1.7).toFixed(1)} MB)`);
    const output = [...progress, "npm error code ETARGET", ...progress].join("\n");
    const digest = digestOutput({ command: "docker pull", exitCode: 1, output, savedPath: SAVED }, { headLines: 40, tailLines: 40 });
    expect(digest).toMatch(/ {4}1\| Downloading layer 0\/5000 \(0\.0 MB\)\n {7}⋮ ×3\d more like these \(lines 2–\d+\)\n {3}\d\d\| Downloading layer \d\d\/5000/);
    expect(shownErrorLines(digest)).toEqual(["npm error code ETARGET"]);
  });

  it("folds an error repeated with different timestamps, and says where the repeats are", () => {
    const random = seededRandom(11);
    const lines: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const time = new Date(Date.UTC(2026, 10, 25, 12, 0, 0, i * 37)).toISOString();
      lines.push(random() < 0.05 ? `${time} ERROR connection refused: db:5432` : `${time} INFO request served in ${Math.floor(random() * 90)}ms`);
    }
    const repeats = lines.filter((line) => line.includes("ERROR")).length;
    const digest = digestOutput({ command: "node server.js", exitCode: 1, output: lines.join("\n"), savedPath: SAVED });
    const annotated = digest.split("\n").filter((line) => line.includes(`ERROR connection refused: db:5432   [×${repeats.toLocaleString("en-US")} in all; also at lines`));
    expect(annotated).toHaveLength(1);
    expect(digest).toContain(`${repeats - 1} repeated error lines folded into the first of each kind (see [×N]).`);
  });

  it("never folds failing tests whose names differ only in a number", () => {
    const names = Array.from({ length: 300 }, (_, i) => `FAILED tests/test_api.py::test_endpoint[case${i}] - AssertionError: assert 500 == 200`);
    const filler = Array.from({ length: 20_000 }, (_, i) => `tests/test_api.py::test_other[${i}] PASSED`);
    const output = [...filler.slice(0, 10_000), ...names, ...filler.slice(10_000)].join("\n");
    const digest = digestOutput({ command: "pytest", exitCode: 1, output, savedPath: SAVED });
    const shown = new Set(shownErrorLines(digest));
    expect(names.filter((name) => !shown.has(name))).toEqual([]);
  });
});

describe("edge cases", () => {
  it("says when a command was killed on timeout", () => {
    const digest = digestOutput({ command: "sleep 999", exitCode: null, timedOut: true, durationMs: 600_000, output: "", savedPath: SAVED });
    expect(digest).toBe("$ sleep 999\nkilled: timed out | 0 lines, 0 bytes | 10 min 0 s");
  });

  it("points at the tail when a failing command printed no recognisable error", () => {
    const output = Array.from({ length: 3_000 }, (_, i) => `step ${i} done`).join("\n");
    const digest = digestOutput({ command: "./build.sh", exitCode: 3, output, savedPath: SAVED });
    expect(digest).toContain("No error line recognised: the cause is probably in the tail.");
    expect(digest).toContain("3000| step 2999 done");
  });

  it("shows the last state of a progress bar redrawn with carriage returns", () => {
    const digest = digestOutput({ command: "pip download x", exitCode: 0, output: "fetching\r 10%\r 50%\r100% done\nok\n", savedPath: SAVED });
    expect(digest.split("\n").slice(2)).toEqual(["100% done", "ok"]);
  });

  it("reads Windows line endings", () => {
    const output = `${Array.from({ length: 2_000 }, (_, i) => `step ${i}`).join("\r\n")}\r\nerror: disk full\r\n`;
    const digest = digestOutput({ command: "build.cmd", exitCode: 1, output, savedPath: SAVED });
    expect(digest).toContain("exit code 1 | 2,001 lines");
    expect(shownErrorLines(digest)).toEqual(["error: disk full"]);
    expect(digest).not.toContain("\r");
  });

  it("cuts a huge minified line in the middle and still marks it as an error", () => {
    const minified = `Error: boom at bundle.js:1:${"x".repeat(100_000)}`;
    const output = [...Array.from({ length: 1_000 }, (_, i) => `line ${i}`), minified].join("\n");
    const digest = digestOutput({ command: "node bundle.js", exitCode: 1, output, savedPath: SAVED });
    expect(digest.length).toBeLessThan(32_000);
    expect(digest).toMatch(/1001> Error: boom at bundle\.js:1:x+ …\[\d+ chars cut\]… x+/);
  });
});

/** The error lines shown in the digest of a big log, trimmed. */
function bigLogErrorLines(name: string): string[] {
  const log = bigLog(name);
  return shownErrorLines(digestOutput({ command: log.command, exitCode: log.exitCode, output: log.output, savedPath: SAVED })).map((line) => line.trim());
}

describe("digestOutput on real 100k-line logs of the hard shapes", () => {
  for (const name of BIG_LOG_NAMES) {
    it(`keeps every failure, error, assertion-diff and summary line of ${name} within 32,000 characters`, () => {
      const log = bigLog(name);
      const digest = digestOutput({ command: log.command, exitCode: log.exitCode, output: log.output, savedPath: SAVED });
      expect(digest.length).toBeLessThanOrEqual(32_000);
      const shown = new Set(digest.split("\n").map((line) => line.replace(/^\s*\d+[>|] /, "").replace(/ {3}\[×[\d,]+ in all; also at lines [^\]]*\]$/, "").trim()));
      expect(mustKeepLines(log).filter((line) => !shown.has(line))).toEqual([]);
    });
  }

  for (const name of BIG_LOG_NAMES) {
    it(`keeps them within 8,000 characters too (${name}): error lines first, context after`, () => {
      const log = bigLog(name);
      const digest = digestOutput({ command: log.command, exitCode: log.exitCode, output: log.output, savedPath: SAVED }, { budgetChars: 8_000 });
      expect(digest.length).toBeLessThanOrEqual(8_000);
      const shown = new Set(digest.split("\n").map((line) => line.replace(/^\s*\d+[>|] /, "").replace(/ {3}\[×[\d,]+ in all; also at lines [^\]]*\]$/, "").trim()));
      expect(mustKeepLines(log).filter((line) => !shown.has(line))).toEqual([]);
    });
  }

  it("marks each runner's failing-test lines, assertion values and diff lines as error lines", () => {
    const rspec = bigLogErrorLines("rspec-documentation");
    expect(rspec.filter((line) => /\(FAILED - \d\)$/.test(line))).toHaveLength(4);
    expect(rspec).toEqual(expect.arrayContaining(["undefined method `fetch' for nil:NilClass", "-:amount => 1,", "+:amount => 0,"]));
    expect(rspec.filter((line) => /^(?:expected|got): \{/.test(line))).toHaveLength(6);
    const cargo = bigLogErrorLines("cargo-test");
    expect(cargo.filter((line) => /^(?:left|right): Invoice \{/.test(line))).toHaveLength(6);
    expect(bigLogErrorLines("go-test-verbose")).toEqual(expect.arrayContaining(['-   "total": 29,', '+   "total": 26,', '-   "country": "DE"']));
    expect(bigLogErrorLines("gradle-test")).toEqual(expect.arrayContaining(["total 2[9", "country DE]> but was:<...line c 3 x 5", "country FR]>", "java.lang.NullPointerException", "Execution failed for task ':test'."]));
  });

  it("shows a node:assert diff longer than the context window whole, and the summary counters", () => {
    const log = bigLog("node-test-verbose");
    const digest = digestOutput({ command: log.command, exitCode: log.exitCode, output: log.output, savedPath: SAVED });
    expect(digest).toMatch(/> {5}\+ {3}total: 26\n.*> {5}- {3}total: 29/);
    expect(digest).toMatch(/\| ℹ tests 96000\n.*\| ℹ suites 2400\n.*\| ℹ pass 95993/);
  });

  it("marks pytest's per-test FAILED lines in the middle of verbose output as failures", () => {
    const log = bigLog("pytest-verbose");
    const errorLines = shownErrorLines(digestOutput({ command: log.command, exitCode: log.exitCode, output: log.output, savedPath: SAVED }));
    expect(errorLines.filter((line) => /^test_ledger\.py::test_entry\[\d+\] FAILED/.test(line))).toHaveLength(5);
  });
});
