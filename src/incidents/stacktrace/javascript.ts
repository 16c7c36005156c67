/**
 * JavaScript and TypeScript stacks: V8 (Node.js, Chrome, Edge: "    at fn (file:1:2)")
 * and Firefox/Safari ("fn@file:1:2"), with Node's error causes (`[cause]: Error…`,
 * `cause: Error…`, printed after the error they caused) and Bluebird's long stack
 * traces (`From previous event:` continues the same error's frames).
 */
import type { ParsedException, StackFrame } from "./types.ts";
import { isVendorPath } from "./vendor.ts";

const V8_FRAME = /^\s*at (?:(?:async )?(.+?) ?\((.+?)\)|(?:async )?(.+?))\s*\{?\s*$/;
const LOCATION = /^(.*?):(\d+)(?::(\d+))?$/;
const GECKO_FRAME = /^\s*([^@\s]*)@(.+?):(\d+)(?::(\d+))?\s*$/;
const ERROR_LINE = /^\s*(\[cause\]:\s*|cause:\s*)?(?:Unhandled rejection\s+|Uncaught\s+(?:\(in promise\)\s+)?)?(?:\[?([A-Z][\w$.]*(?:Error|Exception)|Error)\]?)(?::\s?(.*?))?\s*\{?\s*$/;
const PREVIOUS_EVENT = /^\s*From previous event:\s*$/;

interface Block extends ParsedException {
  cause: boolean;
}

export function parseJavaScript(lines: readonly string[]): ParsedException[] {
  const out: Block[] = [];
  let current: Block | null = null;
  let lastHeader: { type: string; message: string; cause: boolean } | null = null;
  for (const line of lines) {
    const frame = v8Frame(line) ?? geckoFrame(line);
    if (frame) {
      current ??= { ...(lastHeader ?? { type: "Error", message: "", cause: false }), frames: [] };
      if (frame !== "skip") current.frames.push(frame);
      continue;
    }
    if (current && PREVIOUS_EVENT.test(line)) continue;
    if (current && current.frames.length > 0) out.push(current);
    current = null;
    const header = ERROR_LINE.exec(line);
    lastHeader = header ? { type: header[2] ?? "Error", message: (header[3] ?? "").trim(), cause: header[1] !== undefined } : null;
  }
  if (current && current.frames.length > 0) out.push(current);
  return rootCauseFirst(out);
}

/** A cause is printed after the error it caused: each run of causes goes before its error. */
function rootCauseFirst(blocks: readonly Block[]): ParsedException[] {
  const out: ParsedException[] = [];
  let group: Block[] = [];
  const flush = () => {
    out.push(...group.toReversed().map(({ cause: _cause, ...e }) => e));
    group = [];
  };
  for (const block of blocks) {
    if (!block.cause) flush();
    group.push(block);
  }
  flush();
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
