/**
 * The inputs of the tools whose work lives outside `tools/` (the editor in
 * `editor.ts`, plan updates in `live-plan.ts`): schemas only, so those modules can use
 * the types without importing the tools that use them.
 */
import { z } from "zod";

export const editorInput = z.discriminatedUnion("command", [
  z.object({ command: z.literal("view"), path: z.string().min(1), view_range: z.array(z.number().int()).length(2).optional() }),
  z.object({ command: z.literal("create"), path: z.string().min(1), file_text: z.string() }),
  z.object({ command: z.literal("str_replace"), path: z.string().min(1), old_str: z.string().min(1), new_str: z.string().default("") }),
  z.object({ command: z.literal("insert"), path: z.string().min(1), insert_line: z.number().int().min(0), insert_text: z.string() }),
]);
export type EditorInput = z.infer<typeof editorInput>;

export const SUBTASK_UPDATE_STATES = ["todo", "in-progress", "done", "failed", "skipped"] as const;

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
