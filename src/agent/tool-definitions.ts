/**
 * The tools the agent is given. Small and mistake-proof: Anthropic's own text-editor
 * and bash tools (the model is trained on them), plus capped search, the repo's test
 * command with a structured summary, plan updates, and a two-step finish.
 */
import type { ToolUnion } from "@anthropic-ai/sdk/resources/messages";
import { z } from "zod";

export const TOOL_NAMES = {
  editor: "str_replace_based_edit_tool",
  bash: "bash",
  searchCode: "search_code",
  findFiles: "find_files",
  runTests: "run_tests",
  updatePlan: "update_plan",
  finish: "finish",
} as const;

export const SUBTASK_UPDATE_STATES = ["todo", "in-progress", "done", "failed", "skipped"] as const;

export const editorInput = z.discriminatedUnion("command", [
  z.object({ command: z.literal("view"), path: z.string().min(1), view_range: z.array(z.number().int()).length(2).optional() }),
  z.object({ command: z.literal("create"), path: z.string().min(1), file_text: z.string() }),
  z.object({ command: z.literal("str_replace"), path: z.string().min(1), old_str: z.string().min(1), new_str: z.string().default("") }),
  z.object({ command: z.literal("insert"), path: z.string().min(1), insert_line: z.number().int().min(0), insert_text: z.string() }),
]);
export type EditorInput = z.infer<typeof editorInput>;

export const bashInput = z.object({ command: z.string().optional(), restart: z.boolean().optional() });

export const searchCodeInput = z.object({
  pattern: z.string().min(1).max(500),
  path: z.string().max(500).optional(),
  glob: z.string().max(200).optional(),
  case_sensitive: z.boolean().default(true),
  show_lines: z.boolean().default(false),
});

export const findFilesInput = z.object({ pattern: z.string().min(1).max(300), path: z.string().max(500).optional() });

export const runTestsInput = z.object({ filter: z.string().max(300).optional() });

const subtaskFields = {
  title: z.string().min(1).max(120),
  change: z.string().min(1).max(1500),
  verification: z.string().min(1).max(800),
};

export const updatePlanInput = z.object({
  reason: z.string().min(1).max(600),
  updates: z
    .array(
      z.object({
        id: z.string().min(1),
        state: z.enum(SUBTASK_UPDATE_STATES).optional(),
        title: subtaskFields.title.optional(),
        change: subtaskFields.change.optional(),
        verification: subtaskFields.verification.optional(),
      }),
    )
    .default([]),
  add: z.array(z.object(subtaskFields)).default([]),
  remove: z.array(z.string()).default([]),
});
export type PlanUpdate = z.infer<typeof updatePlanInput>;

export const finishInput = z.object({ summary: z.string().min(1).max(4000) });

export function toolDefinitions(options: { hasTests: boolean }): ToolUnion[] {
  const tools: ToolUnion[] = [
    { type: "text_editor_20250728", name: TOOL_NAMES.editor, max_characters: 40_000 },
    { type: "bash_20250124", name: TOOL_NAMES.bash },
    {
      name: TOOL_NAMES.searchCode,
      description:
        "Search the repository's files with ripgrep (regular expression). Returns matching files with match counts, most matches first, capped; set show_lines to see matching lines (capped). Narrow with path or glob when told there are too many.",
      input_schema: {
        type: "object",
        properties: {
          pattern: { type: "string", description: "A ripgrep regular expression." },
          path: { type: "string", description: "Directory or file to search, relative to the repository root." },
          glob: { type: "string", description: "Only files matching this glob, e.g. '*.ts' or 'src/**/*.py'." },
          case_sensitive: { type: "boolean", description: "Default true." },
          show_lines: { type: "boolean", description: "Also show matching lines with line numbers. Default false." },
        },
        required: ["pattern"],
      },
    },
    {
      name: TOOL_NAMES.findFiles,
      description: "Find files by glob (e.g. '**/*.test.ts'), respecting .gitignore. Returns paths, capped.",
      input_schema: {
        type: "object",
        properties: {
          pattern: { type: "string", description: "A glob." },
          path: { type: "string", description: "Directory to search, relative to the repository root." },
        },
        required: ["pattern"],
      },
    },
    {
      name: TOOL_NAMES.updatePlan,
      description:
        "Update the live plan the humans see: set subtask states (todo, in-progress, done, failed, skipped), change the remaining subtasks, add or remove subtasks. Always give the reason.",
      input_schema: {
        type: "object",
        properties: {
          reason: { type: "string" },
          updates: {
            type: "array",
            items: {
              type: "object",
              properties: {
                id: { type: "string" },
                state: { type: "string", enum: [...SUBTASK_UPDATE_STATES] },
                title: { type: "string" },
                change: { type: "string" },
                verification: { type: "string" },
              },
              required: ["id"],
            },
          },
          add: {
            type: "array",
            items: {
              type: "object",
              properties: { title: { type: "string" }, change: { type: "string" }, verification: { type: "string" } },
              required: ["title", "change", "verification"],
            },
          },
          remove: { type: "array", items: { type: "string" } },
        },
        required: ["reason"],
      },
    },
    {
      name: TOOL_NAMES.finish,
      description:
        "Call when the work is done. The first call shows you the final diff and test result; call finish again to accept, or keep working.",
      input_schema: {
        type: "object",
        properties: { summary: { type: "string", description: "What changed and why, for the pull request." } },
        required: ["summary"],
      },
    },
  ];
  if (options.hasTests) {
    tools.splice(4, 0, {
      name: TOOL_NAMES.runTests,
      description:
        "Run the repository's test command. Returns a structured summary: passed/failed/skipped counts, each failing test with its first assertion message, and a digest of the output.",
      input_schema: {
        type: "object",
        properties: { filter: { type: "string", description: "Optional test name or file filter appended to the command." } },
      },
    });
  }
  return tools;
}
