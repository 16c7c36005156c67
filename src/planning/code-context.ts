import {
  findMentions,
  localize,
  readKnowledge,
  renderRelevantCode,
  renderRepositoryMap,
  type Knowledge,
  type LocalizeInput,
  type RepositoryIndex,
} from "../context/index.ts";
import { dataBlock, prompt, repositoryFile } from "../prompting/index.ts";
import type { PlanningSettings } from "./settings.ts";

/**
 * What a model reads of the code before it plans or answers: the repository map, the code the
 * text most likely concerns, and the knowledge files a team wrote, all from one indexed clone
 * of the default branch, within a share of the context budget.
 */

export interface CodeBudget {
  /** Characters for everything read from the clone. */
  maxChars: number;
  /** Share of `maxChars` for the map. */
  mapShare: number;
  /** Share of `maxChars` for knowledge files (what they leave goes to relevant code). */
  knowledgeShare: number;
  /** Candidate files asked of localization. */
  candidates: number;
}

export interface CodeContext {
  index: RepositoryIndex;
  /** The branch the clone is of, and its commit. */
  branch: string;
  commit: string;
  map: string;
  relevant: string;
  knowledge: Knowledge;
  /** The candidates "Relevant code" shows, in rank order, with why each is there. */
  shown: Array<{ path: string; why: string[] }>;
  /** The files the map puts first. */
  mapLeaders: string[];
}

const SEEDS_FROM_CANDIDATES = 5;

/** The code's part of a repository's context budget (`contextChars` × `planning.codeShare`), and its split. */
export function codeBudgetOf(settings: Pick<PlanningSettings, "contextChars" | "planning">): CodeBudget {
  const { codeShare, mapShare, knowledgeShare, candidates } = settings.planning;
  return { maxChars: Math.floor(settings.contextChars * codeShare), mapShare, knowledgeShare, candidates };
}

/** Localizes `text` in the index and renders the map (seeded by the best candidates and the names the text mentions) and the relevant code. */
export async function groundIn(index: RepositoryIndex, input: LocalizeInput & { branch: string }, budget: CodeBudget): Promise<CodeContext> {
  const knowledge = await readKnowledge(index.root, { maxChars: Math.floor(budget.maxChars * budget.knowledgeShare) });
  const found = await localize(index, { text: input.text, ...(input.history ? { history: input.history } : {}) }, { limit: budget.candidates });
  const seeds = [...found.candidates.slice(0, SEEDS_FROM_CANDIDATES).map((c) => c.path), ...findMentions(index, input.text).names];
  const map = renderRepositoryMap(index, { seeds, maxChars: Math.floor(budget.maxChars * budget.mapShare) });
  const knowledgeChars = knowledge.files.reduce((n, f) => n + f.text.length, 0);
  const relevant = renderRelevantCode(found, { maxChars: Math.max(0, budget.maxChars - map.length - knowledgeChars) });
  const headers = new Set([...relevant.matchAll(/^## (.+)$/gm)].map((m) => m[1] ?? ""));
  return {
    index,
    branch: input.branch,
    commit: index.commit,
    map,
    relevant,
    knowledge,
    shown: found.candidates.filter((c) => headers.has(c.path)).map((c) => ({ path: c.path, why: c.why })),
    mapLeaders: map.split("\n").filter((line) => line !== "" && !line.startsWith(" ")).slice(0, 10),
  };
}

/** The knowledge files as DATA blocks (repository-wide: they belong in the cached prefix). */
export function renderKnowledge(code: CodeContext): string[] {
  const at = `\`${code.branch}\` at ${code.commit.slice(0, 12)}`;
  return code.knowledge.files.map((file) => dataBlock({ what: `${file.path} from ${at}`, from: repositoryFile, text: file.text, format: "markdown" }));
}

/** The repository map section. */
export function renderMapSection(code: CodeContext): string {
  return prompt("code-map", {
    commit: code.commit.slice(0, 12),
    branch: code.branch,
    files: String(code.index.files.length),
    map: dataBlock({ what: "repository map: files by importance, with their main definitions and line numbers", from: repositoryFile, text: code.map, format: "code", empty: "(no indexed files)" }),
  });
}

/** The "Relevant code" section: the files the text most likely concerns, with the matching definitions and lines. */
export function renderRelevantSection(code: CodeContext): string {
  return prompt("code-relevant", {
    commit: code.commit.slice(0, 12),
    relevant: dataBlock({ what: "code ranked by Droid's localization: why each file is here, matching definitions and lines", from: repositoryFile, text: code.relevant, format: "code", empty: "(nothing matched)" }),
  });
}
