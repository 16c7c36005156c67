import { hash } from "node:crypto";
import { lstat, readFile } from "node:fs/promises";
import path from "node:path";
import { readSnapshot, writeSnapshot } from "./cache.ts";
import { analyzerFor, type Analyzer } from "./parse-pool.ts";
import type { FileRecord } from "./record.ts";
import { isIndexablePath, listFiles, MAX_FILE_BYTES, skippedByContent, type IgnorePredicate } from "./walk.ts";

/** Where an index comes from and where it is kept. */
export interface BuildOptions {
  /** The clone's work tree, checked out at `commit`. */
  root: string;
  /** "owner/name": the cache's folder. */
  repository: string;
  commit: string;
  /** The data dir's index folder; snapshots go to `<cacheDir>/<repository-key>/<commit>.json`. */
  cacheDir: string;
  /**
   * An earlier indexed commit to start from: only files whose content changed are parsed again.
   * With `changedPaths` (e.g. from `git diff --name-only`) nothing else is even read.
   */
  previous?: { commit: string; changedPaths?: readonly string[] };
  isIgnored?: IgnorePredicate;
  log?: (message: string, details: Record<string, unknown>) => void;
}

export interface BuildStats {
  files: number;
  symbols: number;
  /** Files parsed in this build. */
  parsedFiles: number;
  /** Files taken unchanged from the previous commit's snapshot. */
  reusedFiles: number;
  /** Files left out: too large, binary, minified or generated. */
  skippedFiles: number;
  /** Time spent reading, parsing and counting terms, in milliseconds. */
  parseMs: number;
  totalMs: number;
  /** The whole snapshot came from the cache. */
  fromCache: boolean;
}

export interface BuiltIndex {
  files: FileRecord[];
  stats: BuildStats;
}

function contentHash(content: Buffer): string {
  return hash("sha1", content);
}

type Outcome = { kind: "reused"; record: FileRecord } | { kind: "parse" } | { kind: "skipped" } | { kind: "absent" };

/** Reads one file (never through a symlink): skipped, absent, unchanged since the previous commit, or to parse. */
async function examine(root: string, relativePath: string, previous: ReadonlyMap<string, FileRecord>): Promise<Outcome> {
  if (!isIndexablePath(relativePath)) return { kind: "absent" };
  const info = await lstat(path.join(root, relativePath)).catch(() => null);
  if (!info?.isFile()) return { kind: "absent" };
  if (info.size > MAX_FILE_BYTES) return { kind: "skipped" };
  const content = await readFile(path.join(root, relativePath));
  if (skippedByContent(content)) return { kind: "skipped" };
  const earlier = previous.get(relativePath);
  return earlier?.hash === contentHash(content) ? { kind: "reused", record: earlier } : { kind: "parse" };
}

async function parseOne(root: string, relativePath: string, analyzer: Analyzer): Promise<FileRecord> {
  const content = await readFile(path.join(root, relativePath));
  const analysis = await analyzer.analyze(relativePath, content.toString("utf8"));
  return { path: relativePath, hash: contentHash(content), size: content.length, ...analysis };
}

const BATCH = 64;

async function inBatches<T, R>(items: readonly T[], work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += BATCH) results.push(...(await Promise.all(items.slice(i, i + BATCH).map(work))));
  return results;
}

/** Builds (or loads, or updates) the index of one commit and caches it. */
export async function buildIndex(options: BuildOptions): Promise<BuiltIndex> {
  const started = performance.now();
  const cached = await readSnapshot(options.cacheDir, options.repository, options.commit);
  if (cached) {
    const stats = summarize(cached.files, { parsedFiles: 0, reusedFiles: cached.files.length, skippedFiles: 0, parseMs: 0 }, started, true);
    options.log?.("index loaded from cache", { commit: options.commit, ...stats });
    return { files: cached.files, stats };
  }
  const earlier = options.previous ? await readSnapshot(options.cacheDir, options.repository, options.previous.commit) : null;
  const previous = new Map((earlier?.files ?? []).map((record) => [record.path, record]));
  const changed = earlier && options.previous?.changedPaths;
  const records = new Map<string, FileRecord>(changed ? previous : []);
  const paths = changed ? [...new Set(changed)] : await listFiles(options.root, options.isIgnored);
  const counts = { parsedFiles: 0, reusedFiles: 0, skippedFiles: 0, parseMs: 0 };
  const parseStarted = performance.now();
  const outcomes = await inBatches(paths, async (relativePath) => {
    const ignored = changed && options.isIgnored ? await options.isIgnored(relativePath, false) : false;
    const outcome: Outcome = ignored ? { kind: "absent" } : await examine(options.root, relativePath, changed ? new Map() : previous);
    return { relativePath, outcome };
  });
  const toParse: string[] = [];
  for (const { relativePath, outcome } of outcomes) {
    records.delete(relativePath);
    if (outcome.kind === "reused") records.set(relativePath, outcome.record);
    else if (outcome.kind === "parse") toParse.push(relativePath);
    else if (outcome.kind === "skipped") counts.skippedFiles++;
  }
  const analyzer = analyzerFor(toParse.length);
  try {
    for (const record of await inBatches(toParse, (relativePath) => parseOne(options.root, relativePath, analyzer))) records.set(record.path, record);
  } finally {
    await analyzer.close();
  }
  counts.parsedFiles = toParse.length;
  counts.reusedFiles = records.size - toParse.length;
  counts.parseMs = Math.round(performance.now() - parseStarted);
  const files = [...records.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  await writeSnapshot(options.cacheDir, options.repository, options.commit, files);
  const stats = summarize(files, counts, started, false);
  options.log?.("index built", { commit: options.commit, previous: options.previous?.commit, ...stats });
  return { files, stats };
}

function summarize(files: FileRecord[], counts: Omit<BuildStats, "files" | "symbols" | "totalMs" | "fromCache">, started: number, fromCache: boolean): BuildStats {
  const symbols = files.reduce((sum, file) => sum + file.symbols.length, 0);
  return { files: files.length, symbols, ...counts, totalMs: Math.round(performance.now() - started), fromCache };
}
