import { parseStackTrace } from "../incidents/stacktrace/index.ts";
import type { RepositoryIndex } from "./repository-index.ts";

/** Paths, stack frames and code names an issue text mentions, resolved against the index. */
export interface Mentions {
  /** Files named in the text (full path, path suffix or bare file name), with how sure the match is (0–1). */
  paths: Array<{ path: string; certainty: number; as: string }>;
  /** Stack-trace frames that resolve to indexed files, crash site first. */
  frames: Array<{ path: string; line: number | null; function: string | null; position: number }>;
  /** Names that look like code (`camelCase`, `snake_case`, `a.b()`, in backticks) and are defined in the index. */
  names: string[];
  /** Every code-like name in the text, defined in the index or not. */
  codeNames: string[];
}

const PATH_TOKEN = /(?:[\w@.-]+\/)*[\w@.-]+\.[A-Za-z][A-Za-z0-9]{0,5}\b/g;
const CODE_SPAN = /`([^`\n]+)`|```[^\n]*\n([\s\S]*?)```/g;
const IDENTIFIER = /[A-Za-z_$][\w$]*/g;
const MAX_DEFINERS = 12;

const basenames = new WeakMap<RepositoryIndex, Map<string, string[]>>();

function byBasename(index: RepositoryIndex): Map<string, string[]> {
  let map = basenames.get(index);
  if (!map) {
    map = new Map();
    for (const file of index.files) {
      const name = file.path.slice(file.path.lastIndexOf("/") + 1);
      const list = map.get(name);
      if (list) list.push(file.path);
      else map.set(name, [file.path]);
    }
    basenames.set(index, map);
  }
  return map;
}

function commonSuffixSegments(a: string[], b: string[]): number {
  let n = 0;
  while (n < a.length && n < b.length && a[a.length - 1 - n] === b[b.length - 1 - n]) n++;
  return n;
}

/** The indexed files a path as written (absolute, relative, or a bare name) most likely means. */
export function resolvePath(index: RepositoryIndex, written: string): { paths: string[]; certainty: number } {
  const cleaned = written.replace(/^file:\/\//, "").replace(/^\.\//, "").replace(/[?#].*$/, "");
  const segments = cleaned.split(/[/\\]/).filter((s) => s !== "" && s !== ".");
  const name = segments.at(-1) ?? "";
  const candidates = byBasename(index).get(name) ?? [];
  if (candidates.length === 0) return { paths: [], certainty: 0 };
  let best = 0;
  let bestPaths: string[] = [];
  for (const candidate of candidates) {
    const shared = commonSuffixSegments(candidate.split("/"), segments);
    if (shared > best) {
      best = shared;
      bestPaths = [candidate];
    } else if (shared === best) bestPaths.push(candidate);
  }
  const certainty = best >= 2 || (segments.length === 1 && bestPaths.length === 1) ? 1 / bestPaths.length : 0.5 / bestPaths.length;
  return { paths: bestPaths, certainty };
}

function codeLikeNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const match of text.matchAll(CODE_SPAN)) {
    for (const id of (match[1] ?? match[2] ?? "").matchAll(IDENTIFIER)) names.add(id[0]);
  }
  for (const match of text.matchAll(/[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*(?:\(|\b)/g)) {
    const token = match[0].replace(/\($/, "");
    const call = match[0].endsWith("(");
    for (const part of token.split(".")) {
      if (call || token.includes(".") || /[a-z][A-Z]|[A-Z][a-z]+[A-Z]|_[a-z]/.test(part)) names.add(part);
    }
  }
  return names;
}

export function findMentions(index: RepositoryIndex, text: string): Mentions {
  const frames: Mentions["frames"] = [];
  const trace = parseStackTrace(text);
  let position = 0;
  for (const exception of trace?.exceptions.toReversed() ?? []) {
    for (const frame of exception.frames) {
      const resolved = resolvePath(index, frame.file);
      if (resolved.paths.length === 1 && resolved.paths[0] && resolved.certainty >= 0.5) {
        frames.push({ path: resolved.paths[0], line: frame.line, function: frame.function, position });
      }
      position++;
    }
  }
  const frameFiles = (trace?.exceptions ?? []).flatMap((e) => e.frames.map((f) => f.file));
  const paths = new Map<string, { path: string; certainty: number; as: string }>();
  for (const match of text.matchAll(PATH_TOKEN)) {
    if (frameFiles.some((file) => file.endsWith(match[0]))) continue; // counted as a frame
    const resolved = resolvePath(index, match[0]);
    for (const path of resolved.paths) {
      const earlier = paths.get(path);
      if (!earlier || earlier.certainty < resolved.certainty) paths.set(path, { path, certainty: resolved.certainty, as: match[0] });
    }
  }
  const codeNames = [...codeLikeNames(text)];
  const names = codeNames.filter((name) => {
    const definers = index.definitions(name).length;
    return definers > 0 && definers <= MAX_DEFINERS && name.length > 2;
  });
  return { paths: [...paths.values()], frames, names, codeNames };
}
