import type { Tool } from "@anthropic-ai/sdk/resources/messages";
import { z } from "zod";
import { toolInputSchema } from "../llm/tool-schema.ts";
import { dataBlock, prompt, repositoryFile, toolOutput } from "../prompting/index.ts";
import { PathOutsideRootError } from "./confine.ts";
import { findFiles, findSymbol, searchCode, viewFile } from "./explore.ts";
import { nearestPaths } from "./nearest.ts";
import type { RepositoryIndex } from "./repository-index.ts";

/**
 * The read-only exploration tools a model gets over an indexed clone (the planner, `/droid ask`):
 * declarations generated from zod, and one explorer that runs the calls on the host. Nothing is
 * executed; answers are fenced repository data, capped; every call is recorded.
 */

const MAX_RESULT_CHARS = 12_000;

const repoPath = z.string().trim().min(1).max(500).describe("A path relative to the repository root, e.g. `src/app.ts`.");

const INPUTS = {
  view_file: z.object({
    path: repoPath,
    start_line: z.number().int().min(1).optional().describe("First line to show (1-based); default 1."),
    end_line: z.number().int().min(1).optional().describe("Last line to show (inclusive); at most 200 lines are shown at once."),
  }),
  search_code: z.object({
    pattern: z.string().min(1).max(300).describe("The text to find (a literal unless `regex` is true); case-insensitive."),
    regex: z.boolean().optional().describe("Read `pattern` as a JavaScript regular expression."),
    paths: z.string().max(300).optional().describe("Only paths matching this glob (`src/**/*.ts`) or containing this text."),
  }),
  find_files: z.object({ query: z.string().trim().min(1).max(300).describe("A glob (`**/*.test.ts`) or a part of a path (`auth`).") }),
  find_symbol: z.object({ name: z.string().trim().min(1).max(200).describe("A function, class, method, type or variable name, exactly as written in code.") }),
} as const;

export type ExplorationToolName = keyof typeof INPUTS;
export const EXPLORATION_TOOL_NAMES = Object.keys(INPUTS) as ExplorationToolName[];

const DESCRIPTIONS: Record<ExplorationToolName, string> = {
  view_file: "Show a file of the repository (or a range of its lines), with line numbers. Read-only.",
  search_code: "Search the repository's indexed files for lines matching a text or a regular expression; returns path:line matches, capped. Read-only.",
  find_files: "List the repository's files whose path matches a glob or contains a text. Read-only.",
  find_symbol: "Where a name is defined (file, kind, lines, signature) and where it is used. Read-only.",
};

/** The declarations of the exploration tools, for a Messages request. */
export function explorationTools(): Tool[] {
  return EXPLORATION_TOOL_NAMES.map((name) => ({ name, description: DESCRIPTIONS[name], input_schema: toolInputSchema(INPUTS[name]) }));
}

export function isExplorationTool(name: string): name is ExplorationToolName {
  return Object.hasOwn(INPUTS, name);
}

/** What one call returned: text for the model (fenced data, or an error it can act on). */
export interface ExplorationAnswer {
  text: string;
  isError: boolean;
}

/** One call, as the run reports it: which tool, on what, the files it showed. */
export interface ExplorationRecord {
  tool: ExplorationToolName;
  /** Short: `src/a.ts lines 1–80`, `"parseConfig"`, … */
  target: string;
  /** Files whose lines the answer showed. */
  paths: string[];
}

export class CodeExplorer {
  readonly #index: RepositoryIndex;
  readonly calls: ExplorationRecord[] = [];

  constructor(index: RepositoryIndex) {
    this.#index = index;
  }

  /** Paths opened with `view_file`, first opening first. */
  get openedFiles(): string[] {
    return [...new Set(this.calls.filter((c) => c.tool === "view_file").flatMap((c) => c.paths))];
  }

  /** Runs one call; a bad input, a missing file or a path outside the root is an error answer, never an exception. */
  async run(name: ExplorationToolName, input: unknown): Promise<ExplorationAnswer> {
    const parsed = INPUTS[name].safeParse(input);
    if (!parsed.success) return { isError: true, text: prompt("explore-bad-input", { tool: name, problems: parsed.error.issues.map((i) => `${i.path.join(".") || "(input)"}: ${i.message}`).join("; ") }) };
    try {
      return await this.#answer(name, input);
    } catch (error) {
      if (error instanceof PathOutsideRootError) return { isError: true, text: prompt("explore-outside-root", { reason: error.message }) };
      if (isMissing(error) && "path" in parsed.data && typeof parsed.data.path === "string") return { isError: true, text: this.#notFound(parsed.data.path) };
      if (error instanceof SyntaxError || (error instanceof Error && error.message.startsWith("the search pattern"))) {
        return { isError: true, text: prompt("explore-bad-input", { tool: name, problems: error.message }) };
      }
      throw error;
    }
  }

  #notFound(written: string): string {
    const near = nearestPaths(this.#index, written);
    return prompt("explore-not-found", { path: JSON.stringify(written), suggestions: near.length === 0 ? "none" : near.map((p) => JSON.stringify(p)).join(", ") });
  }

  async #answer(name: ExplorationToolName, input: unknown): Promise<ExplorationAnswer> {
    const index = this.#index;
    switch (name) {
      case "view_file": {
        const { path, start_line, end_line } = INPUTS.view_file.parse(input);
        const view = await viewFile(index, path, { ...(start_line ? { startLine: start_line } : {}), ...(end_line ? { endLine: end_line } : {}), maxLines: 200 });
        const more = view.truncated ? `; more lines follow: ask for ${view.endLine + 1}–` : "";
        this.calls.push({ tool: name, target: `${path} lines ${view.startLine}–${view.endLine}`, paths: [path] });
        return this.#data(`${path}, lines ${view.startLine}–${view.endLine} of ${view.totalLines}${more}`, view.text, "view_file", true);
      }
      case "search_code": {
        const { pattern, regex, paths } = INPUTS.search_code.parse(input);
        const found = await searchCode(index, { pattern, ...(regex ? { regex } : {}), ...(paths ? { paths } : {}), maxResults: 60 });
        const shown = [...new Set(found.matches.map((m) => m.path))];
        this.calls.push({ tool: name, target: JSON.stringify(pattern), paths: shown });
        const label = `search for ${JSON.stringify(pattern)}: ${found.total} matching line(s) in ${found.files} file(s)${found.truncated ? `, first ${found.matches.length} shown` : ""}`;
        return this.#data(label, found.matches.map((m) => `${m.path}:${m.line}: ${m.text}`).join("\n"), "search_code");
      }
      case "find_files": {
        const { query } = INPUTS.find_files.parse(input);
        const found = findFiles(index, query, 200);
        this.calls.push({ tool: name, target: JSON.stringify(query), paths: [] });
        return this.#data(`files matching ${JSON.stringify(query)}: ${found.total}${found.total > found.paths.length ? `, first ${found.paths.length} shown` : ""}`, found.paths.join("\n"), "find_files");
      }
      case "find_symbol": {
        const { name: symbol } = INPUTS.find_symbol.parse(input);
        const uses = await findSymbol(index, symbol, 40);
        const lines = [
          ...uses.definitions.map((d) => `defined: ${d.path}:${d.symbol.line}-${d.symbol.endLine} ${d.symbol.kind} ${d.symbol.signature}`),
          ...uses.references.map((r) => `used: ${r.path}:${r.line}: ${r.text}`),
        ];
        this.calls.push({ tool: name, target: JSON.stringify(symbol), paths: [...new Set(uses.definitions.map((d) => d.path))] });
        const label = `${JSON.stringify(symbol)}: ${uses.definitions.length} definition(s), ${uses.totalReferences} use(s)${uses.totalReferences > uses.references.length ? `, first ${uses.references.length} shown` : ""}`;
        return this.#data(label, lines.join("\n"), "find_symbol");
      }
    }
  }

  #data(what: string, text: string, tool: ExplorationToolName, file = false): ExplorationAnswer {
    const from = file ? repositoryFile : toolOutput(tool);
    return { isError: false, text: dataBlock({ what, from, text, format: "code", maxChars: MAX_RESULT_CHARS, empty: "(nothing found)" }) };
  }
}

function isMissing(error: unknown): boolean {
  return error instanceof Error && "code" in error && (error.code === "ENOENT" || error.code === "ENOTDIR" || error.code === "EISDIR");
}
