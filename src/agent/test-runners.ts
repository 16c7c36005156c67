// One parser per test runner's console output. Each is a single linear pass; the
// runner is chosen by the summary markers it prints. Longer than most files (~500
// lines) because it is a table of ten small parsers kept side by side with the
// counting helpers they share; a new runner is one more entry here.

import { clipLine } from "./output-text.ts";

export type TestRunner = "vitest" | "jest" | "pytest" | "go" | "cargo" | "node:test" | "tap" | "rspec" | "maven" | "gradle";

export interface RunnerCounts {
  runner: TestRunner;
  passed: number;
  /** Tests that did not pass, errors included. */
  failed: number;
  /** How many of `failed` the runner counts as errors rather than failures (pytest `error`, surefire `Errors:`). */
  errors: number;
  skipped: number;
  /** go test's per-package verdicts (`ok  pkg 0.1s`, `FAIL pkg 0.1s`); null for the other runners. */
  packages: PackageCounts | null;
  failures: Array<{ name: string; message: string }>;
}

export interface PackageCounts {
  ok: number;
  failed: number;
}

type Lines = readonly string[];

// Markers, most specific first: the first runner with a marker in the output wins.
const MARKERS: ReadonlyArray<[TestRunner, RegExp]> = [
  ["vitest", /^\s*(?:Test Files\s+\d|RUN\s+v\d+\.\d+)/],
  ["jest", /^(?:Tests:\s+.*\btotal$|Test Suites:\s)/],
  ["pytest", /^=+ (?:test session starts|.*\b(?:passed|failed|skipped|errors?|no tests ran)\b.* in [\d.]+m?s\b.*)=+$/],
  ["cargo", /^test result: (?:ok|FAILED)\./],
  ["node:test", /^ℹ (?:tests|pass|fail) \d+$/],
  ["tap", /^(?:TAP version \d+|# (?:tests|pass|fail) \d+)$/],
  ["rspec", /^\d+ examples?, \d+ failures?\b/],
  ["maven", /^\[(?:INFO|ERROR|WARNING)\] Tests run: \d+, Failures: \d+, Errors: \d+, Skipped: \d+/],
  ["gradle", /^\d+ tests? completed, \d+ failed\b/],
  ["go", /^(?:(?:ok|FAIL)\s+\S+\s+(?:[\d.]+s|\(cached\)|\[)|\s*--- (?:FAIL|PASS|SKIP): |=== RUN )/],
];

const PARSERS: Record<TestRunner, (lines: Lines) => RunnerCounts> = {
  vitest: parseVitest,
  jest: parseJest,
  pytest: parsePytest,
  cargo: parseCargo,
  "node:test": parseNodeTestSpec,
  tap: parseTap,
  rspec: parseRspec,
  maven: parseMaven,
  gradle: parseGradle,
  go: parseGoTest,
};

// Every marker starts like this: a cheap test before the ten real ones.
const MARKER_START = /^\s*(?:Test|RUN\s|=|test result|ℹ|TAP|# |ok\s|FAIL|---|\d+ (?:tests? completed|examples?,)|\[(?:INFO|ERROR|WARNING)\] Tests run:)/;
/** Per marker (in MARKERS order), the characters its line can start with after blanks: only those markers are tried. */
const MARKER_FIRST: readonly (readonly number[])[] = ["TR", "T", "=", "t", "ℹ", "T#", "0123456789", "[", "0123456789", "oF-="].map((chars) => [...chars].map((char) => char.charCodeAt(0)));
const PYTEST_MARKER = MARKERS.findIndex(([runner]) => runner === "pytest");
const SPACE = 32;
const ASCII_END = 127;

/** The first character that is not a blank, as a code (NaN for a blank line). */
function firstNonBlank(line: string): number {
  const code = line.charCodeAt(0);
  return code > SPACE && code < ASCII_END ? code : line.trimStart().charCodeAt(0);
}

export function detectRunner(lines: Lines): TestRunner | null {
  // The first marker in MARKERS order wins: once one is found, only those before it are tried.
  let best = MARKERS.length;
  for (const line of lines) {
    if (best === 0) break;
    if (!MARKER_START.test(line)) continue;
    const first = firstNonBlank(line);
    for (let k = 0; k < best; k++) {
      if (!(MARKER_FIRST[k] as readonly number[]).includes(first)) continue;
      if (k === PYTEST_MARKER && !line.endsWith("=")) continue;
      if ((MARKERS[k] as [TestRunner, RegExp])[1].test(line)) {
        best = k;
        break;
      }
    }
  }
  return MARKERS[best]?.[0] ?? null;
}

export function parseRunnerOutput(lines: Lines): RunnerCounts | null {
  const runner = detectRunner(lines);
  return runner === null ? null : PARSERS[runner](lines);
}

// ------------------------------------------------------------------ helpers

const MAX_MESSAGE_CHARS = 300;

/** `(\d+) word` pairs of a summary line, e.g. `5 failed | 2 passed` → {failed: 5, passed: 2}. */
function countsIn(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const match of text.matchAll(/(\d+) (\w+)/g)) {
    const word = match[2] ?? "";
    counts.set(word, (counts.get(word) ?? 0) + Number(match[1]));
  }
  return counts;
}

const get = (counts: Map<string, number>, ...words: string[]): number => words.reduce((sum, word) => sum + (counts.get(word) ?? 0), 0);

/** The first non-blank line at or after `from` (and before `stop` matches), with a message ending in ':' joined to its next line. */
function messageFrom(lines: Lines, from: number, stop: RegExp, strip: RegExp = /^\s+/): string {
  for (let i = from; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (stop.test(line)) return "";
    const text = line.replace(strip, "").trim();
    if (text === "") continue;
    if (text.endsWith(":")) {
      for (let j = i + 1; j < lines.length && j < i + 4; j++) {
        const next = (lines[j] ?? "").replace(strip, "").trim();
        if (next !== "") return clipLine(`${text} ${next}`, MAX_MESSAGE_CHARS);
      }
    }
    return clipLine(text, MAX_MESSAGE_CHARS);
  }
  return "";
}

function unique(failures: RunnerCounts["failures"]): RunnerCounts["failures"] {
  const seen = new Set<string>();
  return failures.filter((failure) => !seen.has(failure.name) && seen.add(failure.name));
}

// ------------------------------------------------------------------ vitest

// A verbose per-test line: `✓` passed, `×` failed, `↓` skipped.
const VITEST_TICK = /^\s+([✓×↓]) /;

function parseVitest(lines: Lines): RunnerCounts {
  let counts: Map<string, number> | null = null;
  const ticks = { passed: 0, failed: 0, skipped: 0 };
  const failures: RunnerCounts["failures"] = [];
  let pending: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const tick = VITEST_TICK.exec(line);
    if (tick !== null) {
      if (tick[1] === "✓") ticks.passed++;
      else if (tick[1] === "×") ticks.failed++;
      else ticks.skipped++;
    } else {
      const summary = /^\s*Tests\s+(.*)\(\d+\)\s*$/.exec(line);
      if (summary !== null) counts = countsIn(summary[1] ?? "");
      const fail = /^\s*FAIL\s+(.+?)\s*$/.exec(line);
      if (fail !== null) {
        pending.push(fail[1] ?? "");
        continue;
      }
    }
    if (pending.length > 0 && line.trim() !== "") {
      const message = messageFrom(lines, i, /^\s*FAIL\s/);
      for (const name of pending) failures.push({ name, message });
      pending = [];
    }
  }
  for (const name of pending) failures.push({ name, message: "" });
  if (counts === null) return { runner: "vitest", ...ticks, errors: 0, packages: null, failures: unique(failures) };
  return {
    runner: "vitest",
    passed: get(counts, "passed"),
    failed: get(counts, "failed"),
    errors: 0,
    skipped: get(counts, "skipped", "todo"),
    packages: null,
    failures: unique(failures),
  };
}

// ------------------------------------------------------------------ jest

function parseJest(lines: Lines): RunnerCounts {
  let counts = new Map<string, number>();
  const failures: RunnerCounts["failures"] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const summary = /^Tests:\s+(.*)$/.exec(line);
    if (summary !== null) counts = countsIn(summary[1] ?? "");
    const header = /^\s*● (.+)$/.exec(line);
    if (header === null || /^Console\b/.test(header[1] ?? "")) continue;
    let message = messageFrom(lines, i + 1, /^\s*● /);
    const values: string[] = [];
    for (let j = i + 1; j < lines.length && j < i + 12; j++) {
      const value = /^\s*((?:Expected|Received)(?: \w+)?: .*)$/.exec(lines[j] ?? "");
      if (value !== null) values.push((value[1] ?? "").trim());
    }
    if (values.length > 0) message = clipLine(`${message} (${values.join(", ")})`, MAX_MESSAGE_CHARS);
    failures.push({ name: (header[1] ?? "").trim(), message });
  }
  return {
    runner: "jest",
    passed: get(counts, "passed"),
    failed: get(counts, "failed"),
    errors: 0,
    skipped: get(counts, "skipped", "todo"),
    packages: null,
    failures: unique(failures),
  };
}

// ------------------------------------------------------------------ pytest

function parsePytest(lines: Lines): RunnerCounts {
  let counts = new Map<string, number>();
  const sectionMessages = new Map<string, string>();
  const listed: RunnerCounts["failures"] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const summary = /^=+ (.*\b(?:passed|failed|skipped|errors?|no tests ran)\b.*) in [\d.]+m?s\b.*=+$/.exec(line);
    if (summary !== null) counts = countsIn(summary[1] ?? "");
    const section = /^_{3,} (.+?) _{3,}$/.exec(line);
    if (section !== null) {
      sectionMessages.set(section[1] ?? "", sectionMessage(lines, i + 1));
      continue;
    }
    const short = /^(FAILED|ERROR) (\S+)(?: - (.*))?$/.exec(line);
    if (short !== null) listed.push({ name: short[2] ?? "", message: (short[3] ?? "").trim() });
  }
  const failures = listed.map(({ name, message }) => {
    const test = name.split("::").pop() ?? name;
    const fromSection = sectionMessages.get(test) ?? sectionMessages.get(`ERROR at setup of ${test}`) ?? sectionMessages.get(`ERROR at teardown of ${test}`);
    return { name, message: fromSection !== undefined && fromSection !== "" ? fromSection : message };
  });
  if (failures.length === 0) {
    for (const [name, message] of sectionMessages) failures.push({ name, message });
  }
  return {
    runner: "pytest",
    passed: get(counts, "passed"),
    failed: get(counts, "failed", "error", "errors"),
    errors: get(counts, "error", "errors"),
    skipped: get(counts, "skipped", "xfailed"),
    packages: null,
    failures: unique(failures),
  };
}

/** The first `E   ` line of a failure section, or the `file.py:N: Exception` line when there is none. */
function sectionMessage(lines: Lines, from: number): string {
  let location = "";
  for (let i = from; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (/^(?:_{3,} .+ _{3,}|={3,} .* ={3,})$/.test(line)) break;
    if (/^E\s+\S/.test(line)) return clipLine(line.replace(/^E\s+/, "").trim(), MAX_MESSAGE_CHARS);
    const at = /^\S+\.py:\d+: (\w+)$/.exec(line);
    if (at !== null && location === "") location = at[1] ?? "";
  }
  return location;
}

// ------------------------------------------------------------------ cargo test

function parseCargo(lines: Lines): RunnerCounts {
  const totals = { passed: 0, failed: 0, skipped: 0 };
  const names: string[] = [];
  const messages = new Map<string, string>();
  let section: string | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const result = /^test result: \w+\. (.*)$/.exec(line);
    if (result !== null) {
      const counts = countsIn(result[1] ?? "");
      totals.passed += get(counts, "passed");
      totals.failed += get(counts, "failed");
      totals.skipped += get(counts, "ignored");
      continue;
    }
    const failed = /^test (\S+)(?: - should panic)? \.\.\. FAILED$/.exec(line);
    if (failed !== null) names.push(failed[1] ?? "");
    const header = /^---- (\S+) stdout ----$/.exec(line);
    if (header !== null) section = header[1] ?? "";
    if (section !== null && !messages.has(section) && /panicked at /.test(line)) {
      messages.set(section, panicMessage(lines, i));
    }
  }
  return { runner: "cargo", ...totals, errors: 0, packages: null, failures: unique(names.map((name) => ({ name, message: messages.get(name) ?? "" }))) };
}

/** Rust ≥1.73 prints the panic message on the lines after `panicked at file:l:c:`; older versions inline it. */
function panicMessage(lines: Lines, at: number): string {
  const line = lines[at] ?? "";
  const inline = /panicked at '(.*)', \S+:\d+:\d+$/.exec(line);
  if (inline !== null) return clipLine(inline[1] ?? "", MAX_MESSAGE_CHARS);
  const parts: string[] = [];
  for (let i = at + 1; i < lines.length && i <= at + 3; i++) {
    const next = lines[i] ?? "";
    if (next.trim() === "" || /^(?:stack backtrace:|note: )/.test(next)) break;
    parts.push(next.trim());
  }
  return clipLine(parts.join(" "), MAX_MESSAGE_CHARS);
}

// ------------------------------------------------------------------ rspec

/** Counts summed over every `N examples, F failures, P pending` line (one per rspec run); failures from the `  1) name` blocks. */
function parseRspec(lines: Lines): RunnerCounts {
  const totals = { examples: 0, failed: 0, skipped: 0 };
  const failures: RunnerCounts["failures"] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const summary = /^(\d+) examples?, (\d+) failures?(?:, (\d+) pending)?/.exec(line);
    if (summary !== null) {
      totals.examples += Number(summary[1]);
      totals.failed += Number(summary[2]);
      totals.skipped += Number(summary[3] ?? 0);
      continue;
    }
    const failure = /^ {2}\d+\) (.+)$/.exec(line);
    if (failure === null) continue;
    // The `Failure/Error:` line quotes the code; the message is the first line after it.
    const code = /^\s+Failure\/Error: /.test(lines[i + 1] ?? "") ? i + 2 : i + 1;
    failures.push({ name: (failure[1] ?? "").trim(), message: messageFrom(lines, code, /^ {2}\d+\) |^\s+# /) });
  }
  return { runner: "rspec", passed: totals.examples - totals.failed - totals.skipped, failed: totals.failed, errors: 0, skipped: totals.skipped, packages: null, failures: unique(failures) };
}

// ------------------------------------------------------------------ Maven surefire

const SUREFIRE_COUNTS = /^\[(?:INFO|ERROR|WARNING)\] Tests run: (\d+), Failures: (\d+), Errors: (\d+), Skipped: (\d+)(.*)$/;

/**
 * Each module's totals line (`Tests run: N, Failures: F, Errors: E, Skipped: S` with no
 * `Time elapsed`, after its `Results:`) summed over the reactor; the per-class lines only
 * when no totals line was printed. Failures from the `Results:` lists.
 */
function parseMaven(lines: Lines): RunnerCounts {
  const totals = { run: 0, failures: 0, errors: 0, skipped: 0 };
  const perClass = { run: 0, failures: 0, errors: 0, skipped: 0 };
  let sawTotals = false;
  let inResults = false;
  const failures: RunnerCounts["failures"] = [];
  for (const line of lines) {
    if (line.charCodeAt(0) !== 91 /* [ */) continue;
    const counts = SUREFIRE_COUNTS.exec(line);
    if (counts !== null) {
      const isClass = /Time elapsed/.test(counts[5] ?? "");
      const into = isClass ? perClass : totals;
      into.run += Number(counts[1]);
      into.failures += Number(counts[2]);
      into.errors += Number(counts[3]);
      into.skipped += Number(counts[4]);
      if (!isClass) {
        sawTotals = true;
        inResults = false;
      }
      continue;
    }
    if (/^\[(?:INFO|ERROR|WARNING)\] Results:$/.test(line)) inResults = true;
    const listed = inResults ? /^\[(?:ERROR|WARNING)\] {3}(\S+?)(?::\d+)? (.+)$/.exec(line) : null;
    if (listed !== null) failures.push({ name: listed[1] ?? "", message: clipLine((listed[2] ?? "").trim(), MAX_MESSAGE_CHARS) });
  }
  const sum = sawTotals ? totals : perClass;
  const failed = sum.failures + sum.errors;
  return { runner: "maven", passed: sum.run - failed - sum.skipped, failed, errors: sum.errors, skipped: sum.skipped, packages: null, failures: unique(failures) };
}

// ------------------------------------------------------------------ Gradle

/** Counts summed over every `N tests completed, F failed, S skipped` line (one per test task); failures from `Class > test FAILED`. */
function parseGradle(lines: Lines): RunnerCounts {
  const totals = { completed: 0, failed: 0, skipped: 0 };
  const failures: RunnerCounts["failures"] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (!line.endsWith("FAILED") && !/^\d/.test(line)) continue;
    const summary = /^(\d+) tests? completed, (\d+) failed(?:, (\d+) skipped)?/.exec(line);
    if (summary !== null) {
      totals.completed += Number(summary[1]);
      totals.failed += Number(summary[2]);
      totals.skipped += Number(summary[3] ?? 0);
      continue;
    }
    const failure = /^(\S+ > .+) FAILED$/.exec(line);
    if (failure !== null) failures.push({ name: failure[1] ?? "", message: messageFrom(lines, i + 1, /^\S/) });
  }
  return { runner: "gradle", passed: totals.completed - totals.failed - totals.skipped, failed: totals.failed, errors: 0, skipped: totals.skipped, packages: null, failures: unique(failures) };
}

// ------------------------------------------------------------------ go test

// Every line the go parser reads starts like this.
const GO_LINE = /^(?:=== |--- |\s|panic: |FAIL|ok\s|[^\s:]+\.go:)/;
// A package's verdict: `ok  pkg 0.1s`, `ok  pkg (cached)`, `FAIL pkg 0.1s`, `FAIL pkg [build failed]`.
const GO_PACKAGE = /^(ok|FAIL)\s+\S+\s+(?:[\d.]+s|\(cached\)|\[)/;

function parseGoTest(lines: Lines): RunnerCounts {
  const failedNames: string[] = [];
  const messages = new Map<string, string>();
  const buildFailures: RunnerCounts["failures"] = [];
  let passed = 0;
  let skipped = 0;
  const packages: PackageCounts = { ok: 0, failed: 0 };
  let current: string | null = null;
  let firstCompileError = "";
  for (const line of lines) {
    if (!GO_LINE.test(line)) continue;
    if (line.startsWith("=== ")) {
      const run = /^=== (?:RUN|CONT)\s+(\S+)/.exec(line);
      if (run !== null) current = run[1] ?? null;
      continue;
    }
    const verdict = /^\s*--- (PASS|FAIL|SKIP): (\S+)/.exec(line);
    if (verdict !== null) {
      const name = verdict[2] ?? "";
      if (verdict[1] === "PASS") passed++;
      if (verdict[1] === "SKIP") skipped++;
      if (verdict[1] === "FAIL") {
        failedNames.push(name);
        current = name;
      }
      continue;
    }
    const verdictOfPackage = GO_PACKAGE.exec(line);
    if (verdictOfPackage !== null) {
      if (verdictOfPackage[1] === "ok") packages.ok++;
      else packages.failed++;
    }
    const message = /^\s+\S+\.go:\d+: (.*)$/.exec(line) ?? /^(panic: .*?)(?: \[recovered\])?$/.exec(line);
    if (message !== null && current !== null && !messages.has(current)) messages.set(current, clipLine(message[1] ?? "", MAX_MESSAGE_CHARS));
    const compile = /^\S+\.go:\d+:\d+: .*$/.exec(line);
    if (compile !== null && firstCompileError === "") firstCompileError = compile[0];
    const build = /^FAIL\s+(\S+)\s+\[(build failed|setup failed)\]/.exec(line);
    if (build !== null) buildFailures.push({ name: build[1] ?? "", message: firstCompileError === "" ? build[2] ?? "" : firstCompileError });
  }
  // A parent fails because a subtest failed: report the subtest.
  const parents = new Set(failedNames.flatMap((name) => name.split("/").slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join("/"))));
  const leaves = failedNames.filter((name) => !parents.has(name));
  const failures = unique([...leaves.map((name) => ({ name, message: messages.get(name) ?? "" })), ...buildFailures]);
  return { runner: "go", passed, failed: failures.length, errors: 0, skipped, packages: packages.ok + packages.failed > 0 ? packages : null, failures };
}

// ------------------------------------------------------------------ node:test (spec reporter)

const SUITE_FAILURE = /^'?\d+ subtests? failed'?$/;

function parseNodeTestSpec(lines: Lines): RunnerCounts {
  const counts = new Map<string, number>();
  const failures: RunnerCounts["failures"] = [];
  let inFailingSection = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const stat = /^ℹ (\w+) (\d+)$/.exec(line);
    if (stat !== null) counts.set(stat[1] ?? "", Number(stat[2]));
    if (/^✖ failing tests:$/.test(line)) {
      inFailingSection = true;
      continue;
    }
    const failed = inFailingSection ? /^\s*✖ (.+?)(?: \([\d.]+m?s\))?$/.exec(line) : null;
    if (failed === null) continue;
    const message = messageFrom(lines, i + 1, /^\s*✖ |^test at /);
    if (!SUITE_FAILURE.test(message)) failures.push({ name: failed[1] ?? "", message });
  }
  return {
    runner: "node:test",
    passed: get(counts, "pass"),
    failed: get(counts, "fail", "cancelled"),
    errors: 0,
    skipped: get(counts, "skipped", "todo"),
    packages: null,
    failures: unique(failures),
  };
}

// ------------------------------------------------------------------ TAP (node --test-reporter=tap, tape, …)

function parseTap(lines: Lines): RunnerCounts {
  const counts = new Map<string, number>();
  const failures: RunnerCounts["failures"] = [];
  let ok = 0;
  let notOk = 0;
  let skips = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const stat = /^# (\w+) (\d+)$/.exec(line);
    if (stat !== null) counts.set(stat[1] ?? "", Number(stat[2]));
    const point = /^\s*(ok|not ok) \d+(?: - )?(.*?)(?: # (SKIP|TODO)\b.*)?$/i.exec(line);
    if (point === null) continue;
    if (point[3] !== undefined) {
      skips++;
      continue;
    }
    if (point[1] === "ok") {
      ok++;
      continue;
    }
    notOk++;
    const diagnostics = tapDiagnostics(lines, i + 1);
    if (diagnostics.failureType === "subtestsFailed") continue;
    failures.push({ name: (point[2] ?? "").trim(), message: diagnostics.error });
  }
  const has = (word: string): boolean => counts.has(word);
  return {
    runner: "tap",
    passed: has("pass") ? get(counts, "pass") : ok,
    failed: has("fail") ? get(counts, "fail", "cancelled") : notOk,
    errors: 0,
    skipped: has("skipped") || has("skip") || has("todo") ? get(counts, "skipped", "skip", "todo") : skips,
    packages: null,
    failures: unique(failures),
  };
}

const MAX_YAML_LINES = 200;

/** `error:` and `failureType:` of the YAML block after a `not ok` line. */
function tapDiagnostics(lines: Lines, from: number): { error: string; failureType: string } {
  const result = { error: "", failureType: "" };
  if (!/^\s*---$/.test(lines[from] ?? "")) return result;
  for (let i = from + 1; i < lines.length && i <= from + MAX_YAML_LINES; i++) {
    const line = lines[i] ?? "";
    if (/^\s*(?:\.\.\.$|(?:not )?ok \d+)/.test(line)) break;
    const field = /^\s*(error|failureType|message): ?(.*)$/.exec(line);
    if (field === null) continue;
    const value = (field[2] ?? "").trim();
    const text = /^[|>][-+]?$/.test(value) ? messageFrom(lines, i + 1, /^\s*\w+:(?:\s|$)|^\s*\.\.\.$/) : value.replace(/^(['"])(.*)\1$/, "$2");
    if (field[1] === "failureType") result.failureType = text;
    else if (result.error === "") result.error = text;
  }
  return result;
}
