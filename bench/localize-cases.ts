/**
 * The localization cases (`bench/localize-cases/*.json`) and the source they run against.
 * Each case is a real issue (title and the reporter's description, paraphrased), the files its
 * fix changed, and the npm version published just before the fix: `npm pack` brings that
 * version's tarball (whose files are the repository's source, byte for byte, for these
 * packages), so the bench needs only the npm registry. Tarballs are unpacked once into the
 * bench cache.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { z } from "zod";

const run = promisify(execFile);

const caseSchema = z.object({
  issue: z.number().int(),
  version: z.string(),
  fixCommit: z.string(),
  title: z.string(),
  body: z.string(),
  expected: z.array(z.string()).min(1),
});

const caseFileSchema = z.object({
  package: z.string(),
  repository: z.string(),
  language: z.string(),
  cases: z.array(caseSchema),
});

export interface LocalizationCase {
  id: string;
  package: string;
  repository: string;
  language: string;
  version: string;
  issueText: string;
  expected: string[];
}

const CASES_DIR = path.join(import.meta.dirname, "localize-cases");

export async function loadCases(): Promise<LocalizationCase[]> {
  const cases: LocalizationCase[] = [];
  for (const name of (await readdir(CASES_DIR)).filter((n) => n.endsWith(".json")).sort()) {
    const file = caseFileSchema.parse(JSON.parse(await readFile(path.join(CASES_DIR, name), "utf8")));
    for (const c of file.cases) {
      cases.push({
        id: `${file.repository}#${c.issue}`,
        package: file.package,
        repository: file.repository,
        language: file.language,
        version: c.version,
        issueText: `${c.title}\n\n${c.body}`,
        expected: c.expected,
      });
    }
  }
  return cases;
}

/** The unpacked source of `pkg@version` (fetched with `npm pack` on first use). */
export async function materialize(cacheDir: string, pkg: string, version: string): Promise<string> {
  const root = path.join(cacheDir, "packages", `${pkg.replace("/", "+")}@${version}`);
  const source = path.join(root, "package");
  if (existsSync(path.join(source, "package.json"))) return source;
  await rm(root, { recursive: true, force: true });
  await mkdir(root, { recursive: true });
  const { stdout } = await run("npm", ["pack", `${pkg}@${version}`, "--silent", "--pack-destination", root], { cwd: root });
  const tarball = stdout.trim().split("\n").at(-1) ?? "";
  await run("tar", ["xzf", path.join(root, tarball), "-C", root]);
  await rm(path.join(root, tarball), { force: true });
  return source;
}
