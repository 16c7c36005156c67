/**
 * Go panics and goroutine dumps: "panic: …", then per frame a function line and
 * a tab-indented "path:line +0x…" line (sometimes with `fp= sp= pc=`), innermost first.
 * Only the panicking goroutine (the first one) is read. Standard library, module
 * cache and GOPATH dependencies are not in-app.
 */
import type { ParsedException, StackFrame } from "./types.ts";
import { isGoPathDependency, isGoStdlibFunction, isVendorPath } from "./vendor.ts";

const PANIC = /^\s*(panic|fatal error): (.*?)(?: \[recovered\])?\s*$/;
const GOROUTINE = /^\s*goroutine \d+ \[[^\]]*\]:\s*$/;
const FUNCTION = /^(\S.*?)(?:\([^()]*\))?\s*$/;
const LOCATION = /^\s+(\S.*?\.go|\S.*?\.s):(\d+)(?: \+0x[0-9a-f]+)?(?:\s+\S.*)?\s*$/;

export function parseGo(lines: readonly string[]): ParsedException[] {
  const start = lines.findIndex((l) => GOROUTINE.test(l));
  if (start < 0) return [];
  const panic = lines.slice(0, start).map((l) => PANIC.exec(l)).find((m) => m !== null);
  const frames: StackFrame[] = [];
  for (let i = start + 1; i + 1 < lines.length; i++) {
    const fn = lines[i] ?? "";
    if (fn.trim() === "" || GOROUTINE.test(fn)) break;
    const location = LOCATION.exec(lines[i + 1] ?? "");
    if (!location || /^\s/.test(fn)) continue;
    const name = (FUNCTION.exec(fn)?.[1] ?? fn).replace(/^created by /, "").replace(/ in goroutine \d+$/, "");
    const file = location[1] ?? "";
    frames.push({
      file,
      line: Number(location[2]),
      column: null,
      function: name,
      inApp: !isVendorPath(file) && !isGoPathDependency(file) && !isGoStdlibFunction(name),
    });
    i++;
  }
  if (frames.length === 0) return [];
  return [{ type: panic?.[1] ?? "panic", message: panic?.[2] ?? "", frames }];
}
