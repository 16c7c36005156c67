/**
 * Ruby backtraces: "path:line:in `method': message (Class)" then "from path:line:in `m'",
 * Rails logs ("NoMethodError (message):" followed by bare frame lines), methods quoted
 * `so', 'so' (Ruby 3.4: 'Class#method') or not at all, Errbit/Airbrake's `[app]…` and
 * `[bundle]…` markers, and Honeybadger's "line 83 of [PROJECT_ROOT]/app/…: method".
 */
import type { ParsedException, StackFrame } from "./types.ts";
import { isVendorPath } from "./vendor.ts";

const FIRST = /^\s*(\S.*?):(\d+):in [`'](.+?)': (.*) \(([A-Z][\w:]*)\)\s*$/;
const FRAME = /^\s*(?:from\s+)?(?:\[\w+\]\.\.\.)?(\S*?\.(?:rb|erb|rake|haml|slim|ru|builder)|\(\w+\)|<internal:\w+>|\S*\/bin\/[\w.-]+):(\d+):in\s+[`']?(.+?)'?\s*$/;
const HONEYBADGER = /^\s*line (\d+) of \[(?:PROJECT_ROOT|GEM_ROOT)\](\S+?): (.+?)\s*$/;
const RAILS_HEADER = /^\s*([A-Z][\w:]*(?:Error|Exception|Invalid|NotFound)\w*) \((.*)\):\s*$/;

export function parseRuby(lines: readonly string[]): ParsedException[] {
  const out: ParsedException[] = [];
  let current: ParsedException | null = null;
  for (const line of lines) {
    const first = FIRST.exec(line);
    if (first) {
      current = { type: first[5] ?? "RuntimeError", message: first[4] ?? "", frames: [rubyFrame(first[1], first[2], first[3])] };
      out.push(current);
      continue;
    }
    const rails = RAILS_HEADER.exec(line);
    if (rails) {
      current = { type: rails[1] ?? "RuntimeError", message: rails[2] ?? "", frames: [] };
      out.push(current);
      continue;
    }
    const frame = FRAME.exec(line);
    const honeybadger = frame ? null : HONEYBADGER.exec(line);
    if (frame || honeybadger) {
      if (!current) {
        current = { type: "RuntimeError", message: "", frames: [] };
        out.push(current);
      }
      current.frames.push(frame ? rubyFrame(frame[1], frame[2], frame[3]) : rubyFrame(honeybadger?.[2]?.replace(/^\//, ""), honeybadger?.[1], honeybadger?.[3]));
      continue;
    }
    if (line.trim() !== "" && current && current.frames.length > 0) current = null;
  }
  // Ruby prints the raised exception first and its `cause` after ("Caused by"); not chained here.
  return out.filter((e) => e.frames.length > 0);
}

function rubyFrame(file: string | undefined, line: string | undefined, method: string | undefined): StackFrame {
  const path = file ?? "";
  const fn = (method ?? "").replace(/^block (\(\d+ levels\) )?in /, "");
  return { file: path, line: Number(line), column: null, function: fn || null, inApp: !isVendorPath(path) };
}
