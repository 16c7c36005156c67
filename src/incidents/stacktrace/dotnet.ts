/**
 * .NET stack traces (C#, F#, VB; .NET Core, Framework, Mono and Xamarin):
 * `at Namespace.Type.Method(Args) in C:\path\File.cs:line 42`, Mono's
 * `at Type.Method (Args) [0x00007] in /path/File.cs:9`, frames without files in
 * release builds, and inner exceptions: the header's ` ---> Inner: message` starts the
 * inner exception (the root cause, printed first), `--- End of inner exception stack trace ---`
 * goes back to the outer one.
 */
import type { ParsedException, StackFrame } from "./types.ts";
import { isDotnetPlatformFunction } from "./vendor.ts";

const TYPE = String.raw`((?:[A-Za-z_]\w*\.)+[A-Za-z_]\w*(?:Exception|Error))`;
const HEADER = new RegExp(String.raw`(?:^|[\s.:])${TYPE}(?::\s?(.*?))?\s*$`);
const INNER = new RegExp(String.raw`^\s*--->\s*${TYPE}(?::\s?(.*?))?\s*$`);
const END_INNER = /^\s*---\s*End of inner exception stack trace\s*---\s*$/;
/** A Java frame's location: the same `at` lines, read by java.ts. */
const JVM_LOCATION = /\((?:[\w$.-]+\.(?:java|kt|scala|groovy)(?::\d+)?|Native Method|Unknown Source(?::\d+)?|SourceFile(?::\d+)?)\)\s*$/;
const FRAME = /^\s*at\s+(.+?)(?:\s*\[0x[0-9a-f]+\])?(?:\s+in\s+(.+?):(?:line\s+)?(\d+))?\s*$/;

export function parseDotnet(lines: readonly string[]): ParsedException[] {
  const printed: ParsedException[] = [];
  /** The exceptions whose frames are being read: outer … inner. */
  const open: ParsedException[] = [];
  for (const line of lines) {
    const frame = dotnetFrame(line);
    const current = open.at(-1);
    if (frame) {
      if (current) current.frames.push(frame);
      continue;
    }
    if (END_INNER.test(line)) {
      if (open.length > 1) open.pop();
      continue;
    }
    const inner = INNER.exec(line);
    if (inner && current) {
      const exception = { type: inner[1] ?? "Exception", message: inner[2] ?? "", frames: [] };
      printed.push(exception);
      open.push(exception);
      continue;
    }
    const header = HEADER.exec(line);
    if (header && !/^\s*at\s/.test(line)) {
      const exception = { type: header[1] ?? "Exception", message: header[2] ?? "", frames: [] };
      printed.push(exception);
      open.splice(0, open.length, exception);
    }
  }
  // An inner exception is deeper than the one it is printed in: root cause first.
  return printed.filter((e) => e.frames.length > 0).toReversed();
}

function dotnetFrame(line: string): StackFrame | null {
  const match = FRAME.exec(line);
  if (!match || !/[\w>$]\s?\(/.test(match[1] ?? "") || JVM_LOCATION.test(match[1] ?? "")) return null;
  const fn = (match[1] ?? "").replace(/\s?\(.*\)\s*$/, "");
  const location = match[2];
  const known = location !== undefined && !/^<.*>$/.test(location);
  const file = known ? location : fn.replace(/\.[^.]+$/, "");
  const lineNo = known && match[3] !== undefined ? Number(match[3]) : null;
  return { file, line: lineNo, column: null, function: fn, inApp: !isDotnetPlatformFunction(fn) };
}
