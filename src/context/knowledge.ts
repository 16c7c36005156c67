import { lstat, readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { cleanUntrustedText, trimToBoundary } from "../prompting/index.ts";
import { resolveInside } from "./confine.ts";

/**
 * What a team wrote down for the people (and agents) working on its code, read from the clone:
 * agent instruction files other tools use and architecture decision records. README,
 * CONTRIBUTING and AGENTS.md come from GitHub with the issue (`github/context/`), not from here.
 */

/** One file, cleaned of hidden markup and trimmed at a boundary. */
export interface KnowledgeFile {
  path: string;
  text: string;
  /** Characters trimmed away (0 = complete). */
  cutChars: number;
}

export interface Knowledge {
  files: KnowledgeFile[];
  /** Files found but left out because the budget was spent. */
  omitted: string[];
}

/** Single files, in the order they are read. */
export const KNOWLEDGE_FILES = ["CLAUDE.md", ".github/copilot-instructions.md", ".cursorrules"] as const;

/** Folders whose files are read, at most `max` of each (ADRs: the highest-numbered, i.e. newest, first). */
export const KNOWLEDGE_FOLDERS = [
  { folder: ".cursor/rules", max: 8, newestFirst: false },
  { folder: "docs/adr", max: 6, newestFirst: true },
  { folder: "docs/decisions", max: 6, newestFirst: true },
  { folder: "adr", max: 6, newestFirst: true },
] as const;

const TEXT_FILE = /\.(?:md|mdc|markdown|txt|rst)$/i;
const MAX_FILE_BYTES = 200_000;

/** A regular file inside the root (never through a link that leads out), as text; null otherwise. */
async function regularText(root: string, relative: string): Promise<string | null> {
  try {
    const real = await resolveInside(root, relative);
    const info = await lstat(real);
    if (!info.isFile() || info.size > MAX_FILE_BYTES) return null;
    const content = await readFile(real);
    return content.includes(0) ? null : content.toString("utf8");
  } catch {
    return null;
  }
}

async function folderFiles(root: string, spec: (typeof KNOWLEDGE_FOLDERS)[number]): Promise<string[]> {
  let names: string[];
  try {
    const real = await resolveInside(root, spec.folder);
    names = (await readdir(real, { withFileTypes: true })).filter((e) => e.isFile() && TEXT_FILE.test(e.name)).map((e) => e.name);
  } catch {
    return [];
  }
  const readme = /^(?:readme|index|template)\b/i;
  const sorted = names.filter((name) => !readme.test(name)).sort();
  return (spec.newestFirst ? sorted.toReversed() : sorted).slice(0, spec.max).map((name) => path.posix.join(spec.folder, name));
}

/**
 * Reads the knowledge files of a clone within `maxChars` in all: each file gets at most a third
 * of the budget (at least 1,500 characters) and what is left; once the budget is spent the rest
 * are named in `omitted`.
 */
export async function readKnowledge(root: string, options: { maxChars: number }): Promise<Knowledge> {
  const paths: string[] = [...KNOWLEDGE_FILES];
  for (const spec of KNOWLEDGE_FOLDERS) paths.push(...(await folderFiles(root, spec)));
  const perFile = Math.max(1_500, Math.floor(options.maxChars / 3));
  const knowledge: Knowledge = { files: [], omitted: [] };
  let left = options.maxChars;
  for (const relative of paths) {
    const raw = await regularText(root, relative);
    if (raw === null) continue;
    const cleaned = cleanUntrustedText(raw).text;
    if (cleaned.trim() === "") continue;
    const room = Math.min(perFile, left);
    if (room < 500) {
      knowledge.omitted.push(relative);
      continue;
    }
    const trimmed = trimToBoundary(cleaned, room);
    knowledge.files.push({ path: relative, text: trimmed.text, cutChars: trimmed.cutChars });
    left -= trimmed.text.length;
  }
  return knowledge;
}
