/**
 * JavaScript and TypeScript stacks: V8 (Node.js, Chrome, Edge: "    at fn (file:1:2)")
 * and Firefox/Safari ("fn@file:1:2").
 */
import type { ParsedException, StackFrame } from "./types.ts";
import { isVendorPath } from "./vendor.ts";

const V8_FRAME = /^\s*at (?:(?:async )?(.+?) \((.+?)\)|(?:async )?(.+?))\s*$/;
const LOCATION = /^(.*?):(\d+)(?::(\d+))?$/;
const GECKO_FRAME = /^\s*([^@\s]*)@(.+?):(\d+)(?::(\d+))?\s*$/;
const ERROR_LINE = /^\s*(?:Uncaught\s+)?(?:\[?([A-Z][\w$.]*(?:Error|Exception)|Error)\]?)(?::\s?(.*))?$/;

export function parseJavaScript(lines: readonly string[]): ParsedException[] {
  const out: ParsedException[] = [];
  let current: { type: string; message: string; frames: StackFrame[] } | null = null;
  let lastHeader: { type: string; message: string } | null = null;
  for (const line of lines) {
    const frame = v8Frame(line) ?? geckoFrame(line);
    if (frame) {
      current ??= { ...(lastHeader ?? { type: "Error", message: "" }), frames: [] };
      if (frame !== "skip") current.frames.push(frame);
      continue;
    }
    if (current && current.frames.length > 0) out.push(current);
    current = null;
    const header = ERROR_LINE.exec(line);
    lastHeader = header ? { type: header[1] ?? "Error", message: (header[2] ?? "").trim() } : null;
  }
  if (current && current.frames.length > 0) out.push(current);
  return out;
}

function v8Frame(line: string): StackFrame | "skip" | null {
  const match = V8_FRAME.exec(line);
  if (!match) return null;
  const fn = match[1] ?? null;
  const where = match[2] ?? match[3] ?? "";
  const location = LOCATION.exec(where);
  // "at Promise.all (index 0)", "at <anonymous>", "(native)": nothing to map.
  if (!location) return "skip";
  return jsFrame(location[1] ?? "", location[2], location[3], fn);
}

function geckoFrame(line: string): StackFrame | null {
  const match = GECKO_FRAME.exec(line);
  if (!match) return null;
  return jsFrame(match[2] ?? "", match[3], match[4], match[1] || null);
}

function jsFrame(file: string, line: string | undefined, column: string | undefined, fn: string | null): StackFrame {
  return {
    file,
    line: line === undefined ? null : Number(line),
    column: column === undefined ? null : Number(column),
    function: fn,
    inApp: !isVendorPath(file),
  };
}
