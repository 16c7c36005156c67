/**
 * Index build figures for `npm run bench:localize`: cold and incremental builds of a repository
 * (with the memory they take), and a synthetic 10,000-file repository generated from real files.
 */
import { execFile } from "node:child_process";
import { cp, mkdtemp, readFile, rm, writeFile, mkdir } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { RepositoryIndex } from "../src/context/index.ts";
import { listFiles } from "../src/context/walk.ts";
import { promisify } from "node:util";
import { z } from "zod";

const run = promisify(execFile);

const buildFiguresSchema = z.object({
  files: z.number(),
  symbols: z.number(),
  coldMs: z.number(),
  /** CPU time of the cold build, all threads (user + system). */
  coldCpuMs: z.number(),
  incrementalHashMs: z.number(),
  incrementalListedMs: z.number(),
  reparsed: z.number(),
  rssDeltaMb: z.number(),
  heapDeltaMb: z.number(),
  peakRssMb: z.number(),
  cacheLoadMs: z.number(),
});

export type BuildFigures = z.infer<typeof buildFiguresSchema>;

const TOUCHED = 5;

function mb(bytes: number): number {
  return Math.round(bytes / 1e5) / 10;
}

/** Appends a function to a few files, as a small commit would. */
async function touch(root: string, files: string[]): Promise<string[]> {
  const touched = files.filter((f) => /\.(?:[cm]?[jt]s)$/.test(f)).slice(0, TOUCHED);
  for (const [i, file] of touched.entries()) {
    const absolute = path.join(root, file);
    await writeFile(absolute, `${await readFile(absolute, "utf8")}\nexport function benchTouched${i}() { return ${i}; }\n`);
  }
  return touched;
}

/**
 * Cold build, incremental builds after touching a few files (by hashing, and from a list), cache
 * load — in a fresh Node process (`--expose-gc`), so the memory figures are the index's own.
 */
export async function measureBuilds(source: string, label: string): Promise<BuildFigures> {
  const { stdout } = await run(process.execPath, ["--expose-gc", import.meta.filename, source, label], { maxBuffer: 1e6 });
  return buildFiguresSchema.parse(JSON.parse(stdout));
}

async function measureHere(source: string, label: string): Promise<BuildFigures> {
  const work = await mkdtemp(path.join(os.tmpdir(), "droid-bench-build-"));
  try {
    const root = path.join(work, "repo");
    const cacheDir = path.join(work, "index");
    await cp(source, root, { recursive: true });
    globalThis.gc?.();
    const before = process.memoryUsage();
    const cpu = process.cpuUsage();
    const cold = await RepositoryIndex.build({ root, repository: label, commit: "a", cacheDir });
    const cpuUsed = process.cpuUsage(cpu);
    globalThis.gc?.();
    const after = process.memoryUsage();
    const touched = await touch(root, [...cold.files.map((f) => f.path)]);
    const hashed = await RepositoryIndex.build({ root, repository: label, commit: "b", cacheDir, previous: { commit: "a" } });
    await touch(root, touched);
    const listed = await RepositoryIndex.build({ root, repository: label, commit: "c", cacheDir, previous: { commit: "b", changedPaths: touched } });
    const loaded = await RepositoryIndex.build({ root, repository: label, commit: "c", cacheDir });
    return {
      files: cold.stats.files,
      symbols: cold.stats.symbols,
      coldMs: cold.stats.totalMs,
      coldCpuMs: Math.round((cpuUsed.user + cpuUsed.system) / 1000),
      incrementalHashMs: hashed.stats.totalMs,
      incrementalListedMs: listed.stats.totalMs,
      reparsed: hashed.stats.parsedFiles,
      rssDeltaMb: mb(after.rss - before.rss),
      heapDeltaMb: mb(after.heapUsed - before.heapUsed),
      peakRssMb: mb(process.resourceUsage().maxRSS * 1024),
      cacheLoadMs: loaded.stats.totalMs,
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * A 10,000-file repository made of real files: the sources given are copied round-robin into
 * `pkg<n>/` folders, each copy with a distinct leading comment so no two files hash alike.
 */
export async function syntheticRepository(sources: string[], files = 10_000): Promise<{ root: string; dispose: () => Promise<void> }> {
  const work = await mkdtemp(path.join(os.tmpdir(), "droid-bench-synthetic-"));
  const pool: Array<{ relative: string; text: string }> = [];
  for (const [s, source] of sources.entries()) {
    for (const relative of await listFiles(source)) {
      if (!/\.(?:[cm]?[jt]sx?|py|go|rs|java|rb)$/.test(relative)) continue;
      pool.push({ relative: `src${s}/${relative}`, text: await readFile(path.join(source, relative), "utf8") });
    }
  }
  if (pool.length === 0) throw new Error("no source files to build the synthetic repository from");
  for (let n = 0; n < files; n++) {
    const original = pool[n % pool.length];
    if (!original) continue;
    const target = path.join(work, `pkg${Math.floor(n / pool.length)}`, original.relative);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, `// copy ${n}\n${original.text}`);
  }
  return { root: work, dispose: () => rm(work, { recursive: true, force: true }) };
}

// `node --expose-gc bench/localize-build.ts <root> <label>`: the figures of one repository, as JSON.
if (import.meta.main) {
  const [source, label] = process.argv.slice(2);
  if (!source || !label) throw new Error("usage: localize-build.ts <root> <label>");
  process.stdout.write(JSON.stringify(await measureHere(source, label)));
}
