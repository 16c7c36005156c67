/**
 * Maps a frame's path (as the running program saw it) to a file of the repository:
 * `/app/src/orders.py`, `webpack:///./src/cart.ts`, `https://cdn.example.com/static/js/main.js`
 * or `com/acme/Orders.java` become repository paths when the repository has them.
 *
 * Matching is by path suffix: the longest tail of the frame's path that names
 * exactly one repository file wins; configured source roots are tried first.
 */
import type { StackFrame } from "./stacktrace/types.ts";

export type FrameLocation =
  | { kind: "repo"; path: string; line: number | null; how: "exact" | "source-root" | "suffix" }
  | { kind: "ambiguous"; candidates: string[] }
  | { kind: "minified"; file: string; note: string }
  | { kind: "vendor"; file: string }
  | { kind: "not-found"; file: string; normalised: string };

export interface RepoPathOptions {
  /** Directories the deployed code was built from, e.g. `src`, `app/javascript` (tried first). */
  sourceRoots?: readonly string[];
}

/** Container and build prefixes that never appear in the repository. */
const DEPLOY_PREFIXES = [
  /^\/?(?:usr\/src\/app|usr\/app|opt\/app|srv\/app|home\/app|var\/task|var\/www(?:\/html)?|workspace|code|src\/app|app)\//,
  /^\/?home\/[^/]+\/(?:app|src|code|project)\//,
];

const MINIFIED = [
  /\.min\.(?:js|mjs|cjs|css)$/,
  /[.-][0-9a-f]{8,}(?:\.chunk)?\.(?:js|mjs|css)$/,
  /(?:^|\/)(?:chunk|vendor|main|bundle|runtime)[.-][\w-]*\.js$/,
];

export class RepoFiles {
  readonly #files: ReadonlySet<string>;
  /** basename → files with that name. */
  readonly #byName = new Map<string, string[]>();

  constructor(files: Iterable<string>) {
    const set = new Set<string>();
    for (const raw of files) {
      const file = raw.replace(/^\.?\//, "");
      set.add(file);
      const name = file.split("/").at(-1) ?? file;
      const list = this.#byName.get(name);
      if (list) list.push(file);
      else this.#byName.set(name, [file]);
    }
    this.#files = set;
  }

  has(path: string): boolean {
    return this.#files.has(path);
  }

  /** Repository files whose path ends with `tail` (a whole number of segments). */
  endingWith(tail: string): string[] {
    const name = tail.split("/").at(-1) ?? tail;
    return (this.#byName.get(name) ?? []).filter((f) => f === tail || f.endsWith(`/${tail}`));
  }
}

/** The frame's path without URL, bundler scheme, query, leading `./` and container prefix (`/app/`…). */
export function normalisePath(file: string): string {
  let path = cleanPath(file);
  for (const prefix of DEPLOY_PREFIXES) path = path.replace(prefix, "");
  return path.replace(/^\/+/, "");
}

/** The frame's path without URL, bundler scheme, query and leading `./`. */
function cleanPath(file: string): string {
  let path = file.trim().replace(/\\/g, "/");
  path = path.replace(/[?#].*$/, "");
  path = path.replace(/^webpack(?:-internal)?:\/\/\/(?:\([^)]*\)\/)?/, "");
  path = path.replace(/^webpack(?:-internal)?:\/\/[^/]*\//, "");
  path = path.replace(/^(?:file|app|turbopack|vite|rollup):\/\/\/?/, "/");
  path = path.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]+\//i, "/");
  path = path.replace(/^[A-Za-z]:\//, "/");
  path = path.replace(/^~\//, "");
  // Dart's package URI names the package's lib/ directory: package:my_app/home.dart is lib/home.dart.
  path = path.replace(/^package:[\w.]+\//, "lib/");
  while (path.startsWith("./")) path = path.slice(2);
  return path.replace(/\/\.\//g, "/");
}

export function isMinified(frame: StackFrame): boolean {
  const path = normalisePath(frame.file);
  return MINIFIED.some((p) => p.test(path)) || (frame.line === 1 && (frame.column ?? 0) > 1000);
}

export function locateFrame(frame: StackFrame, files: RepoFiles, options: RepoPathOptions = {}): FrameLocation {
  // The reader decided (a repository that is a library has its own frames under vendor paths).
  if (!frame.inApp) return { kind: "vendor", file: frame.file };
  if (isMinified(frame)) {
    return { kind: "minified", file: frame.file, note: "minified bundle: line and column point into built code; upload source maps to Sentry to see the source file" };
  }
  const clean = cleanPath(frame.file).replace(/^\/+/, "");
  const normalised = normalisePath(frame.file);
  // `app/models/order.rb` is a Rails path, `/app/shop/views.py` a container path: try both.
  for (const exact of [clean, normalised]) {
    if (files.has(exact)) return { kind: "repo", path: exact, line: frame.line, how: "exact" };
  }
  for (const root of options.sourceRoots ?? []) {
    const candidate = `${root.replace(/^\.?\/+|\/+$/g, "")}/${normalised}`;
    if (files.has(candidate)) return { kind: "repo", path: candidate, line: frame.line, how: "source-root" };
  }
  const segments = clean.split("/").filter((s) => s !== "");
  for (let start = 0; start < segments.length; start++) {
    const matches = files.endingWith(segments.slice(start).join("/"));
    if (matches.length === 1 && matches[0] !== undefined) return { kind: "repo", path: matches[0], line: frame.line, how: "suffix" };
    // Shorter tails only match more files: the frame cannot be placed.
    if (matches.length > 1) return { kind: "ambiguous", candidates: matches.slice(0, 10) };
  }
  return { kind: "not-found", file: frame.file, normalised };
}

