/**
 * The tools every code-changing run offers, in the order the model is shown them;
 * `run_tests` only when the repository has a test command. A kind of job adds its own
 * after these (e.g. `reply_to_comment` for review revisions).
 */
import type { AgentTool } from "./agent-tool.ts";
import { finishTool, updatePlanTool } from "./plan-tools.ts";
import { bashTool, editorTool, findFilesTool, runTestsTool, searchCodeTool } from "./sandbox-tools.ts";

export function standardTools(options: { hasTests: boolean }): AgentTool[] {
  return [editorTool, bashTool, searchCodeTool, findFilesTool, ...(options.hasTests ? [runTestsTool] : []), updatePlanTool, finishTool];
}
