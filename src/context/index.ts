/**
 * The repository index: what Droid knows of a repository's code before it plans.
 *
 *   const index = await RepositoryIndex.build({ root, repository, commit, cacheDir, previous?, isIgnored?, log? });
 *   const found = await localize(index, { text, history? });
 *   renderRelevantCode(found, { maxChars })          // the "Relevant code" section
 *   renderRepositoryMap(index, { seeds, maxChars })  // files by centrality, key signatures
 *
 * Read-only exploration of the same clone (for a planner's tools or `/droid ask`) is in
 * `explore.ts`, offered to a model as tools by `tools.ts`; knowledge files a team wrote
 * (CLAUDE.md, Cursor and Copilot rules, ADRs) are read by `knowledge.ts`. See docs/context.md.
 */
export { RepositoryIndex, type SymbolLocation } from "./repository-index.ts";
export type { BuildOptions, BuildStats } from "./build.ts";
export type { CodeSymbol, FileRecord, SymbolKind } from "./record.ts";
export type { IgnorePredicate } from "./walk.ts";
export { localize, type Candidate, type CandidateSymbol, type LocalizeInput, type LocalizeOptions, type Localization } from "./localize.ts";
export type { Snippet } from "./snippets.ts";
export { renderRelevantCode, renderRepositoryMap, type BudgetOptions, type MapOptions } from "./render.ts";
export { PathOutsideRootError, resolveInside } from "./confine.ts";
export { latestSnapshotCommit } from "./cache.ts";
export { findMentions, type Mentions } from "./mentions.ts";
export { nearestPaths } from "./nearest.ts";
export { KNOWLEDGE_FILES, KNOWLEDGE_FOLDERS, readKnowledge, type Knowledge, type KnowledgeFile } from "./knowledge.ts";
export { CodeExplorer, EXPLORATION_TOOL_NAMES, explorationTools, isExplorationTool, type ExplorationAnswer, type ExplorationRecord, type ExplorationToolName } from "./tools.ts";
export { findFiles, findSymbol, searchCode, viewFile, type CodeMatch, type FileView, type SearchOptions, type SearchResult, type SymbolUses } from "./explore.ts";
