import { hash } from "node:crypto";
import { lstat, readFile } from "node:fs/promises";
import path from "node:path";
import { readSnapshot, writeSnapshot } from "./cache.ts";
import { languageOf } from "./languages.ts";
import { outlineFile } from "./parse.ts";
import type { FileRecord } from "./record.ts";
import { countTerms, encodeTerms, textTerms } from "./terms.ts";
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

async function recordOf(relativePath: string, content: Buffer, digest: string): Promise<FileRecord> {
  const text = content.toString("utf8");
  const language = languageOf(relativePath);
  const outline = language ? await outlineFile(language, text) : { symbols: [], references: [] };
  return {
    path: relativePath,
    hash: digest,
    size: content.length,
    lines: text.split("\n").length,
    language,
    symbols: outline.symbols,
    references: outline.references,
    terms: encodeTerms(countTerms(textTerms(text))),
  };
}

type Outcome = { kind: "indexed"; record: FileRecord; reused: boolean } | { kind: "skipped" } | { kind: "absent" };

/** Reads one file (never through a symlink) and indexes it, reusing the previous record when its content is the same. */
async function indexOne(root: string, relativePath: string, previous: Map<string, FileRecord>): Promise<Outcome> {
  if (!isIndexablePath(relativePath)) return { kind: "absent" };
  const absolute = path.join(root, relativePath);
  const info = await lstat(absolute).catch(() => null);
  if (!info?.isFile()) return { kind: "absent" };
  if (info.size > MAX_FILE_BYTES) return { kind: "skipped" };
  const content = await readFile(absolute);
  if (skippedByContent(content)) return { kind: "skipped" };
  const digest = contentHash(content);
  const earlier = previous.get(relativePath);
  if (earlier?.hash === digest) return { kind: "indexed", record: earlier, reused: true };
  return { kind: "indexed", record: await recordOf(relativePath, content, digest), reused: false };
}

const READ_BATCH = 32;

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
  for (let i = 0; i < paths.length; i += READ_BATCH) {
    const batch = paths.slice(i, i + READ_BATCH);
    const outcomes = await Promise.all(batch.map((relativePath) => indexOne(options.root, relativePath, changed ? new Map() : previous)));
    for (const [j, outcome] of outcomes.entries()) {
      const relativePath = batch[j] ?? "";
      const ignored = changed && options.isIgnored ? await options.isIgnored(relativePath, false) : false;
      if (outcome.kind !== "indexed" || ignored) {
        records.delete(relativePath);
        if (outcome.kind === "skipped") counts.skippedFiles++;
        continue;
      }
      records.set(relativePath, outcome.record);
      if (outcome.reused) counts.reusedFiles++;
      else counts.parsedFiles++;
    }
  }
  counts.parseMs = Math.round(performance.now() - parseStarted);
  if (changed) counts.reusedFiles = records.size - counts.parsedFiles;
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
