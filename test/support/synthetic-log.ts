// Big logs built from real ones: filler lines taken from real passing output, and real
// failure blocks (copied from the logs in test/fixtures/logs, each made unique with a
// number) planted at random positions. Seeded, so a failure can be reproduced.

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const LOGS = fileURLToPath(new URL("../fixtures/logs/", import.meta.url));

export interface FixtureLog {
  output: string;
  exitCode: number;
}

export function fixtureLog(name: string): FixtureLog {
  return {
    output: readFileSync(`${LOGS}${name}.log`, "utf8"),
    exitCode: Number(readFileSync(`${LOGS}${name}.exit`, "utf8").trim()),
  };
}

/** A real failure, made unique by `k`: all its lines, and those that are error lines. */
interface PlantedFailure {
  lines: string[];
  errorLines: string[];
}

// Each block is copied from a real log in test/fixtures/logs (named in the comment).
const FAILURE_BLOCKS: ReadonlyArray<(k: number) => PlantedFailure> = [
  // tsc-errors.log
  (k) => {
    const error = `src/cart${k}.ts(5,3): error TS2322: Type 'string' is not assignable to type 'number'.`;
    return { lines: [error], errorLines: [error] };
  },
  // cargo-build-errors.log
  (k) => ({
    lines: [
      "error[E0308]: mismatched types",
      ` --> src/order${k}.rs:5:22`,
      "  |",
      "5 |     let id: String = order.id;",
      "  |             ------   ^^^^^^^^ expected `String`, found `u32`",
      "  |             |",
      "  |             expected due to this",
    ],
    errorLines: ["error[E0308]: mismatched types", ` --> src/order${k}.rs:5:22`],
  }),
  // go-test-failures.log
  (k) => ({
    lines: [`--- FAIL: TestDiscountLarge${k} (0.00s)`, `    shop_test.go:${k}: Discount(200) = 190; want 180`],
    errorLines: [`--- FAIL: TestDiscountLarge${k} (0.00s)`, `    shop_test.go:${k}: Discount(200) = 190; want 180`],
  }),
  // pytest-failures.log
  (k) => ({
    lines: [
      `______________________________ test_price_${k}[pear-5] ______________________________`,
      "",
      "item = 'pear', expected = 5",
      "",
      "    def test_price(item, expected):",
      ">       assert price(item) == expected",
      `E       AssertionError: assert 4 == ${k}`,
      "E        +  where 4 = price('pear')",
      "",
      "test_inventory.py:19: AssertionError",
    ],
    errorLines: [`______________________________ test_price_${k}[pear-5] ______________________________`, `E       AssertionError: assert 4 == ${k}`],
  }),
  // vitest-failures.log
  (k) => ({
    lines: [
      ` FAIL  test/math${k}.test.ts > add > adds large numbers`,
      `AssertionError: expected 43 to be ${k} // Object.is equality`,
      "",
      "- Expected",
      "+ Received",
      "",
      ` ❯ test/math${k}.test.ts:5:56`,
    ],
    errorLines: [` FAIL  test/math${k}.test.ts > add > adds large numbers`, `AssertionError: expected 43 to be ${k} // Object.is equality`],
  }),
  // jest-failures.log
  (k) => ({
    lines: [`  ● cart${k} › applies discount`, "", "    expect(received).toBe(expected) // Object.is equality", "", `    Expected: ${k}`, "    Received: 10"],
    errorLines: [`  ● cart${k} › applies discount`, "    expect(received).toBe(expected) // Object.is equality", `    Expected: ${k}`],
  }),
  // cargo-test-failures.log
  (k) => ({
    lines: [
      `---- tests::parses_bad_pair_${k} stdout ----`,
      "",
      `thread 'tests::parses_bad_pair_${k}' (6620) panicked at src/lib.rs:7:50:`,
      "called `Result::unwrap()` on an `Err` value: ParseIntError { kind: InvalidDigit }",
      "stack backtrace:",
      "   0: __rustc::rust_begin_unwind",
    ],
    errorLines: [`---- tests::parses_bad_pair_${k} stdout ----`, `thread 'tests::parses_bad_pair_${k}' (6620) panicked at src/lib.rs:7:50:`],
  }),
  // npm-install-etarget.log
  (k) => ({
    lines: ["npm error code ETARGET", `npm error notarget No matching version found for zod@0.0.${k}.`],
    errorLines: ["npm error code ETARGET", `npm error notarget No matching version found for zod@0.0.${k}.`],
  }),
  // node-test-tap.log
  (k) => ({
    lines: [`not ok ${k} - throws a type error`, "  ---", "  duration_ms: 1.471368", `  error: "Cannot read properties of undefined (reading 'length${k}')"`, "  ..."],
    errorLines: [`not ok ${k} - throws a type error`, `  error: "Cannot read properties of undefined (reading 'length${k}')"`],
  }),
];

/** Lines of real passing output (no failure in them) to pad a log with. */
export function fillerLines(): string[] {
  const npm = fixtureLog("npm-ci-http").output.split("\n").filter((line) => line !== "");
  const passing = [
    ...fixtureLog("go-test-verbose").output.split("\n").filter((line) => /^(?:=== RUN|\s*--- PASS)/.test(line)),
    ...fixtureLog("cargo-test-failures").output.split("\n").filter((line) => /^test \S+ \.\.\. ok$|Compiling|Finished|Running/.test(line)),
    ...fixtureLog("vitest-failures").output.split("\n").filter((line) => /✓/.test(line)),
    ...fixtureLog("pytest-failures").output.split("\n").slice(0, 4),
  ];
  return [...npm, ...passing];
}

export interface SyntheticLog {
  output: string;
  lineCount: number;
  /** Distinct error lines planted: each must be in the digest. */
  errorLines: string[];
  /** 0-based line index where each failure block was planted. */
  positions: number[];
}

/** A deterministic pseudo-random generator (mulberry32). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function syntheticLog(options: { lines: number; failures: number; seed: number; filler?: readonly string[] }): SyntheticLog {
  const random = seededRandom(options.seed);
  const filler = options.filler ?? fillerLines();
  const positions = new Set<number>();
  while (positions.size < options.failures) positions.add(Math.floor(random() * options.lines));
  const sorted = [...positions].sort((a, b) => a - b);
  const planted = new Map<number, PlantedFailure>();
  sorted.forEach((position, k) => {
    const block = FAILURE_BLOCKS[k % FAILURE_BLOCKS.length];
    if (block !== undefined) planted.set(position, block(1000 + k));
  });
  const out: string[] = [];
  const errorLines = new Set<string>();
  for (let i = 0; i < options.lines; i++) {
    const failure = planted.get(i);
    if (failure !== undefined) {
      out.push(...failure.lines);
      for (const line of failure.errorLines) errorLines.add(line);
    }
    out.push(filler[Math.floor(random() * filler.length)] ?? "");
  }
  return { output: `${out.join("\n")}\n`, lineCount: out.length, errorLines: [...errorLines], positions: sorted };
}
