/**
 * Rust panics ("thread 'main' panicked at src/main.rs:2:5:", the older
 * "panicked at 'message', src/main.rs:2:5") and backtraces (RUST_BACKTRACE=1 or full,
 * anyhow's "Stack backtrace:"): numbered symbol lines, each followed by "at path:line:col".
 * The panic location is the first frame; the standard library and crates from the
 * cargo registry are not in-app.
 */
import type { ParsedException, StackFrame } from "./types.ts";
import { isRustRuntimeFunction, isVendorPath } from "./vendor.ts";

const PANIC_NEW = /panicked at (\S+?):(\d+):(\d+):?\s*$/;
const PANIC_OLD = /panicked at '(.*)', (\S+?):(\d+)(?::(\d+))?\s*$/;
const THREAD = /thread '([^']*)'/;
const BACKTRACE = /^\s*(?:stack backtrace|Stack backtrace):\s*$/;
const ANYHOW = /^\s*Error: (.+)$/;
const SYMBOL = /^\s*\d+:\s+(?:0x[0-9a-f]+ - )?(.+?)\s*$/;
const AT = /^\s+at (\S.*?):(\d+)(?::(\d+))?\s*$/;

export function parseRust(lines: readonly string[]): ParsedException[] {
  const out: ParsedException[] = [];
  let current: ParsedException | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const panic = panicAt(line, lines[i + 1]);
    if (panic) {
      current = panic;
      out.push(current);
      continue;
    }
    if (BACKTRACE.test(line)) {
      if (!current) {
        const error = ANYHOW.exec(lines.slice(Math.max(0, i - 3), i).findLast((l) => ANYHOW.test(l)) ?? "");
        current = { type: error ? "Error" : "panic", message: error?.[1] ?? "", frames: [] };
        out.push(current);
      }
      i = readBacktrace(lines, i + 1, current.frames) - 1;
    }
  }
  return out.filter((e) => e.frames.length > 0);
}

function panicAt(line: string, next: string | undefined): ParsedException | null {
  const old = PANIC_OLD.exec(line);
  const recent = old ? null : PANIC_NEW.exec(line);
  if (!old && !recent) return null;
  const file = (old ? old[2] : recent?.[1]) ?? "";
  const lineNo = Number(old ? old[3] : recent?.[2]);
  const column = old ? old[4] : recent?.[3];
  const message = old ? (old[1] ?? "") : (next ?? "").trim();
  const thread = THREAD.exec(line)?.[1];
  return {
    type: "panic",
    message: thread ? `${message} (thread '${thread}')` : message,
    frames: [rustFrame(file, lineNo, column === undefined ? null : Number(column), null)],
  };
}

/** Reads numbered frames from `from`; returns the index of the first line after them. */
function readBacktrace(lines: readonly string[], from: number, frames: StackFrame[]): number {
  let i = from;
  for (; i < lines.length; i++) {
    const symbol = SYMBOL.exec(lines[i] ?? "");
    if (!symbol) {
      if (AT.test(lines[i] ?? "")) continue;
      break;
    }
    const at = AT.exec(lines[i + 1] ?? "");
    if (!at) continue;
    frames.push(rustFrame(at[1] ?? "", Number(at[2]), at[3] === undefined ? null : Number(at[3]), (symbol[1] ?? "").replace(/::h[0-9a-f]{16}$/, "")));
    i++;
  }
  return i;
}

function rustFrame(file: string, line: number, column: number | null, fn: string | null): StackFrame {
  return { file, line, column, function: fn, inApp: !isVendorPath(file) && !(fn !== null && isRustRuntimeFunction(fn)) };
}
