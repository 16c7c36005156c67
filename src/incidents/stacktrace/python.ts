/**
 * Python tracebacks ("most recent call last"), including chained exceptions
 * ("During handling of the above exception…", "The above exception was the direct cause…").
 */
import type { ParsedException, StackFrame } from "./types.ts";
import { isVendorPath } from "./vendor.ts";

const HEADER = /^\s*Traceback \(most recent call last\):\s*$/;
const FRAME = /^\s*File "([^"]+)", line (\d+)(?:, in (.+?))?\s*$/;
const EXCEPTION = /^\s*([A-Za-z_][\w.]*)(?::\s?(.*))?$/;

export function parsePython(lines: readonly string[]): ParsedException[] {
  const out: ParsedException[] = [];
  let i = 0;
  while (i < lines.length) {
    if (!HEADER.test(lines[i] ?? "")) {
      i++;
      continue;
    }
    const frames: StackFrame[] = [];
    i++;
    for (; i < lines.length; i++) {
      const line = lines[i] ?? "";
      const frame = FRAME.exec(line);
      if (frame) {
        const file = frame[1] ?? "";
        frames.push({ file, line: Number(frame[2]), column: null, function: frame[3] ?? null, inApp: !isVendorPath(file) });
        continue;
      }
      // Source lines, carets and "[Previous line repeated N more times]" are indented.
      if (/^\s+\S/.test(line) || line.trim() === "") continue;
      break;
    }
    const exception = EXCEPTION.exec(lines[i] ?? "");
    if (exception && frames.length > 0) {
      const message = [exception[2] ?? "", ...continuation(lines, i + 1)].join("\n").trim();
      out.push({ type: exception[1] ?? "Exception", message, frames: frames.toReversed() });
    }
  }
  return out;
}

/** Lines of a multi-line message, up to a blank line or the next traceback. */
function continuation(lines: readonly string[], from: number): string[] {
  const out: string[] = [];
  for (let i = from; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (line.trim() === "" || HEADER.test(line) || /^(During handling|The above exception|\s*```|\s*~~~)/.test(line)) break;
    out.push(line);
    if (out.length >= 10) break;
  }
  return out;
}
