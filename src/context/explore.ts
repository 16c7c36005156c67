import { readFile } from "node:fs/promises";
import path from "node:path";
import { resolveInside } from "./confine.ts";
import type { CodeSymbol } from "./record.ts";
import type { RepositoryIndex } from "./repository-index.ts";

/**
 * Read-only exploration of the indexed clone, for a planner's tools or `/droid ask`: view a file,
 * search the code, find files, find a symbol's definitions and uses. Nothing is executed; every
 * path is confined to the root (no `..`, no absolute paths, no symlink leading out), and every
 * answer is capped and says how much more there was.
 */

export interface FileView {
  path: string;
  startLine: number;
  endLine: number;
  totalLines: number;
  /** The lines, each prefixed with its number. */
  text: string;
  truncated: boolean;
}

export const MAX_VIEW_LINES = 400;
const MAX_LINE_CHARS = 500;

function numbered(lines: readonly string[], first: number): string {
  const width = String(first + lines.length - 1).length;
  return lines
    .map((line, i) => `${String(first + i).padStart(width)}│ ${line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)}…` : line}`)
    .join("\n");
}

async function readLines(index: RepositoryIndex, relativePath: string): Promise<string[]> {
  return (await readFile(await resolveInside(index.root, relativePath), "utf8")).split("\n");
}

/** A file or a line range of it (1-based, inclusive), numbered, at most `maxLines` lines. */
export async function viewFile(index: RepositoryIndex, relativePath: string, range: { startLine?: number; endLine?: number; maxLines?: number } = {}): Promise<FileView> {
  const lines = await readLines(index, relativePath);
  const maxLines = Math.min(range.maxLines ?? 200, MAX_VIEW_LINES);
  const startLine = Math.min(Math.max(1, range.startLine ?? 1), Math.max(1, lines.length));
  const wantedEnd = Math.min(lines.length, Math.max(startLine, range.endLine ?? lines.length));
  const endLine = Math.min(wantedEnd, startLine + maxLines - 1);
  return {
    path: relativePath,
    startLine,
    endLine,
    totalLines: lines.length,
    text: numbered(lines.slice(startLine - 1, endLine), startLine),
    truncated: endLine < wantedEnd,
  };
}

export interface CodeMatch {
  path: string;
  line: number;
  text: string;
}

export interface SearchResult {
  matches: CodeMatch[];
  /** Matching lines in all, shown or not. */
  total: number;
  /** Files with at least one match. */
  files: number;
  /** More matches existed than shown, or the search stopped at its time limit. */
  truncated: boolean;
}

export interface SearchOptions {
  pattern: string;
  /** A JavaScript regular expression rather than a literal string. */
  regex?: boolean;
  caseSensitive?: boolean;
  /** Only paths matching this glob (`src/**\/*.ts`) or containing this text. */
  paths?: string;
  maxResults?: number;
}

const SEARCH_TIME_LIMIT_MS = 3_000;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function pathFilter(filter: string | undefined): (relativePath: string) => boolean {
  if (!filter) return () => true;
  if (/[*?[{]/.test(filter)) return (relativePath) => path.posix.matchesGlob(relativePath, filter);
  const lower = filter.toLowerCase();
  return (relativePath) => relativePath.toLowerCase().includes(lower);
}

/** Lines of the indexed files matching a literal or a regular expression; counted, capped. */
export async function searchCode(index: RepositoryIndex, options: SearchOptions): Promise<SearchResult> {
  if (options.pattern === "" || options.pattern.length > 500) throw new Error("the search pattern must be 1–500 characters");
  const source = options.regex ? options.pattern : escapeRegExp(options.pattern);
  const matcher = new RegExp(source, options.caseSensitive ? "" : "i");
  const maxResults = options.maxResults ?? 50;
  const wanted = pathFilter(options.paths);
  const started = performance.now();
  const result: SearchResult = { matches: [], total: 0, files: 0, truncated: false };
  for (const file of index.files) {
    if (!wanted(file.path)) continue;
    if (performance.now() - started > SEARCH_TIME_LIMIT_MS) {
      result.truncated = true;
      break;
    }
    const lines = await readLines(index, file.path).catch(() => []);
    let found = false;
    for (const [n, line] of lines.entries()) {
      if (line.length > 2_000 || !matcher.test(line)) continue;
      found = true;
      result.total++;
      if (result.matches.length < maxResults) result.matches.push({ path: file.path, line: n + 1, text: line.trim().slice(0, MAX_LINE_CHARS) });
    }
    if (found) result.files++;
  }
  if (result.total > result.matches.length) result.truncated = true;
  return result;
}

/** Indexed paths matching a glob (`**\/*.test.ts`) or containing a text; capped, counted. */
export function findFiles(index: RepositoryIndex, query: string, maxResults = 100): { paths: string[]; total: number } {
  const wanted = pathFilter(query);
  const all = index.files.map((file) => file.path).filter(wanted);
  return { paths: all.slice(0, maxResults), total: all.length };
}

export interface SymbolUses {
  definitions: Array<{ path: string; symbol: CodeSymbol }>;
  /** Lines using the name as a whole word, in files whose code refers to it (definitions aside). */
  references: CodeMatch[];
  totalReferences: number;
}

/** Where a name is defined and where it is used. */
export async function findSymbol(index: RepositoryIndex, name: string, maxReferences = 50): Promise<SymbolUses> {
  const definitions = [...index.definitions(name)];
  const definedAt = new Set(definitions.map((d) => `${d.path}:${d.symbol.line}`));
  const word = new RegExp(`(?<![\\w$])${escapeRegExp(name)}(?![\\w$])`);
  const references: CodeMatch[] = [];
  let totalReferences = 0;
  for (const file of index.files) {
    if (!file.references.includes(name)) continue;
    const lines = await readLines(index, file.path).catch(() => []);
    for (const [n, line] of lines.entries()) {
      if (!word.test(line) || definedAt.has(`${file.path}:${n + 1}`)) continue;
      totalReferences++;
      if (references.length < maxReferences) references.push({ path: file.path, line: n + 1, text: line.trim().slice(0, MAX_LINE_CHARS) });
    }
  }
  return { definitions, references, totalReferences };
}
