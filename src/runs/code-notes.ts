/**
 * The "Context used" lines about the code: which clone and commit, how it was read, the files
 * the localization matched (and why), the files the map ranked first, what the model opened
 * and searched, and the knowledge files read. Rendered through the plan comment's sanitiser.
 */
import type { ExplorationRecord } from "../context/index.ts";
import { inlineCode } from "../github/safe-markdown.ts";
import type { CodeContext } from "../planning/index.ts";
import type { CodebaseFigures } from "./codebase.ts";
import { preciseDuration } from "../figures/duration.ts";

/** Matches listed with their reasons; the others by path. */
const EXPLAINED_MATCHES = 10;

const seconds = preciseDuration;

function indexing(figures: CodebaseFigures): string {
  const how = figures.stats.fromCache
    ? "loaded from the cache"
    : figures.previousCommit
      ? `updated from ${figures.previousCommit.slice(0, 7)} (${figures.stats.parsedFiles} file(s) parsed)`
      : `built (${figures.stats.parsedFiles} file(s) parsed)`;
  return `cloned in ${seconds(figures.cloneMs)}, index ${how} in ${seconds(figures.indexMs)}`;
}

/** What the model looked at with the exploration tools, one line (empty when nothing). */
export function explorationNote(explored: readonly ExplorationRecord[], who: string): string[] {
  if (explored.length === 0) return [];
  const calls = explored.map((c) => (c.tool === "view_file" ? `opened ${inlineCode(c.target, 160)}` : `${c.tool.replace("_", " ")} ${inlineCode(c.target, 80)}`));
  return [`${who} explored the code (${explored.length} call(s)): ${calls.join("; ")}`];
}

export function codeNotes(input: { code: CodeContext | null; figures: CodebaseFigures | null; explored: readonly ExplorationRecord[]; problem: string | null; who: string }): string[] {
  const { code, figures } = input;
  if (!code || !figures) return [`Code: not read — ${input.problem ?? "no clone"}; planned from the issue and the repository's files only`];
  const notes = [`Code: ${inlineCode(code.branch)} at ${code.commit.slice(0, 7)}, ${code.index.files.length} file(s) indexed (${indexing(figures)})`];
  if (code.shown.length > 0) {
    const explained = code.shown.slice(0, EXPLAINED_MATCHES).map((c) => `${inlineCode(c.path, 160)}${c.why.length > 0 ? ` (${c.why.slice(0, 2).join("; ")})` : ""}`);
    const rest = code.shown.slice(EXPLAINED_MATCHES).map((c) => inlineCode(c.path, 160));
    notes.push(`Relevant code, matched by localization: ${explained.join("; ")}${rest.length > 0 ? `; also ${rest.join(", ")}` : ""}`);
  } else notes.push("Relevant code: nothing in the index matched the text");
  if (code.mapLeaders.length > 0) notes.push(`Repository map, ranked first: ${code.mapLeaders.slice(0, 5).map((p) => inlineCode(p, 160)).join(", ")}`);
  notes.push(...explorationNote(input.explored, input.who));
  const { files, omitted } = code.knowledge;
  if (files.length > 0) notes.push(`Knowledge files from the clone: ${files.map((f) => `${inlineCode(f.path, 160)}${f.cutChars > 0 ? " (trimmed)" : ""}`).join(", ")}`);
  if (omitted.length > 0) notes.push(`Knowledge files left out to fit the budget: ${omitted.map((p) => inlineCode(p, 160)).join(", ")}`);
  return notes;
}
