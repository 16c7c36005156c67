// Text clean-up shared by the command-output digest and the test-summary parser:
// terminal escapes removed, carriage-return redraws resolved, lines split once.

// CSI sequences (colours, cursor moves) and OSC sequences (titles, hyperlinks):
// matching control characters is the point here.
// oxlint-disable-next-line no-control-regex
const ANSI_ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;

export function stripAnsi(text: string): string {
  return text.includes("\x1b") ? text.replace(ANSI_ESCAPES, "") : text;
}

/**
 * What a terminal would show for one physical line: a progress bar redrawn with
 * `\r` keeps only its last non-empty state.
 */
function resolveCarriageReturns(line: string): string {
  if (!line.includes("\r")) return line;
  const states = line.split("\r");
  for (let i = states.length - 1; i >= 0; i--) {
    const state = states[i];
    if (state !== undefined && state !== "") return state;
  }
  return "";
}

/** Output as display lines: escapes stripped, `\r\n` and `\r` redraws handled, no phantom last line. */
export function outputLines(output: string): string[] {
  const text = stripAnsi(output);
  const lines = text.split("\n");
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  if (!text.includes("\r")) return lines;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line !== undefined && line.includes("\r")) lines[i] = resolveCarriageReturns(line);
  }
  return lines;
}

// Parts of a line that change between otherwise identical lines: timestamps,
// clock times, durations, addresses and long hex ids.
const TIMESTAMP = /\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?/g;
const CLOCK = /\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b/g;
const DURATION = /\b\d+(?:\.\d+)?\s?(?:ms|µs|us|ns|s|m|h)\b/g;
const HEX = /\b0x[0-9a-fA-F]+\b|\b[0-9a-f]{12,}\b/g;
const DIGITS = /\d+/g;

/**
 * Identity of an error line for folding: only timestamps, durations and addresses
 * are ignored, so `test_case_1` and `test_case_2` stay two distinct failures.
 */
export function errorFoldKey(line: string): string {
  return line.replace(TIMESTAMP, "<t>").replace(CLOCK, "<t>").replace(DURATION, "<d>").replace(HEX, "<x>").trim();
}

/** Identity of an ordinary line for folding: every number is ignored. */
export function lineFoldKey(line: string): string {
  return line.replace(HEX, "<x>").replace(DIGITS, "#").trim();
}

/** A line cut in the middle when it is longer than `max` characters. */
export function clipLine(line: string, max: number): string {
  if (line.length <= max) return line;
  const marker = ` …[${line.length - max} chars cut]… `;
  const keep = Math.max(0, max - marker.length);
  const head = Math.ceil(keep * 0.75);
  return line.slice(0, head) + marker + line.slice(line.length - (keep - head));
}
