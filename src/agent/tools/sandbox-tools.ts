/**
 * The tools that work in the sandbox: Anthropic's own text editor and bash (the model
 * is trained on them), capped search, file finding, and the repo's test command with a
 * structured summary. Each runs through the run's `AgentComputer`.
 */
import { z } from "zod";
import { answer, defineTool, firstLine } from "./agent-tool.ts";
import { editorInput } from "./inputs.ts";
import { prompt } from "../../prompting/index.ts";


export const editorTool = defineTool({
  name: "str_replace_based_edit_tool",
  description: "Anthropic's text editor: view a file or directory, create a file, replace a unique string, insert lines.",
  builtIn: { type: "text_editor_20250728", name: "str_replace_based_edit_tool", max_characters: 40_000 },
  input: editorInput,
  readOnly: false,
  run: async (input, { computer }) => {
    const r = await computer.editor(input);
    return answer(r, `${input.command} ${input.path}`, { viewedPath: r.viewedPath });
  },
});

export const bashTool = defineTool({
  name: "bash",
  description: "Anthropic's bash tool: run a command in the sandbox (each in a fresh shell).",
  builtIn: { type: "bash_20250124", name: "bash" },
  input: z.object({ command: z.string().optional(), restart: z.boolean().optional() }),
  readOnly: false,
  run: async (input, { computer }) => {
    if (!input.command) return answer({ text: prompt("agent-no-restart"), isError: false }, "bash restart");
    const r = await computer.bash(input.command);
    return answer(r, `bash \`${input.command.slice(0, 200)}\` — ${firstLine(r.text)}`);
  },
});

export const searchCodeTool = defineTool({
  name: "search_code",
  description:
    "Search the repository's files with ripgrep (regular expression). Returns matching files with match counts, most matches first, capped; set show_lines to see matching lines (capped). Narrow with path or glob when told there are too many.",
  input: z.object({
    pattern: z.string().min(1).max(500).describe("A ripgrep regular expression."),
    path: z.string().max(500).optional().describe("Directory or file to search, relative to the repository root."),
    glob: z.string().max(200).optional().describe("Only files matching this glob, e.g. '*.ts' or 'src/**/*.py'."),
    case_sensitive: z.boolean().default(true).describe("Default true."),
    show_lines: z.boolean().default(false).describe("Also show matching lines with line numbers. Default false."),
  }),
  readOnly: true,
  run: async (input, { computer }) => {
    const r = await computer.searchCode(input);
    return answer(r, `search_code ${JSON.stringify(input.pattern)} — ${firstLine(r.text)}`);
  },
});

export const findFilesTool = defineTool({
  name: "find_files",
  description: "Find files by glob (e.g. '**/*.test.ts'), respecting .gitignore. Returns paths, capped.",
  input: z.object({
    pattern: z.string().min(1).max(300).describe("A glob."),
    path: z.string().max(500).optional().describe("Directory to search, relative to the repository root."),
  }),
  readOnly: true,
  run: async (input, { computer }) => {
    const r = await computer.findFiles(input);
    return answer(r, `find_files ${JSON.stringify(input.pattern)}`);
  },
});

export const runTestsTool = defineTool({
  name: "run_tests",
  description:
    "Run the repository's test command. Returns a structured summary: passed/failed/skipped counts, each failing test with its first assertion message, and a digest of the output.",
  input: z.object({ filter: z.string().max(300).optional().describe("Optional test name or file filter appended to the command.") }),
  // The repository's own tests may write (snapshots, caches).
  readOnly: false,
  run: async (input, { computer }) => {
    const r = await computer.runTests(input.filter);
    return answer(r, `run_tests — ${r.run?.line ?? firstLine(r.text)}`, { planCheck: r.run !== null });
  },
});
