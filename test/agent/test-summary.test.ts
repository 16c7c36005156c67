import { describe, expect, it } from "vitest";
import { parseTestSummary, renderTestSummary, type TestSummary } from "../../src/agent/test-summary.ts";
import { fixtureLog, seededRandom } from "../support/synthetic-log.ts";

function summaryOf(name: string): TestSummary {
  const log = fixtureLog(name);
  return parseTestSummary(log.output, log.exitCode);
}

describe("parseTestSummary on real runner output", () => {
  it("reads vitest", () => {
    const expected: TestSummary = {
      runner: "vitest",
      ok: false,
      passed: 2,
      failed: 5,
      errors: 0,
      skipped: 1,
      packages: null,
      failures: [
        { name: "test/math.test.ts > add > adds large numbers", message: "AssertionError: expected 43 to be 42 // Object.is equality" },
        { name: "test/math.test.ts > parse > parses objects", message: "AssertionError: expected { n: 1 } to deeply equal { n: 2, extra: true }" },
        { name: "test/math.test.ts > parse > rejects garbage", message: "SyntaxError: Expected property name or '}' in JSON at position 1 (line 1 column 2)" },
        { name: "test/strings.test.ts > split", message: "AssertionError: expected [ 'a', 'b' ] to have a length of 3 but got 2" },
        { name: "test/strings.test.ts > lookup", message: "TypeError: Cannot read properties of undefined (reading 'v')" },
      ],
    };
    expect(summaryOf("vitest-failures")).toEqual(expected);
    expect(summaryOf("vitest-failures-color")).toEqual(expected);
  });

  it("reads jest", () => {
    expect(summaryOf("jest-failures")).toEqual({
      runner: "jest",
      ok: false,
      passed: 1,
      failed: 3,
      errors: 0,
      skipped: 1,
      packages: null,
      failures: [
        { name: "cart › applies discount", message: "expect(received).toBe(expected) // Object.is equality (Expected: 9, Received: 10)" },
        { name: "cart › keeps items", message: "expect(received).toEqual(expected) // deep equality" },
        { name: "reads config", message: "TypeError: Cannot read properties of null (reading 'port')" },
      ],
    });
  });

  it("reads pytest, counting setup errors as failures and saying how many were errors", () => {
    expect(summaryOf("pytest-failures")).toEqual({
      runner: "pytest",
      ok: false,
      passed: 2,
      failed: 5,
      errors: 1,
      skipped: 1,
      packages: null,
      failures: [
        { name: "test_inventory.py::test_restock_existing", message: "AssertionError: assert {'apple': 3} == {'apple': 4}" },
        { name: "test_inventory.py::test_price_unknown", message: "KeyError: 'kiwi'" },
        { name: "test_inventory.py::test_price[pear-5]", message: "AssertionError: assert 4 == 5" },
        { name: "test_inventory.py::test_price[apple-4]", message: "AssertionError: assert 3 == 4" },
        { name: "test_inventory.py::test_uses_db", message: "ConnectionError: database unavailable at localhost:5432" },
      ],
    });
  });

  it("reads cargo test, with the panic message of each failure", () => {
    expect(summaryOf("cargo-test-failures")).toEqual({
      runner: "cargo",
      ok: false,
      passed: 2,
      failed: 2,
      errors: 0,
      skipped: 1,
      packages: null,
      failures: [
        { name: "tests::parses_bad_pair", message: "called `Result::unwrap()` on an `Err` value: ParseIntError { kind: InvalidDigit }" },
        { name: "tests::mean_of_none_is_zero", message: "assertion `left == right` failed left: NaN right: 0.0" },
      ],
    });
  });

  it("reads go test, reporting the failing subtest rather than its parent", () => {
    const failures = [
      { name: "TestDiscountLarge", message: "Discount(200) = 190; want 180" },
      { name: "TestDiscountTable/case#02", message: "Discount(0) = 0; want 1" },
      { name: "TestPanics", message: "panic: assignment to entry in nil map" },
    ];
    expect(summaryOf("go-test-verbose")).toEqual({ runner: "go", ok: false, passed: 3, failed: 3, errors: 0, skipped: 1, packages: { ok: 0, failed: 1 }, failures });
    // Without -v go prints no passing tests: only failures can be counted.
    expect(summaryOf("go-test-failures")).toEqual({ runner: "go", ok: false, passed: 0, failed: 3, errors: 0, skipped: 0, packages: { ok: 0, failed: 1 }, failures });
  });

  it("reads node:test with the spec reporter, leaving out suites that failed only through a subtest", () => {
    expect(summaryOf("node-test-spec")).toEqual({
      runner: "node:test",
      ok: false,
      passed: 1,
      failed: 2,
      errors: 0,
      skipped: 1,
      packages: null,
      failures: [
        { name: "pops in order", message: "AssertionError [ERR_ASSERTION]: Expected values to be strictly deep-equal: + actual - expected" },
        { name: "throws a type error", message: "TypeError: Cannot read properties of undefined (reading 'length')" },
      ],
    });
  });

  it("reads TAP from node:test", () => {
    expect(summaryOf("node-test-tap")).toEqual({
      runner: "tap",
      ok: false,
      passed: 1,
      failed: 2,
      errors: 0,
      skipped: 1,
      packages: null,
      failures: [
        { name: "pops in order", message: "Expected values to be strictly deep-equal: + actual - expected" },
        { name: "throws a type error", message: "Cannot read properties of undefined (reading 'length')" },
      ],
    });
  });

  it("falls back to the exit code when no runner is recognised", () => {
    expect(summaryOf("tsc-errors")).toEqual({ runner: "unknown", ok: false, exitCode: 1 });
    expect(summaryOf("npm-install-jest")).toEqual({ runner: "unknown", ok: true, exitCode: 0 });
    expect(parseTestSummary("", null)).toEqual({ runner: "unknown", ok: false, exitCode: null });
  });

  it("is not ok when the runner reports no failure but the command failed", () => {
    const log = fixtureLog("vitest-failures");
    const passingOnly = log.output.replace(/Tests {2}5 failed \| 2 passed/, "Tests  0 failed | 7 passed");
    const summary = parseTestSummary(passingOnly, 1);
    expect(summary).toMatchObject({ runner: "vitest", ok: false, failed: 0, passed: 7 });
  });

  it("reads a passing TAP stream without summary comments by counting test points", () => {
    const tap = ["TAP version 13", "ok 1 - parses", "ok 2 - formats # SKIP no locale", "not ok 3 - rounds", "  ---", "  error: 'expected 2, got 3'", "  ...", "1..3"].join("\n");
    expect(parseTestSummary(tap, 1)).toEqual({ runner: "tap", ok: false, passed: 1, failed: 1, errors: 0, skipped: 1, packages: null, failures: [{ name: "rounds", message: "expected 2, got 3" }] });
  });
});

describe("parseTestSummary on a big go test log", () => {
  it("finds every one of the failing tests planted among 20,000 real-looking ones", () => {
    const random = seededRandom(42);
    const lines: string[] = [];
    const failing: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const name = `TestDiscount${i}`;
      lines.push(`=== RUN   ${name}`);
      if (random() < 0.004) {
        failing.push(name);
        lines.push(`    shop_test.go:${i}: Discount(${i}) = ${i + 1}; want ${i}`, `--- FAIL: ${name} (0.00s)`);
      } else {
        lines.push(`--- PASS: ${name} (0.00s)`);
      }
    }
    lines.push("FAIL", "FAIL\texample.com/gomod/shop\t0.412s", "FAIL");
    const summary = parseTestSummary(lines.join("\n"), 1);
    if (summary.runner === "unknown") throw new Error("expected go");
    expect(summary.failures.map((failure) => failure.name)).toEqual(failing);
    expect(summary.failures[0]?.message).toMatch(/^Discount\(\d+\) = \d+; want \d+$/);
    expect(summary).toMatchObject({ runner: "go", failed: failing.length, passed: 20_000 - failing.length });
  });
});

// two modules, each with its per-class line, its Results: list and its totals line
const MAVEN_REACTOR = [
  "[INFO] Tests run: 3, Failures: 1, Errors: 0, Skipped: 0, Time elapsed: 0.01 s <<< FAILURE! -- in a.CartTest",
  "[INFO] Results:",
  "[ERROR] Failures: ",
  "[ERROR]   CartTest.total:12 expected: <2> but was: <3>",
  "[ERROR] Tests run: 3, Failures: 1, Errors: 0, Skipped: 0",
  "[INFO] Tests run: 5, Failures: 0, Errors: 1, Skipped: 1, Time elapsed: 0.02 s -- in b.UserTest",
  "[INFO] Results:",
  "[ERROR] Errors: ",
  "[ERROR]   UserTest.name:7 NullPointer boom",
  "[ERROR] Tests run: 5, Failures: 0, Errors: 1, Skipped: 1",
  "[INFO] BUILD FAILURE",
].join("\n");

describe("parseTestSummary on runners that print several summaries", () => {
  it("sums Maven's totals over the reactor's modules, not adding the per-class lines", () => {
    const summary = parseTestSummary(MAVEN_REACTOR, 1);
    expect(summary).toMatchObject({ runner: "maven", ok: false, passed: 5, failed: 2, errors: 1, skipped: 1, packages: null });
    expect(summary.runner === "unknown" ? [] : summary.failures.map((failure) => `${failure.name}: ${failure.message}`)).toEqual(["CartTest.total: expected: <2> but was: <3>", "UserTest.name: NullPointer boom"]);
  });

  it("reads Maven's per-class lines when no totals line was printed", () => {
    const output = ["[INFO] Tests run: 3, Failures: 0, Errors: 0, Skipped: 0, Time elapsed: 0.01 s -- in a.CartTest", "[ERROR] Tests run: 2, Failures: 1, Errors: 0, Skipped: 0, Time elapsed: 0.01 s <<< FAILURE! -- in a.UserTest"].join("\n");
    expect(parseTestSummary(output, 1)).toMatchObject({ runner: "maven", passed: 4, failed: 1, errors: 0, skipped: 0 });
  });

  it("sums Gradle's test tasks and rspec's runs", () => {
    expect(parseTestSummary("12 tests completed, 2 failed, 1 skipped\n:test FAILED\n30 tests completed, 1 failed\n", 1)).toMatchObject({ runner: "gradle", passed: 38, failed: 3, skipped: 1 });
    expect(parseTestSummary("10 examples, 1 failure, 2 pending\n5 examples, 0 failures\n", 1)).toMatchObject({ runner: "rspec", passed: 12, failed: 1, skipped: 2 });
  });
});

describe("renderTestSummary", () => {
  it("lists each failing test with its message", () => {
    expect(renderTestSummary(summaryOf("cargo-test-failures"))).toBe(
      [
        "tests (cargo): 2 failed, 2 passed, 1 skipped (not ok)",
        "failing:",
        "- tests::parses_bad_pair: called `Result::unwrap()` on an `Err` value: ParseIntError { kind: InvalidDigit }",
        "- tests::mean_of_none_is_zero: assertion `left == right` failed left: NaN right: 0.0",
      ].join("\n"),
    );
  });

  it("caps the list and says how many more failed", () => {
    const rendered = renderTestSummary(summaryOf("pytest-failures"), 2);
    expect(rendered.split("\n")).toEqual([
      "tests (pytest): 4 failed, 1 error, 2 passed, 1 skipped (not ok)",
      "failing:",
      "- test_inventory.py::test_restock_existing: AssertionError: assert {'apple': 3} == {'apple': 4}",
      "- test_inventory.py::test_price_unknown: KeyError: 'kiwi'",
      "… and 3 more failing tests",
    ]);
  });

  it("says what the exit code said when the runner is unknown", () => {
    expect(renderTestSummary({ runner: "unknown", ok: false, exitCode: 2 })).toBe("tests: no known test runner output; the command exited with code 2");
  });
});
