// What one line of command output is, as far as a reader hunting for the cause of a
// failure cares. Recognises compilers (tsc, rustc/cargo, go, gcc-style), test runners
// (vitest, jest, node:test/TAP, pytest, go test, cargo test, JUnit via Maven/Gradle,
// rspec) with their per-test result lines and summary blocks, assertion diffs, npm,
// stack traces and `file:line` references. Line-by-line and cheap: a pre-filter rejects
// most lines, and lines that only look like headers (`=== RUN`, tsc's `======== Resolving
// module`) are settled by one anchored test instead of every pattern.

export const LineClass = {
  /** Ordinary output. */
  plain: 0,
  /** Names a failure: a failing test, a compiler error, a fatal error. */
  failure: 1,
  /** Says what went wrong: an assertion message, an exception, an error location, a failed summary. */
  errorDetail: 2,
  /** Points into code: a stack frame or a `file:line` reference. */
  location: 3,
  /** A warning. */
  warning: 4,
  /** A runner's summary counters (`ℹ tests 40`, `Tests: 3 failed, 9 total`, `ok  pkg 0.1s`): kept, not an error. */
  summary: 5,
} as const;
export type LineClass = (typeof LineClass)[keyof typeof LineClass];

/** Lines of these classes are error lines: the digest never drops one silently. */
export function isErrorClass(lineClass: LineClass): boolean {
  return lineClass === LineClass.failure || lineClass === LineClass.errorDetail;
}

// Pre-filter, split because one alternation of everything is several times slower: a line
// is scanned once for symbols and numbered marks together, once for keywords.
const KEYWORD = /e(?:rr|xception|xpected)|fa(?:il|tal)|panic|traceback|assert|warn|abort|segmentation|killed|memory|received|not ok/i;
// A symbol (`✕`, `●`, `-->`) or a numbered mark (`:digit`, `(1,2)`): a match ending in a
// digit or `)` is a numbered mark; then only the rest of the line is scanned for a symbol.
const MARK = /[✕×✖✗❌●]|-->|:\d|\(\d+,\d+\)/g;
const SYMBOL = /[✕×✖✗❌●]|-->/g;
// A line that only has a `:digit` or `(1,2)` (timestamps, `file:line`) can only be a go
// compiler error, a go test message or a location: three cheap tests instead of all.
const GO_BUILD_ERROR = /^[^\s:]+\.go:\d+:\d+: /;
const GO_TEST_MESSAGE = /^\s+\S+_test\.go:\d+: /;
// A qualified Java exception (message or not): `org.junit.ComparisonFailure: …`, `java.lang.NullPointerException`.
const JAVA_EXCEPTION = /^\s*(?:[a-z][\w$]*\.)+[A-Z][\w$]*(?:Error|Exception|Failure)(?::|$)/;
const RSPEC_GOT = /^\s+got: /;
const LINE_START = /^(?:E\s|\s+(?:at\s|File "|got: )|-{4} |_{3,} |Found \d|rspec |(?:  left| right): |\* What went wrong:)/;

const Marks = { none: 0, numbered: 1, interesting: 2 } as const;
type Marks = (typeof Marks)[keyof typeof Marks];

/** What the cheap pre-filter says of a line: nothing, only a numbered mark, or worth every pattern. */
function marksOf(line: string): Marks {
  if (LINE_START.test(line)) return Marks.interesting;
  MARK.lastIndex = 0;
  let numbered = false;
  if (MARK.test(line)) {
    const last = line.charCodeAt(MARK.lastIndex - 1);
    if (last !== 41 && (last < 48 || last > 57)) return Marks.interesting; // not `)` nor a digit: a symbol
    SYMBOL.lastIndex = MARK.lastIndex;
    if (SYMBOL.test(line)) return Marks.interesting;
    numbered = true;
  }
  if (KEYWORD.test(line)) return Marks.interesting;
  return numbered ? Marks.numbered : Marks.none;
}

function classifyNumbered(line: string): LineClass {
  if (line.includes(".go:")) {
    if (GO_BUILD_ERROR.test(line)) return LineClass.failure;
    if (GO_TEST_MESSAGE.test(line)) return LineClass.errorDetail;
  }
  if (isSummary(line)) return LineClass.summary;
  return isLocation(line) ? LineClass.location : LineClass.plain;
}

// Lines starting with `===`: go's `=== RUN`/`=== CONT`/`=== PAUSE`, tsc's `======== Resolving
// module …`, pytest's section rules. Only pytest's rules and summaries mean anything.
const PYTEST_RULE = /^=+ (?:(.*\b\d+ (?:failed|errors?)\b.*)|.*\b(?:passed|skipped|deselected|warnings?|no tests ran)\b.* in [\d.]+m?s\b.*|short test summary info|FAILURES|ERRORS|warnings summary) =+$/;

function classifyRule(line: string): LineClass {
  const rule = PYTEST_RULE.exec(line);
  if (rule === null) return LineClass.plain;
  return rule[1] !== undefined ? LineClass.errorDetail : LineClass.summary;
}

const FAILURE: readonly RegExp[] = [
  // vitest ` FAIL  file > test`, jest `FAIL ./file`, pytest `FAILED id`/`ERROR id`, go `FAIL\tpkg`
  /^\s*(?:FAIL|FAILED|ERROR|FATAL)(?:\s|:|$)/,
  /^\s*--- FAIL: /, // go test
  /^\s*(?:×|✕|✖|✗|❌)\s/, // vitest, jest, node:test spec
  /^\s*●\s(?!Console\b)/, // jest failure header
  /^\s*not ok \d+/, // TAP
  /^test \S.* \.\.\. FAILED$/, // cargo test
  /^---- \S+ stdout ----$/, // cargo test failure section
  /^_{3,} .+ _{3,}$/, // pytest failure section
  /^(?:error|fatal)(?:\[\w+\])?:/i, // rustc, cargo, git, generic
  /(?:^|[\s:)\]])(?:error|ERROR)(?:\[\w+\])?(?: TS\d+)?:/, // tsc, gcc/clang, `x: error: y`
  /^npm (?:ERR!|error) code /, // npm
  /\b(?:ERROR|FATAL|CRITICAL|SEVERE|PANIC)\b/, // log levels
  GO_BUILD_ERROR, // go build
  /^\s*(?:panic|fatal error): /, // go runtime
  /panicked at /, // rust
  /^Traceback \(most recent call last\):/, // python
  /Segmentation fault|core dumped|\bOOMKilled\b|JavaScript heap out of memory|^Killed$/,
  /^\S+::\S.*\s(?:FAILED|ERROR)(?:\s+\[[\s\d%/]+\])?\s*$/, // pytest -v per-test result
  /^\S.* > .+ FAILED$/, // gradle per-test result
  /<<< (?:FAILURE|ERROR)!/, // maven surefire
  /^rspec \.?\/?\S+:\d+ # /, // rspec failed example
  /\S \(FAILED - \d+\)$/, // rspec --format documentation per-example result
  /^FAILURE: |^\* What went wrong:$|^(?:> Task )?:\S+ FAILED$/, // gradle
  /\bBUILD FAIL(?:ED|URE)\b/, // gradle, maven
];

const ERROR_DETAIL: readonly RegExp[] = [
  /^E\s{2,}\S/, // pytest assertion lines
  /\b(?:[A-Z]\w*)?(?:Error|Exception)\b(?: \[\w+\])?:/, // AssertionError: …, TypeError: …
  JAVA_EXCEPTION, // org.junit.ComparisonFailure: …, a bare java.lang.NullPointerException
  /^\s*-->\s*\S+:\d+/, // rustc error location
  GO_TEST_MESSAGE, // go test message
  /\bassertion\b.*\bfailed\b/i, // rust assert_eq!, C assert
  /^(?:  left| right): /, // rust assert_eq! values
  RSPEC_GOT, // rspec's actual value
  /^\s*expect\(.*\)\.\w+\(/, // jest matcher
  /^\s*(?:Expected|Received):\s/, // jest values
  /^\s+error: /, // node:test TAP yaml
  /^npm (?:ERR!|error)\s+\S/, // npm
  /^=+ .*\b\d+ (?:failed|errors?)\b.* =+$/, // pytest summary
  /^\s*Tests?(?: Files)?:?\s+.*\bfailed\b/, // vitest, jest summary
  /^test result: FAILED/, // cargo summary
  /^(?:# fail|ℹ fail) [1-9]/, // TAP, node:test summary
  /^Found [1-9]\d* errors?\b/, // tsc --pretty summary
  /^\s*Failure\/Error: /, // rspec
  /\bexpected:\s*<.*> but was:\s*<.*>/, // JUnit
  /^\s*\d+ examples?, [1-9]\d* failures?/, // rspec summary
  /^\d+ tests? completed, [1-9]\d* failed/, // gradle summary
];

// Summary counters of a runner (failed ones are error details above).
const SUMMARY_START = /^(?:ℹ |# |Test|Snap|Time:|\s+(?:Test|Start|Duration)|ok\s|PASS$|FAIL$|test result|running \d|\[\w+\] (?:Tests run|Results|BUILD)|Tests run|\d+ (?:tests?|examples?) |Finished in )/;
const SUMMARY: readonly RegExp[] = [
  /^[ℹ#] (?:tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) [\d.]+$/, // node:test, TAP
  /^(?:Test Suites|Tests|Snapshots|Time):\s+\d/, // jest
  /^\s*(?:Test Files|Tests|Start at|Duration)\s{2,}\S/, // vitest
  /^(?:ok|FAIL)\s+\S+\s+(?:[\d.]+s|\(cached\))|^(?:PASS|FAIL)$/, // go test
  /^test result: |^running \d+ tests?$/, // cargo test
  /^(?:\[\w+\] )?(?:Tests run: \d+, Failures: \d+, Errors: \d+, Skipped: \d+$|Results:|BUILD SUCCESS)/, // maven surefire totals
  /^\d+ (?:tests? completed|examples?), /, // gradle, rspec
  /^Finished in [\d.]+ seconds?/, // rspec
];

// Points into code: stack frames (JS, Java, rust backtrace; python; vitest), `file.ext:line`
// and `file.ts(3,5)`. The last two are each behind a plain test that rejects most lines.
const STACK_FRAME = /^\s+at \S|^\s+File ".+", line \d+|^\s*❯ \S.*:\d+/;
const EXTENSION_COLON = /\.[A-Za-z]\w{0,4}:\d/;
const FILE_LINE = /(?:^|[\s('"`])[\w./@~-]*\.[A-Za-z]\w{0,4}:\d+/;
const FILE_PAREN = /\.\w{1,5}\(\d+,\d+\)/;

function isLocation(line: string): boolean {
  if (STACK_FRAME.test(line)) return true;
  if (EXTENSION_COLON.test(line) && FILE_LINE.test(line)) return true;
  return line.includes(",") && FILE_PAREN.test(line);
}

const WARNING = /\bwarn(?:ing)?\b(?:\[\w+\])?:|^npm warn\b|^\s*WARN(?:ING)?\b|\w+Warning\b/i;

function isSummary(line: string): boolean {
  return SUMMARY_START.test(line) && SUMMARY.some((pattern) => pattern.test(line));
}

export function classifyLine(line: string): LineClass {
  if (line.startsWith("===")) return classifyRule(line);
  const marks = marksOf(line);
  if (marks === Marks.numbered) return classifyNumbered(line);
  if (marks === Marks.none) return isSummary(line) ? LineClass.summary : LineClass.plain;
  if (FAILURE.some((pattern) => pattern.test(line))) return LineClass.failure;
  if (ERROR_DETAIL.some((pattern) => pattern.test(line))) return LineClass.errorDetail;
  if (WARNING.test(line)) return LineClass.warning;
  if (isSummary(line)) return LineClass.summary;
  if (isLocation(line)) return LineClass.location;
  return LineClass.plain;
}

// Rust prints a panic's message on the line after `panicked at file:line:col:`, rspec an
// exception's on the line after its class (`NoMethodError:`).
const PANIC_HEADER = /panicked at \S+:\d+:\d+:$/;
const EXCEPTION_HEADER = /^\s*[\w:.]*(?:Error|Exception):$/;
// A Java exception's message and gradle's `* What went wrong:` go on over the next lines at
// the same indentation (a JUnit string comparison, the failed task), up to a stack frame.
const MESSAGE_OPENER = /^\* What went wrong:$/;
const MAX_MESSAGE_LINES = 12;
// rspec's `eq` failure: the values on an `expected:` line and a `got:` line right below it.
const RSPEC_EXPECTED = /^\s+expected: /;
// rustc and gcc-style diagnostics: a `warning:` header and its ` --> file:line` location.
const WARNING_HEADER = /^warning(?:\[\w+\])?: /;
const RUST_LOCATION = /^\s*--> /;
// An assertion diff (jest/vitest `- Expected`/`+ Received`, node:assert `+ actual - expected`,
// rspec `Diff:`, go-cmp's `(-want +got):` ending an error line): its `+`/`-` lines say what
// differed, however far below the failure they are.
const DIFF_HEADER = /^\s*(?:- Expected\b|\+ Received\b|\+ actual - expected\b|- expected \+ actual\b|\+ expected - actual\b|Diff:$)/;
const DIFF_INTRO = /\((?:-want \+got|-got \+want|-expected \+actual|-actual \+expected)\):?$/;
const DIFF_LINE = /^\s*[-+](?:[^-+]|$)/;
const DIFF_STOP = /^\s+at \S|^\s*❯ |^\s+# \S+:\d+/;
const MAX_DIFF_LINES = 400;

/**
 * Classes of all lines, in one pass, with what a line alone cannot say: the line
 * after a rust panic header or an rspec exception class is its message, as are the
 * lines continuing a Java exception's message; the `+`/`-` lines below a diff header
 * are what differed; rspec's `expected:` value is an error line when `got:` follows;
 * and the location of a warning is a location, not an error line.
 */
export function classifyLines(lines: readonly string[]): Uint8Array {
  const classes = new Uint8Array(lines.length);
  let afterMessageHeader = false;
  let messageIndent = -1;
  let messageUntil = -1;
  let inWarning = false;
  let diffUntil = -1;
  let blankRun = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    let lineClass = classifyLine(line);
    if (i <= diffUntil) {
      if (lineClass === LineClass.failure || DIFF_STOP.test(line)) diffUntil = -1;
      else if (line.trim() === "") {
        blankRun++;
        if (blankRun >= 2) diffUntil = -1;
      } else {
        blankRun = 0;
        if ((lineClass === LineClass.plain || lineClass === LineClass.location) && DIFF_LINE.test(line)) lineClass = LineClass.errorDetail;
      }
    }
    if ((lineClass !== LineClass.failure && DIFF_HEADER.test(line)) || (lineClass === LineClass.errorDetail && DIFF_INTRO.test(line))) {
      lineClass = LineClass.errorDetail;
      diffUntil = i + MAX_DIFF_LINES;
      blankRun = 0;
    }
    if (afterMessageHeader && lineClass === LineClass.plain && line.trim() !== "") lineClass = LineClass.errorDetail;
    if (lineClass === LineClass.errorDetail && RSPEC_GOT.test(line) && RSPEC_EXPECTED.test(lines[i - 1] ?? "")) classes[i - 1] = LineClass.errorDetail;
    if (i <= messageUntil) {
      if (lineClass === LineClass.plain && line.trim() !== "" && indentation(line) === messageIndent) lineClass = LineClass.errorDetail;
      else messageUntil = -1;
    }
    if ((lineClass === LineClass.errorDetail && JAVA_EXCEPTION.test(line)) || (lineClass === LineClass.failure && MESSAGE_OPENER.test(line))) {
      messageIndent = indentation(line);
      messageUntil = i + MAX_MESSAGE_LINES;
    }
    if (lineClass === LineClass.failure) inWarning = false;
    if (lineClass === LineClass.warning) inWarning = WARNING_HEADER.test(line);
    if (inWarning && lineClass === LineClass.errorDetail && RUST_LOCATION.test(line)) lineClass = LineClass.location;
    afterMessageHeader = (lineClass === LineClass.failure && PANIC_HEADER.test(line)) || (lineClass === LineClass.errorDetail && EXCEPTION_HEADER.test(line));
    classes[i] = lineClass;
  }
  return classes;
}

function indentation(line: string): number {
  let i = 0;
  while (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9) i++;
  return i;
}
