// What one line of command output is, as far as a reader hunting for the cause of a
// failure cares. Recognises compilers (tsc, rustc/cargo, go, gcc-style), test runners
// (vitest, jest, node:test/TAP, pytest, go test, cargo test), npm, stack traces and
// `file:line` references. Line-by-line and cheap: a single pre-filter rejects most lines.

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
} as const;
export type LineClass = (typeof LineClass)[keyof typeof LineClass];

/** Lines of these classes are error lines: the digest never drops one silently. */
export function isErrorClass(lineClass: LineClass): boolean {
  return lineClass === LineClass.failure || lineClass === LineClass.errorDetail;
}

// Pre-filter, split in three because one alternation of everything is several times slower.
const KEYWORD = /e(?:rr|xception|xpected)|fa(?:il|tal)|panic|traceback|assert|warn|abort|segmentation|killed|memory|received|not ok/i;
const SYMBOL = /[✕×✖✗❌●]|-->|:\d|\(\d+,\d+\)/;
const LINE_START = /^(?:E\s|\s+at\s|\s+File "|={3,}|-{4} |_{3,} |ℹ fail|# fail|Found \d)/;

function maybeInteresting(line: string): boolean {
  return LINE_START.test(line) || SYMBOL.test(line) || KEYWORD.test(line);
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
  /^\S+\.go:\d+:\d+: /, // go build
  /^\s*(?:panic|fatal error): /, // go runtime
  /panicked at /, // rust
  /^Traceback \(most recent call last\):/, // python
  /Segmentation fault|core dumped|\bOOMKilled\b|JavaScript heap out of memory|^Killed$/,
];

const ERROR_DETAIL: readonly RegExp[] = [
  /^E\s{2,}\S/, // pytest assertion lines
  /\b(?:[A-Z]\w*)?(?:Error|Exception)\b(?: \[\w+\])?:/, // AssertionError: …, TypeError: …
  /^\s*-->\s*\S+:\d+/, // rustc error location
  /^\s+\S+_test\.go:\d+: /, // go test message
  /\bassertion\b.*\bfailed\b/i, // rust assert_eq!, C assert
  /^\s*expect\(.*\)\.\w+\(/, // jest matcher
  /^\s*(?:Expected|Received):\s/, // jest values
  /^\s+error: /, // node:test TAP yaml
  /^npm (?:ERR!|error)\s+\S/, // npm
  /^=+ .*\b(?:failed|errors?)\b.* =+$/, // pytest summary
  /^\s*Tests?(?: Files)?:?\s+.*\bfailed\b/, // vitest, jest summary
  /^test result: FAILED/, // cargo summary
  /^(?:# fail|ℹ fail) [1-9]/, // TAP, node:test summary
  /^Found [1-9]\d* errors?\b/, // tsc --pretty summary
];

const LOCATION: readonly RegExp[] = [
  /^\s+at \S/, // JS, Java, rust backtrace
  /^\s+File ".+", line \d+/, // python
  /^\s*❯ \S.*:\d+/, // vitest
  /(?:^|[\s('"`])[\w./@~-]*\.[A-Za-z]\w{0,4}:\d+/, // file.ext:line
  /\.\w{1,5}\(\d+,\d+\)/, // file.ts(3,5)
];

const WARNING = /\bwarn(?:ing)?\b(?:\[\w+\])?:|^npm warn\b|^\s*WARN(?:ING)?\b|\w+Warning\b/i;

export function classifyLine(line: string): LineClass {
  if (!maybeInteresting(line)) return LineClass.plain;
  if (FAILURE.some((pattern) => pattern.test(line))) return LineClass.failure;
  if (ERROR_DETAIL.some((pattern) => pattern.test(line))) return LineClass.errorDetail;
  if (WARNING.test(line)) return LineClass.warning;
  if (LOCATION.some((pattern) => pattern.test(line))) return LineClass.location;
  return LineClass.plain;
}

// Rust prints a panic's message on the line after `panicked at file:line:col:`.
const PANIC_HEADER = /panicked at \S+:\d+:\d+:$/;
// rustc and gcc-style diagnostics: a `warning:` header and its ` --> file:line` location.
const WARNING_HEADER = /^warning(?:\[\w+\])?: /;
const RUST_LOCATION = /^\s*--> /;

/**
 * Classes of all lines, in one pass, with what a line alone cannot say: the line
 * after a rust panic header is its message, and the location of a warning is a
 * location, not an error line.
 */
export function classifyLines(lines: readonly string[]): Uint8Array {
  const classes = new Uint8Array(lines.length);
  let afterPanicHeader = false;
  let inWarning = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    let lineClass = classifyLine(line);
    if (afterPanicHeader && lineClass === LineClass.plain && line.trim() !== "") lineClass = LineClass.errorDetail;
    if (lineClass === LineClass.failure) inWarning = false;
    if (lineClass === LineClass.warning) inWarning = WARNING_HEADER.test(line);
    if (inWarning && lineClass === LineClass.errorDetail && RUST_LOCATION.test(line)) lineClass = LineClass.location;
    afterPanicHeader = lineClass === LineClass.failure && PANIC_HEADER.test(line);
    classes[i] = lineClass;
  }
  return classes;
}
