import type { MessageParam, TextBlockParam, Tool } from "@anthropic-ai/sdk/resources/messages";
import { explorationTools } from "../context/index.ts";
import { toolInputSchema } from "../llm/tool-schema.ts";
import { renderKnowledge, renderMapSection, renderRelevantSection, type CodeContext } from "./code-context.ts";
import { renderIssueContext, renderRepoContext } from "./context-render.ts";
import type { IssueContext } from "./issue-context.ts";
import { fenced, prompt } from "../prompting/index.ts";
import { ModelPlanSchema, type StoredPlan } from "./schema.ts";
import type { PlanTemplate, TemplateSet } from "./templates.ts";

export const PLAN_TOOL_NAME = "submit_plan";

/** Everything a planning request is built from. */
export interface PlanPromptInput {
  context: IssueContext;
  templates: TemplateSet;
  /** The template the issue's labels select; null lets the model classify. */
  labelTemplate: PlanTemplate | null;
  /** The rendered INSTRUCTION block. */
  instruction: string;
  /** The plan being revised, if any. */
  previous: StoredPlan | null;
  /** What was read of the code (null when the clone could not be read). */
  code: CodeContext | null;
  /** Turns of read-only exploration the model may take before it must submit (0: none, no tools offered). */
  explorationTurns: number;
}

/** The parts of a Messages request that carry the prompt. */
export interface PlanPrompt {
  system: TextBlockParam[];
  tools: Tool[];
  messages: MessageParam[];
}

const EPHEMERAL = { type: "ephemeral" } as const;

/** The `submit_plan` tool: the plan schema as JSON Schema, kinds limited to the known templates. */
export function planTool(templates: TemplateSet): Tool {
  const schema = toolInputSchema(ModelPlanSchema);
  const properties: Record<string, unknown> = Object.assign({}, schema.properties);
  properties["kind"] = { type: "string", enum: templates.templates.map((t) => t.kind), description: "The kind of work: the template the plan follows." };
  return {
    name: PLAN_TOOL_NAME,
    description: "Submit the complete plan for the issue. Call exactly once with every field filled.",
    input_schema: { ...schema, properties },
  };
}

/** The request's tools: `submit_plan`, then the exploration tools when the model may explore; the last one closes the cached prefix. */
export function planTools(input: Pick<PlanPromptInput, "templates" | "code" | "explorationTurns">): Tool[] {
  const tools = [planTool(input.templates), ...(input.code && input.explorationTurns > 0 ? explorationTools() : [])];
  return tools.map((tool, i) => (i === tools.length - 1 ? { ...tool, cache_control: EPHEMERAL } : tool));
}

function codeRules(input: PlanPromptInput): string {
  if (!input.code) return prompt("plan-no-code-rules", {});
  const exploration = input.explorationTurns > 0 ? prompt("plan-exploration-rule", { turns: String(input.explorationTurns) }) : "";
  return prompt("plan-code-rules", { exploration }).trimEnd();
}

export function renderTemplates(templates: TemplateSet): string {
  return templates.templates
    .map((t) => prompt("plan-template-entry", { title: t.title, kind: t.kind, origin: t.source === "repo" ? ", from this repository" : "", body: t.body }))
    .join("\n\n");
}

function kindRule(input: PlanPromptInput): string {
  const t = input.labelTemplate;
  if (t) return prompt("plan-kind-fixed", { kind: t.kind, title: t.title });
  return prompt("plan-kind-classify", { kinds: input.templates.templates.map((x) => `\`${x.kind}\``).join(", ") });
}

/**
 * Builds the prompt. The stable prefix — tools, system prompt with the templates, and the
 * repository context (GitHub's files, the clone's knowledge files) — ends in cache
 * breakpoints, so a second request on the same repository (a revision, a repair round,
 * another issue at the same commit) reads it from the cache. Then the repository map,
 * the relevant code and the issue: the parts that depend on the issue come last.
 */
export function buildPlanPrompt(input: PlanPromptInput): PlanPrompt {
  const repository = [renderRepoContext(input.context), ...(input.code ? renderKnowledge(input.code) : [])].join("\n\n");
  const content: TextBlockParam[] = [{ type: "text", text: `# Repository context\n\n${repository}`, cache_control: EPHEMERAL }];
  if (input.code) content.push({ type: "text", text: renderMapSection(input.code) }, { type: "text", text: renderRelevantSection(input.code) });
  content.push({ type: "text", text: `# Issue context\n\n${renderIssueContext(input.context)}` });
  if (input.previous) {
    content.push({
      type: "text",
      text: prompt("plan-revise", {
        revision: String(input.previous.revision),
        previous_plan: fenced(JSON.stringify(input.previous.plan, null, 2), "json"),
      }),
    });
  }
  content.push({ type: "text", text: prompt("plan-task", { kind_rule: kindRule(input), instruction: input.instruction }) });
  return {
    system: [{ type: "text", text: prompt("plan-system", { templates: renderTemplates(input.templates), code_rules: codeRules(input) }), cache_control: EPHEMERAL }],
    tools: planTools(input),
    messages: [{ role: "user", content }],
  };
}
