/**
 * The tools that steer the run rather than the code: updates to the live plan the
 * humans see, and the two-step finish (the loop shows the final diff and tests on the
 * first call and accepts on the second).
 */
import { z } from "zod";
import { answer, defineTool } from "./agent-tool.ts";
import { updatePlanInput } from "./inputs.ts";


export const updatePlanTool = defineTool({
  name: "update_plan",
  description:
    "Update the live plan the humans see: set subtask states (todo, in-progress, done, failed, skipped), change the remaining subtasks, add or remove subtasks. Always give the reason.",
  input: updatePlanInput,
  readOnly: true,
  run: async (input, { plan, log }) => {
    const r = plan.apply(input);
    if (r.ok) log.info({ reason: input.reason, revision: r.revision?.changes }, "plan updated by the agent");
    const subtaskDone = input.updates.some((u) => u.state === "done" || u.state === "failed");
    return answer({ text: r.text, isError: !r.ok }, `update_plan — ${input.reason.slice(0, 120)}`, { planCheck: r.ok && subtaskDone });
  },
});

export const finishTool = defineTool({
  name: "finish",
  description: "Call when the work is done. The first call shows you the final diff and test result; call finish again to accept, or keep working.",
  input: z.object({ summary: z.string().min(1).max(4000).describe("What changed and why, for the pull request.") }),
  readOnly: true,
  run: async (input) => ({ kind: "finish", summary: input.summary }),
});
