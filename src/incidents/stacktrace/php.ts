/**
 * PHP traces as PHP, Laravel and Symfony print them:
 * - the engine's `PHP Fatal error:  Uncaught Type: msg in /path/file.php:12`, PHP 5's
 *   `Uncaught exception 'Type' with message 'msg' in …`, then `Stack trace:`,
 *   `#0 /path/file.php(34): Class->method()`, `#1 [internal function]: f()`, `#2 {main}` and
 *   `thrown in /path/file.php on line 12`, also when pasted on one line;
 * - `Next Type: msg in file:line`: PHP prints the previous exception (the root cause) first;
 * - Laravel's log line `[object] (Type(code: 0): msg at file:line)` + `[stacktrace]`, whose
 *   `[previous exception]` blocks come after the exception they caused;
 * - Laravel's console (Collision): `at vendor/…/Connection.php:671`, `+34 vendor frames`,
 *   `35  artisan:30` over the function's line;
 * - Symfony's console: `In File.php line 151:` and `Exception trace:` lines `f() at file:line`.
 * A printed entry `file(line): f()` says where `f` was called: the exception's own location
 * comes first, and each location runs the function the entry below it called.
 */
import type { ParsedException, StackFrame } from "./types.ts";
import { isPhpPlatformPath, isVendorPath } from "./vendor.ts";

/** One printed location: where `callee` was called (the exception's own location has none). */
interface Entry {
  file: string;
  line: number | null;
  callee: string | null;
}

interface PhpException {
  type: string;
  message: string;
  /** The exception's own location (header, `thrown in`, Collision's `at`, Symfony's `In … line N`). */
  location: Entry | null;
  entries: Entry[];
}

const LOCATION = String.raw`in (\S+?):(\d+)(?=\s|$)`;
const UNCAUGHT_PHP5 = new RegExp(String.raw`Uncaught exception '([\w\\]+)' with message '(.*)' ${LOCATION}`);
const UNCAUGHT = new RegExp(String.raw`Uncaught ([\w\\]+)(?::\s?(.*?))? ${LOCATION}`);
const NEXT = new RegExp(String.raw`^\s*Next ([\w\\]+)(?::\s?(.*?))? ${LOCATION}`);
const THROWN = /^\s*thrown in (\S.*?) on line (\d+)/;
const LARAVEL_LOG = /(\[previous exception\] )?\[object\] \(([\w\\]+)\(code: [\w-]+\): (.*) at (\S+?):(\d+)\)/;
const NATIVE_FRAME = /^\s*#\d+\s+(?:([^()]+?)\((\d+)\)|(\[internal function\])):\s*(.*?)\s*$/;
const MAIN = /^\s*#\d+\s+\{main\}/;
/** Where a one-line paste is cut: before each `#N file(line):`, `Stack trace:` and `thrown in`. */
const ONE_LINE_CUT = /\s+(?=#\d+\s+(?:[^\s()][^()]*\(\d+\):|\[internal function\]|\{main\})|Stack trace:|thrown in\s)/;
const PHP_PATH = String.raw`(\S+?\.(?:php\d?|phtml|inc)|\S*artisan)`;
const COLLISION_TYPE = /^\s{2,}((?:[A-Z]\w*\\)+[A-Z]\w*)\s*$/;
const COLLISION_AT = new RegExp(String.raw`^\s*at ${PHP_PATH}:(\d+)\s*$`);
const COLLISION_FRAME = new RegExp(String.raw`^\s*\d+\s+${PHP_PATH}:(\d+)\s*$`);
const COLLISION_FUNCTION = /^\s+([\w\\]+(?:::|->)[\w{}]+)\(.*\)\s*$|^\s+([\w\\]+)\(.*\)\s*$/;
const SYMFONY_IN = /^\s*In (\S+) line (\d+):\s*$/;
const SYMFONY_TYPE = /^\s*\[((?:\w+\\)*\w*(?:Exception|Error)\w*)\]\s*$/;
const SYMFONY_FRAME = new RegExp(String.raw`^\s*(\S.*?)\(\) at ${PHP_PATH}:(\d+)\s*$`);
/** What every line read above holds at least one of: the other lines of a log are passed over cheaply. */
const MAY_BE_PHP = /#\d|Uncaught|\[object\]| at |^\s*(?:In|Next|thrown) |^\s*\[|\\|\.(?:php\d?|phtml|inc)\b|artisan/;

export function parsePhp(lines: readonly string[]): ParsedException[] {
  /** Root cause first. */
  const chain: PhpException[] = [];
  let current: PhpException | null = null;
  let lastFrameLine = -1;
  const expanded = lines.flatMap((line) => (/#\d+\s/.test(line) ? line.split(ONE_LINE_CUT) : [line]));
  for (const [index, line] of expanded.entries()) {
    // Collision prints a frame's function on the line under its location.
    const last = current?.entries.at(-1);
    if (last && last.callee === null && lastFrameLine === index - 1) {
      const fn = COLLISION_FUNCTION.exec(line);
      if (fn) {
        last.callee = fn[1] ?? fn[2] ?? null;
        continue;
      }
    }
    if (!MAY_BE_PHP.test(line)) continue;
    const next = NEXT.exec(line);
    if (next && current) {
      current = exception(next[1], next[2], entry(next[3], next[4]));
      chain.push(current);
      continue;
    }
    const uncaught = UNCAUGHT_PHP5.exec(line) ?? UNCAUGHT.exec(line);
    if (uncaught) {
      // A second error in a log is another incident: the first one is read.
      if (chain.some((e) => e.entries.length > 0)) break;
      current = exception(uncaught[1], uncaught[2], entry(uncaught[3], uncaught[4]));
      chain.splice(0, chain.length, current);
      continue;
    }
    const log = LARAVEL_LOG.exec(line);
    if (log) {
      current = exception(log[2], log[3], entry(log[4], log[5]));
      // Laravel logs the previous exception (deeper) after the one it caused.
      if (log[1]) chain.unshift(current);
      else chain.splice(0, chain.length, current);
      continue;
    }
    const symfony = SYMFONY_IN.exec(line);
    if (symfony) {
      current = exception("Exception", "", entry(symfony[1], symfony[2]));
      // Symfony's console prints the previous exceptions after the one they caused.
      chain.unshift(current);
      continue;
    }
    const collisionType = COLLISION_TYPE.exec(line);
    if (collisionType && !current?.entries.length) {
      current = exception(collisionType[1], "", null);
      chain.splice(0, chain.length, current);
      continue;
    }
    const at = COLLISION_AT.exec(line);
    if (at) {
      if (!current) {
        current = exception("Exception", "", null);
        chain.push(current);
      }
      current.location ??= entry(at[1], at[2]);
      continue;
    }
    const thrown = THROWN.exec(line);
    if (thrown && current) {
      current.location ??= entry(thrown[1], thrown[2]);
      continue;
    }
    if (SYMFONY_TYPE.test(line) && current && current.entries.length === 0) {
      current.type = SYMFONY_TYPE.exec(line)?.[1] ?? current.type;
      continue;
    }
    if (MAIN.test(line)) continue;
    const frame = readEntry(line);
    if (frame) {
      if (!current) {
        current = exception("Exception", "", null);
        chain.push(current);
      }
      current.entries.push(frame);
      lastFrameLine = index;
    }
  }
  return chain.map(toParsed).filter((e) => e.frames.length > 0);
}

function readEntry(line: string): Entry | null {
  const native = NATIVE_FRAME.exec(line);
  if (native) return { file: native[3] ?? clean(native[1] ?? ""), line: native[2] ? Number(native[2]) : null, callee: callee(native[4]) };
  const symfony = SYMFONY_FRAME.exec(line);
  if (symfony) return { file: clean(symfony[2] ?? ""), line: Number(symfony[3]), callee: callee(symfony[1]) };
  const collision = COLLISION_FRAME.exec(line);
  if (collision) return { file: clean(collision[1] ?? ""), line: Number(collision[2]), callee: null };
  return null;
}

function exception(type: string | undefined, message: string | undefined, location: Entry | null): PhpException {
  return { type: clean(type ?? "Exception"), message: message ?? "", location, entries: [] };
}

function entry(file: string | undefined, line: string | undefined): Entry {
  return { file: clean(file ?? ""), line: Number(line), callee: null };
}

/** Laravel's JSON log doubles backslashes. */
function clean(text: string): string {
  return text.trim().replace(/\\\\/g, "\\");
}

/** `Class->method(args)` → `Class->method`. */
function callee(text: string | undefined): string | null {
  const name = clean(text ?? "").replace(/\(.*$/s, "");
  return name === "" ? null : name;
}

function toParsed(e: PhpException): ParsedException {
  const first = e.entries[0];
  const sameAsFirst = first !== undefined && e.location !== null && first.file === e.location.file && first.line === e.location.line;
  const locations = e.location && !sameAsFirst ? [e.location, ...e.entries] : e.entries;
  const offset = locations === e.entries ? 1 : 0;
  const frames = locations.map((at, i): StackFrame => {
    // The code at a location belongs to the function the next printed entry called.
    const below = e.entries[i + offset];
    const inApp = at.file !== "[internal function]" && !isVendorPath(at.file) && !isPhpPlatformPath(at.file);
    return { file: at.file, line: at.file === "[internal function]" ? null : at.line, column: null, function: below?.callee ?? null, inApp };
  });
  return { type: e.type, message: e.message, frames };
}
