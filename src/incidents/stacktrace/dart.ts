/**
 * Dart and Flutter traces: `#0      main.<anonymous closure> (package:my_app/main.dart:12:5)`
 * (crash site first), the VS Code console's variant with the location on the next line
 * (`package:my_app/…/home.dart:191`), headers (`Unhandled exception:` with the error on the
 * next line, the engine's `[ERROR:…] Unhandled Exception: Type: msg`, Flutter's
 * `══╡ EXCEPTION CAUGHT BY WIDGETS LIBRARY ╞═══` and `The following … was thrown`), and async
 * gaps (`<asynchronous suspension>`, `===== asynchronous gap ===`), which are skipped.
 * `dart:` and Flutter's own frames, the pub cache and well-known packages are not in-app.
 * The first trace is read: a later `#0` or header starts another incident.
 */
import type { ParsedException, StackFrame } from "./types.ts";
import { isDartLibraryPackage, isDartPlatformLocation, isVendorPath } from "./vendor.ts";

const FRAME = /^\s*#(\d+)\s+(.+?)\s+\((\S+?)(?::(\d+)(?::(\d+))?)?\)\s*$/;
const FRAME_WITHOUT_LOCATION = /^\s*#(\d+)\s+(\S[^()]*?)\s*$/;
const NEXT_LINE_LOCATION = /^\s*((?:package|dart|file):\S+?|\S+\.dart)(?::(\d+)(?::(\d+))?)?\s*$/;
const UNHANDLED = /Unhandled [Ee]xception:\s*(.*?)\s*$/;
const FLUTTER_BLOCK = /EXCEPTION CAUGHT BY ([A-Z ]+?) ╞|═+ Exception caught by ([\w ]+?) ═+/i;
const FOLLOWING = /^\s*The following (\S+?)(?: object)? was thrown/;
/** What a header or a frame line holds: the other lines of a log are passed over cheaply. */
const MAY_BE_DART = /#\d|xception|EXCEPTION|The following/;
const ERROR_TYPE = /^([A-Za-z_$][\w$]*(?:Error|Exception)|_?[A-Z][\w$]*):\s?(.*)$/;

export function parseDart(lines: readonly string[]): ParsedException[] {
  let current: ParsedException | null = null;
  /** A header whose error is on the next line (`Unhandled exception:`). */
  let awaitingMessage = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (!awaitingMessage && !MAY_BE_DART.test(line)) continue;
    const started = current !== null && current.frames.length > 0;
    const unhandled = UNHANDLED.exec(line);
    const block = unhandled ? null : FLUTTER_BLOCK.exec(line);
    if (unhandled || block) {
      if (started) break;
      current = { type: "Exception", message: "", frames: [] };
      if (unhandled) describe(current, unhandled[1] ?? "");
      else current.type = "FlutterError";
      awaitingMessage = unhandled?.[1] === "";
      continue;
    }
    const following = FOLLOWING.exec(line);
    if (following && current && !started) {
      current.type = following[1] ?? current.type;
      continue;
    }
    if (awaitingMessage && current && line.trim() !== "") {
      describe(current, line.trim());
      awaitingMessage = false;
      continue;
    }
    const frame = readFrame(line, lines[i + 1]);
    if (!frame) continue;
    if (frame.index === 0 && started) break;
    current ??= { type: "Exception", message: "", frames: [] };
    current.frames.push(frame.frame);
    if (frame.twoLines) i++;
  }
  return current && current.frames.length > 0 ? [current] : [];
}

function describe(exception: ParsedException, text: string): void {
  const typed = ERROR_TYPE.exec(text);
  exception.type = typed?.[1] ?? exception.type;
  exception.message = typed ? (typed[2] ?? "") : text;
}

function readFrame(line: string, next: string | undefined): { index: number; frame: StackFrame; twoLines: boolean } | null {
  const match = FRAME.exec(line);
  if (match) return { index: Number(match[1]), frame: dartFrame(match[2], match[3], match[4], match[5]), twoLines: false };
  const bare = FRAME_WITHOUT_LOCATION.exec(line);
  const location = bare ? NEXT_LINE_LOCATION.exec(next ?? "") : null;
  if (bare && location) return { index: Number(bare[1]), frame: dartFrame(bare[2], location[1], location[2], location[3]), twoLines: true };
  return null;
}

function dartFrame(fn: string | undefined, location: string | undefined, line: string | undefined, column: string | undefined): StackFrame {
  const file = location ?? "";
  const pkg = /^package:([\w.]+)\//.exec(file)?.[1];
  const inApp = !isDartPlatformLocation(file) && !isVendorPath(file) && !(pkg !== undefined && isDartLibraryPackage(pkg));
  return { file, line: line ? Number(line) : null, column: column ? Number(column) : null, function: fn?.trim() || null, inApp };
}
