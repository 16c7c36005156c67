/**
 * npm run bench:localize — how often the first planning request would hold the files an issue's
 * fix changed. Real issues (bench/localize-cases/) against the source published just before the
 * fix; for each case, Droid's "Relevant code" section at 8k and 16k tokens (4 characters a token)
 * and, measured in the same run, a plain BM25 baseline over whole files (rank files by BM25 on
 * their text, paste them whole until the budget is spent). A case counts for ALL when every
 * changed file is in the section, for ANY when one is. Ranking alone (top 5 / top 10) is shown
 * for both. Then index build figures: the largest repository of the set cold and incremental,
 * and a synthetic 10,000-file repository made from the real files.
 *
 *   npm run bench:localize [-- --cache <dir>] [-- --skip-synthetic]
 */
import { readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { localize, renderRelevantCode, RepositoryIndex } from "../src/context/index.ts";
import { bm25, lexicalIndex } from "../src/context/lexical.ts";
import { topIndices } from "../src/context/localize.ts";
import { countTerms, textTerms } from "../src/context/terms.ts";
import { measureBuilds, syntheticRepository } from "./localize-build.ts";
import { loadCases, materialize, type LocalizationCase } from "./localize-cases.ts";

const { values } = parseArgs({
  options: { cache: { type: "string" }, "skip-synthetic": { type: "boolean", default: false } },
});
const cacheDir = values.cache ?? process.env.DROID_BENCH_CACHE ?? path.join(os.tmpdir(), "droid-bench-localize");
const BUDGETS = [8_000, 16_000];
const CHARS_PER_TOKEN = 4;

type Tally = { all: number; any: number; shown: number };
const tallies = new Map<string, Tally>();
function count(key: string, expected: string[], present: Set<string>): void {
  const tally = tallies.get(key) ?? { all: 0, any: 0, shown: 0 };
  if (expected.every((f) => present.has(f))) tally.all++;
  if (expected.some((f) => present.has(f))) tally.any++;
  tally.shown += present.size;
  tallies.set(key, tally);
}

function sectionPaths(section: string): Set<string> {
  return new Set([...section.matchAll(/^## (.+)$/gm)].map((m) => m[1] ?? ""));
}

/** The baseline: files by BM25 over their whole text, pasted whole (the last one cut) until the budget is spent. */
async function baselineSection(index: RepositoryIndex, text: string, maxChars: number): Promise<string> {
  const scores = bm25(lexicalIndex(index, "content"), countTerms(textTerms(text)));
  let section = "";
  for (const n of topIndices(scores, 50)) {
    const file = index.files[n];
    if (!file || (scores[n] ?? 0) <= 0) break;
    const entry = `## ${file.path}\n${await readFile(path.join(index.root, file.path), "utf8")}\n`;
    section += entry;
    if (section.length >= maxChars) return section.slice(0, maxChars);
  }
  return section;
}

async function evaluate(c: LocalizationCase): Promise<{ droid: string[]; bm25: string[] }> {
  const root = await materialize(cacheDir, c.package, c.version);
  const index = await RepositoryIndex.build({ root, repository: c.package, commit: c.version, cacheDir: path.join(cacheDir, "index") });
  const missing = c.expected.filter((f) => !index.file(f));
  if (missing.length > 0) throw new Error(`${c.id}: ${missing.join(", ")} not in ${c.package}@${c.version}`);
  const result = await localize(index, { text: c.issueText });
  for (const tokens of BUDGETS) {
    const maxChars = tokens * CHARS_PER_TOKEN;
    count(`droid ${tokens}`, c.expected, sectionPaths(renderRelevantCode(result, { maxChars })));
    count(`bm25 ${tokens}`, c.expected, sectionPaths(await baselineSection(index, c.issueText, maxChars)));
  }
  const baseline = bm25(lexicalIndex(index, "content"), countTerms(textTerms(c.issueText)));
  const bm25Ranked = topIndices(baseline, 10).map((n) => index.files[n]?.path ?? "");
  const droidRanked = result.candidates.map((candidate) => candidate.path);
  for (const k of [5, 10]) {
    count(`droid top${k}`, c.expected, new Set(droidRanked.slice(0, k)));
    count(`bm25 top${k}`, c.expected, new Set(bm25Ranked.slice(0, k)));
  }
  return { droid: droidRanked.slice(0, 3), bm25: bm25Ranked.slice(0, 3) };
}

function percent(n: number, of: number): string {
  return `${((100 * n) / of).toFixed(0)}%`.padStart(5);
}

const cases = await loadCases();
console.log(`${cases.length} cases (${[...new Set(cases.map((c) => `${c.repository}: ${c.language}`))].join("; ")}), cache ${cacheDir}\n`);
const started = performance.now();
for (const c of cases) {
  const top = await evaluate(c);
  const hit = (ranked: string[]) => (c.expected.some((f) => ranked.includes(f)) ? "✓" : "·");
  console.log(`${c.id.padEnd(26)} droid ${hit(top.droid)} ${top.droid[0] ?? "-"}  | bm25 ${hit(top.bm25)} ${top.bm25[0] ?? "-"}`);
}
console.log(`\n(${((performance.now() - started) / 1000).toFixed(1)} s for all cases: index builds or loads from the bench cache, localization, both sections)\n`);
console.log("first request holds…                          ALL    ANY   files shown (mean)");
for (const tokens of BUDGETS) {
  for (const who of ["droid", "bm25"]) {
    const t = tallies.get(`${who} ${tokens}`) ?? { all: 0, any: 0, shown: 0 };
    const label = who === "droid" ? "Droid's Relevant code" : "BM25 whole files (baseline)";
    console.log(`${`${label}, ${tokens / 1000}k tokens`.padEnd(45)}${percent(t.all, cases.length)}  ${percent(t.any, cases.length)}   ${(t.shown / cases.length).toFixed(1)}`);
  }
}
console.log("\nranking alone                                 ALL    ANY");
for (const k of [5, 10]) {
  for (const who of ["droid", "bm25"]) {
    const t = tallies.get(`${who} top${k}`) ?? { all: 0, any: 0, shown: 0 };
    console.log(`${`${who === "droid" ? "Droid" : "BM25 whole files"}, top ${k}`.padEnd(45)}${percent(t.all, cases.length)}  ${percent(t.any, cases.length)}`);
  }
}

// Build figures: the largest repository of the set, then a synthetic 10,000-file one.
const versions = [...new Map(cases.map((c) => [`${c.package}@${c.version}`, c])).values()];
const roots = await Promise.all(versions.map((c) => materialize(cacheDir, c.package, c.version)));
const sized = await Promise.all(
  versions.map(async (c, n) => ({ root: roots[n] ?? "", index: await RepositoryIndex.build({ root: roots[n] ?? "", repository: c.package, commit: c.version, cacheDir: path.join(cacheDir, "index") }) })),
);
const largest = sized.sort((a, b) => b.index.stats.files - a.index.stats.files)[0];
if (largest) {
  const figures = await measureBuilds(largest.root, "largest");
  console.log(`\nlargest repository: ${path.basename(path.dirname(largest.root))}, ${figures.files} files, ${figures.symbols} symbols`);
  console.log(`  cold build ${figures.coldMs} ms (${figures.coldCpuMs} ms CPU); after touching 5 files: ${figures.incrementalHashMs} ms by hashing (${figures.reparsed} parsed), ${figures.incrementalListedMs} ms from a list of changed paths; cached snapshot load ${figures.cacheLoadMs} ms`);
  console.log(`  memory (fresh process, after GC): RSS +${figures.rssDeltaMb} MB, heap +${figures.heapDeltaMb} MB for the index; peak RSS ${figures.peakRssMb} MB`);
}
if (!values["skip-synthetic"]) {
  const synthetic = await syntheticRepository(roots.slice(0, 4));
  try {
    const figures = await measureBuilds(synthetic.root, "synthetic");
    console.log(`\nsynthetic repository: ${figures.files} files, ${figures.symbols} symbols (copies of the cases' sources)`);
    console.log(`  cold build ${(figures.coldMs / 1000).toFixed(1)} s (${(figures.coldCpuMs / 1000).toFixed(1)} s CPU, all threads); after touching 5 files: ${figures.incrementalHashMs} ms by hashing, ${figures.incrementalListedMs} ms from a list; cached snapshot load ${figures.cacheLoadMs} ms`);
    console.log(`  memory (fresh process, after GC): RSS +${figures.rssDeltaMb} MB, heap +${figures.heapDeltaMb} MB for the index; peak RSS ${figures.peakRssMb} MB`);
  } finally {
    await synthetic.dispose();
  }
}
