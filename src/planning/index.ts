export { diffPlans, type PlanChange } from "./diff.ts";
export { classifyFailure, failureReason, NotAnIssue, NothingToPlan, type PlanFailure } from "./failure.ts";
export { EXPECTED_PLAN_OUTPUT_TOKENS, PlanInvalid, producePlan, readPlanInput, type PlannerCall, type PlannerResult } from "./planner.ts";
export { groundIn, type CodeBudget, type CodeContext } from "./code-context.ts";
export { buildPlanPrompt, PLAN_TOOL_NAME, planTool, planTools, type PlanPrompt, type PlanPromptInput } from "./request.ts";
export {
  BUILT_IN_KINDS,
  MAX_PLAN_JSON_CHARS,
  ModelPlanSchema,
  PlanSchema,
  StoredPlanSchema,
  SUBTASK_STATES,
  type ModelPlan,
  type Plan,
  type StoredPlan,
  type Subtask,
  type SubtaskState,
} from "./schema.ts";
export { BudgetSettingsSchema, DEFAULT_PLANNING_SETTINGS, PlanningSettingsSchema, type PlanningSettings } from "./settings.ts";
export { loadBuiltInTemplates, loadTemplates, parseTemplate, templateForLabels, type PlanTemplate, type TemplateReader, type TemplateSet } from "./templates.ts";
