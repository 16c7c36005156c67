/**
 * Python tracebacks ("most recent call last"), including chained exceptions
 * ("During handling of the above exception…", "The above exception was the direct cause…"),
 * frames pasted without their `Traceback` header or cut before the exception line,
 * Django's older "Traceback:" page format and its debug page's "Exception Location".
 */
import type { ParsedException, StackFrame } from "./types.ts";
import { isVendorPath } from "./vendor.ts";

const HEADER = /^\s*Traceback(?: \(most recent call last\))?:\s*$/;
const FRAME = /^\s*File "([^"]+)", line (\d+)(?:, in (.+?))?\s*$/;
/** Django 1.x: `File "path" in function` then `  132. source`. */
const DJANGO_FRAME = /^\s*File "([^"]+)" in (\S+)\s*$/;
const DJANGO_LINE = /^\s*(\d+)\.\s/;
const DJANGO_LOCATION = /^\s*Exception Location:\s+(\S.*?) in (\S+), line (\d+)\s*$/;
const EXCEPTION = /^\s*([A-Za-z_][\w.]*)(?::\s?(.*))?$/;
const CHAIN = /^(During handling|The above exception)/;

export function parsePython(lines: readonly string[]): ParsedException[] {
  const out: ParsedException[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] ?? "";
    const location = DJANGO_LOCATION.exec(line);
    if (location) {
      out.push({ type: djangoField(lines, "Exception Type") ?? "Exception", message: "", frames: [pythonFrame(location[1], location[3], location[2])] });
      i++;
      continue;
    }
    const header = HEADER.test(line);
    if (!header && !FRAME.test(line)) {
      i++;
      continue;
    }
    const frames: StackFrame[] = [];
    if (header) i++;
    for (; i < lines.length; i++) {
      const current = lines[i] ?? "";
      const frame = FRAME.exec(current);
      if (frame) {
        frames.push(pythonFrame(frame[1], frame[2], frame[3]));
        continue;
      }
      const django = DJANGO_FRAME.exec(current);
      if (django) {
        const number = DJANGO_LINE.exec(lines[i + 1] ?? "");
        frames.push(pythonFrame(django[1], number?.[1], django[2]));
        continue;
      }
      // Source lines, carets and "[Previous line repeated N more times]" are indented.
      if (/^\s+\S/.test(current) || current.trim() === "") continue;
      break;
    }
    if (frames.length === 0) continue;
    const next = lines[i] ?? "";
    const exception = CHAIN.test(next) || /^\s*(```|~~~)/.test(next) ? null : EXCEPTION.exec(next);
    const message = exception ? [exception[2] ?? "", ...continuation(lines, i + 1)].join("\n").trim() : "";
    out.push({ type: exception?.[1] ?? "Exception", message, frames: frames.toReversed() });
  }
  return out;
}

function pythonFrame(file: string | undefined, line: string | undefined, fn: string | undefined): StackFrame {
  const path = file ?? "";
  return { file: path, line: line === undefined ? null : Number(line), column: null, function: fn ?? null, inApp: !isVendorPath(path) };
}

function djangoField(lines: readonly string[], name: string): string | undefined {
  const pattern = new RegExp(`^\\s*${name}:\\s+(\\S.*?)\\s*$`);
  for (const line of lines) {
    const match = pattern.exec(line);
    if (match?.[1]) return match[1];
  }
  return undefined;
}

/** Lines of a multi-line message, up to a blank line or the next traceback. */
function continuation(lines: readonly string[], from: number): string[] {
  const out: string[] = [];
  for (let i = from; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (line.trim() === "" || HEADER.test(line) || CHAIN.test(line) || /^\s*(```|~~~)/.test(line)) break;
    out.push(line);
    if (out.length >= 10) break;
  }
  return out;
}
