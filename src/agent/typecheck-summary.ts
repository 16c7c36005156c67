// What a type check (tsc) said, for the digest's header: the figures of its last
// `Found N errors in M files.` line, or, when tsc printed none (`--pretty false`
// prints none), its `error TS` lines counted. Cheap: only the error lines the
// classifier found and the last lines are read.

import { isErrorClass, type LineClass } from "./line-classes.ts";

export interface TypeCheckSummary {
  tool: "tsc";
  errors: number;
  files: number;
}

/** tsc plain `src/a.ts(5,3): error TS2322:` and pretty `src/a.ts:5:3 - error TS2322:`; the file is group 1. */
const TSC_ERROR = /^(.+?)(?:\(\d+,\d+\): | ?:\d+:\d+ - )error TS\d+:/;
/** `Found 6 errors in 2 files.`, `Found 1 error in src/a.ts:3`, `Found 2 errors.` (watch mode adds `Watching for file changes.`). */
const TSC_FOUND = /^(?:\S+ - )?Found (\d+) errors?(?: in (?:(\d+) files|(\S+?):\d+))?\b/;
/** tsc prints its `Found` line after the errors and at most a per-file table (one line a file, capped here). */
const FOUND_WITHIN_LAST = 400;

export function summariseTypeCheck(lines: readonly string[], classes: Uint8Array): TypeCheckSummary | null {
  for (let i = lines.length - 1; i >= 0 && i >= lines.length - FOUND_WITHIN_LAST; i--) {
    const found = TSC_FOUND.exec(lines[i] ?? "");
    if (found === null) continue;
    const errors = Number(found[1]);
    const files = found[2] !== undefined ? Number(found[2]) : found[3] !== undefined ? 1 : filesOf(lines, classes).size;
    return { tool: "tsc", errors, files };
  }
  let errors = 0;
  const files = filesOf(lines, classes, () => errors++);
  return errors === 0 ? null : { tool: "tsc", errors, files: files.size };
}

function filesOf(lines: readonly string[], classes: Uint8Array, onError: () => void = () => {}): Set<string> {
  const files = new Set<string>();
  for (let i = 0; i < lines.length; i++) {
    if (!isErrorClass(classes[i] as LineClass)) continue;
    const error = TSC_ERROR.exec(lines[i] ?? "");
    if (error === null) continue;
    onError();
    files.add((error[1] ?? "").trim());
  }
  return files;
}

const count = (value: number): string => value.toLocaleString("en-US");

/** `type check (tsc): 6 errors in 2 files`. */
export function renderTypeCheckLine(summary: TypeCheckSummary): string {
  const errors = `${count(summary.errors)} error${summary.errors === 1 ? "" : "s"}`;
  return `type check (${summary.tool}): ${errors} in ${count(summary.files)} file${summary.files === 1 ? "" : "s"}`;
}
