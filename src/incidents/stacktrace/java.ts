/**
 * JVM stack traces (Java, Kotlin, Scala, Android), with "Caused by:" chains and
 * "... N more" elisions. Frame forms: `at pkg.Type.method(File.java:42)`, Kotlin's
 * `at pkg.Type.method (File.kt:42)`, Android ART's `at void pkg.Type.method(Args) (File.kt:42)`,
 * Tomcat's error page without `at`, and Bugsnag's `File.kt:42 - pkg.Type.method`.
 * File paths are rebuilt from the package: `com.acme.Orders.place(Orders.java:42)`
 * points at `com/acme/Orders.java`.
 */
import type { ParsedException, StackFrame } from "./types.ts";
import { isVendorJavaClass } from "./vendor.ts";

const EXCEPTION =
  /^\s*(?:Exception in thread "[^"]*"\s+|Caused by:\s+|Suppressed:\s+|(?:Non-fatal |Fatal )?Exception:?\s+|FATAL EXCEPTION:\s+)?([a-zA-Z_$][\w$]*(?:\.[\w$]+)+)(?::\s?(.*))?$/;
/** Where a JVM frame was: a source file, or what the JVM prints when it has none. */
const LOCATION = String.raw`(?:[\w$.-]+\.(?:java|kt|kts|scala|groovy|clj|aj)(?::-?\d+)?|Native Method|Unknown Source(?::\d+)?|SourceFile(?::\d+)?|Unknown)`;
const QUALIFIED = String.raw`(?:[\w.-]+(?:@[\w.-]+)?\/)*([\w$.<>-]+)\.([\w$<>-]+)`;
const FRAME = new RegExp(String.raw`^\s*(?:at\s+)?${QUALIFIED} ?\((${LOCATION})\)\s*(?:~?\[[^\]]*\]\s*)?$`);
const ART_FRAME = new RegExp(String.raw`^\s*at\s+(?:[\w$.\[\]<>]+\s+)?${QUALIFIED}\([^()]*\)\s+\((${LOCATION})\)\s*$`);
const BUGSNAG_FRAME = /^\s*([\w$-]+\.(?:java|kt|scala)):(\d+) - ([\w$.<>]+)\.([\w$<>-]+)\s*$/;
const ELIDED = /^\s*\.\.\. \d+ (more|common frames omitted)/;

export function parseJava(lines: readonly string[]): ParsedException[] {
  const chain: ParsedException[] = [];
  let current: ParsedException | null = null;
  for (const line of lines) {
    const frame = jvmFrame(line);
    if (frame) {
      if (!current) {
        current = { type: "Exception", message: "", frames: [] };
        chain.push(current);
      }
      current.frames.push(frame);
      continue;
    }
    if (ELIDED.test(line) || /^\s*at\s*$/.test(line)) continue;
    const header = EXCEPTION.exec(line);
    if (header && looksLikeThrowable(header[1] ?? "")) {
      current = { type: header[1] ?? "", message: (header[2] ?? "").trim(), frames: [] };
      chain.push(current);
      continue;
    }
    if (line.trim() !== "" || current?.frames.length) current = null;
  }
  // Printed outermost first; "Caused by" goes deeper. Root cause first, like Sentry.
  return chain.filter((e) => e.frames.length > 0).toReversed();
}

function jvmFrame(line: string): StackFrame | null {
  const art = ART_FRAME.exec(line);
  if (art) return javaFrame(art[1] ?? "", art[2] ?? "", art[3] ?? "");
  const frame = FRAME.exec(line);
  if (frame) return javaFrame(frame[1] ?? "", frame[2] ?? "", frame[3] ?? "");
  const bugsnag = BUGSNAG_FRAME.exec(line);
  if (bugsnag) return javaFrame(bugsnag[3] ?? "", bugsnag[4] ?? "", `${bugsnag[1] ?? ""}:${bugsnag[2] ?? ""}`);
  return null;
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
