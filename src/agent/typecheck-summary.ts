// What a type check or a build said, for the digest's header:
// - tsc: the figures of its last `Found N errors in M files.` line, or, when tsc printed
//   none (`--pretty false` prints none), its `error TS` lines counted;
// - cargo: the errors of its `could not compile … due to N previous errors` lines (one per
//   crate, summed), the files of the ` --> file:line:col` lines under `error` headers;
// - go build/vet: the `file.go:line:col: message` lines under a `# package` header.
// Cheap: only the error lines the classifier found and the last lines are read, unless a
// cargo failure line says there is something to count.

import { isErrorClass, type LineClass } from "./line-classes.ts";
import { formatCount } from "../figures/count.ts";

export interface TypeCheckSummary {
  tool: "tsc" | "cargo" | "go";
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
  return summariseTsc(lines, classes) ?? summariseCargo(lines) ?? summariseGo(lines, classes);
}

function summariseTsc(lines: readonly string[], classes: Uint8Array): TypeCheckSummary | null {
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

/** `error: could not compile `shop` (lib) due to 3 previous errors; 1 warning emitted`, `… due to previous error`. */
const CARGO_FAILED = /^error: could not compile `[^`]+`(?: \([^)]*\))? due to (\d+ )?previous errors?\b/;
const CARGO_HEADER = /^(error|warning)(?:\[[A-Z]\d+\])?: /;
const CARGO_LOCATION = /^\s*--> (.+?):\d+:\d+$/;

function summariseCargo(lines: readonly string[]): TypeCheckSummary | null {
  let errors = 0;
  for (let i = lines.length - 1; i >= 0 && i >= lines.length - FOUND_WITHIN_LAST; i--) {
    const failed = CARGO_FAILED.exec(lines[i] ?? "");
    if (failed) errors += failed[1] === undefined ? 1 : Number(failed[1]);
  }
  if (errors === 0) return null;
  // The files: the first location under each error header (warnings' locations are not counted).
  const files = new Set<string>();
  let inError = false;
  for (const line of lines) {
    const header = CARGO_HEADER.exec(line);
    if (header) {
      inError = header[1] === "error" && !CARGO_FAILED.test(line);
      continue;
    }
    const location = inError ? CARGO_LOCATION.exec(line) : null;
    if (location) {
      files.add(location[1] ?? "");
      inError = false;
    }
  }
  return { tool: "cargo", errors, files: files.size };
}

/** `./store/cart.go:12:5: undefined: total` (go build, go vet), below a `# example.com/shop/store` header. */
const GO_ERROR = /^(\S+\.go):\d+:\d+: /;
const GO_PACKAGE = /^# \S+$/;

function summariseGo(lines: readonly string[], classes: Uint8Array): TypeCheckSummary | null {
  let errors = 0;
  const files = new Set<string>();
  for (let i = 0; i < lines.length; i++) {
    if (!isErrorClass(classes[i] as LineClass)) continue;
    const error = GO_ERROR.exec(lines[i] ?? "");
    if (error === null || !belowGoPackage(lines, i)) continue;
    errors++;
    files.add(error[1] ?? "");
  }
  return errors === 0 ? null : { tool: "go", errors, files: files.size };
}

/** Whether the error line at `index` is one of a `# package` block's (only its error lines stand between them). */
function belowGoPackage(lines: readonly string[], index: number): boolean {
  for (let i = index - 1; i >= 0 && i >= index - 200; i--) {
    const line = lines[i] ?? "";
    if (GO_PACKAGE.test(line)) return true;
    if (!GO_ERROR.test(line) && !/^\s/.test(line) && !line.startsWith("too many errors")) return false;
  }
  return false;
}

/** `type check (tsc): 6 errors in 2 files`, `build (cargo): 3 errors in 1 file`. */
export function renderTypeCheckLine(summary: TypeCheckSummary): string {
  const errors = `${formatCount(summary.errors)} error${summary.errors === 1 ? "" : "s"}`;
  return `${summary.tool === "tsc" ? "type check" : "build"} (${summary.tool}): ${errors} in ${formatCount(summary.files)} file${summary.files === 1 ? "" : "s"}`;
}
