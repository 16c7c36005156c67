/**
 * JVM stack traces (Java, Kotlin, Scala), with "Caused by:" chains and
 * "... N more" elisions. File paths are rebuilt from the package: the frame
 * `com.acme.Orders.place(Orders.java:42)` points at `com/acme/Orders.java`.
 */
import type { ParsedException, StackFrame } from "./types.ts";
import { isVendorJavaClass } from "./vendor.ts";

const EXCEPTION = /^\s*(?:Exception in thread "[^"]*"\s+|Caused by:\s+|Suppressed:\s+)?([a-zA-Z_$][\w$]*(?:\.[\w$]+)+)(?::\s?(.*))?$/;
const FRAME = /^\s*at\s+(?:[\w.-]+(?:@[\w.-]+)?\/)*([\w$.<>]+)\.([\w$<>]+)\((.*?)\)\s*(?:~?\[[^\]]*\])?\s*$/;

export function parseJava(lines: readonly string[]): ParsedException[] {
  const chain: ParsedException[] = [];
  let current: ParsedException | null = null;
  for (const line of lines) {
    const frame = FRAME.exec(line);
    if (frame && current) {
      current.frames.push(javaFrame(frame[1] ?? "", frame[2] ?? "", frame[3] ?? ""));
      continue;
    }
    if (/^\s*\.\.\. \d+ (more|common frames omitted)/.test(line)) continue;
    const header = EXCEPTION.exec(line);
    if (header && looksLikeThrowable(header[1] ?? "")) {
      current = { type: header[1] ?? "", message: (header[2] ?? "").trim(), frames: [] };
      chain.push(current);
      continue;
    }
    current = null;
  }
  // Printed outermost first; "Caused by" goes deeper. Root cause first, like Sentry.
  return chain.filter((e) => e.frames.length > 0).toReversed();
}

function looksLikeThrowable(name: string): boolean {
  const simple = name.split(".").at(-1) ?? "";
  return /(Exception|Error|Throwable|Failure)$/.test(simple) || /^[A-Z]/.test(simple);
}

function javaFrame(className: string, method: string, location: string): StackFrame {
  const [fileName, lineText] = location.split(":");
  const packagePath = className.split(".").slice(0, -1).join("/");
  const hasFile = fileName !== undefined && /\.\w+$/.test(fileName);
  const file = hasFile ? (packagePath ? `${packagePath}/${fileName}` : fileName) : className;
  const line = lineText !== undefined && /^\d+$/.test(lineText) ? Number(lineText) : null;
  return { file, line, column: null, function: `${className.split(".").at(-1) ?? className}.${method}`, inApp: !isVendorJavaClass(className) };
}
