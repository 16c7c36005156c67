import type { ContentBlock, ContentBlockParam, Message, MessageParam, ToolChoice } from "@anthropic-ai/sdk/resources/messages";
import type { Budget } from "../llm/budget.ts";
import type { LlmClient } from "../llm/client.ts";
import type { UsageLedger } from "../llm/ledger.ts";
import { supportsForcedToolChoice } from "../llm/models.ts";
import { prompt } from "../prompting/index.ts";
import { buildPlanPrompt, PLAN_TOOL_NAME, type PlanPromptInput } from "./request.ts";
import { describeIssues, MAX_PLAN_JSON_CHARS, ModelPlanSchema, type Plan } from "./schema.ts";

/** The model did not produce a valid plan, even after the repair round. */
export class PlanInvalid extends Error {
  override readonly name = "PlanInvalid";
  readonly errors: string[];
  constructor(errors: string[]) {
    super(`the model's plan failed validation twice: ${errors.slice(0, 3).join("; ")}`);
    this.errors = errors;
  }
}

export interface PlannerCall {
  llm: LlmClient;
  model: string;
  maxOutputTokens: number;
  ledger: UsageLedger;
  budget: Budget;
  signal?: AbortSignal | undefined;
}

export interface PlannerResult {
  plan: Plan;
  /** 1 when the first answer was valid, 2 when the repair round was needed. */
  rounds: 1 | 2;
}

/** Output tokens reserved in the budget estimate of a planning request. */
export const EXPECTED_PLAN_OUTPUT_TOKENS = 4_000;

type Reading = { ok: true; plan: Plan } | { ok: false; errors: string[] };

/** Validates the model's answer: the tool call, the schema, the template's checks, the stored size. */
export function readPlan(message: Message, input: PlanPromptInput): Reading {
  const call = message.content.find((b) => b.type === "tool_use" && b.name === PLAN_TOOL_NAME);
  if (!call || call.type !== "tool_use") {
    const why = message.stop_reason === "max_tokens" ? " The answer hit the output limit; be more concise." : "";
    return { ok: false, errors: [`No \`${PLAN_TOOL_NAME}\` tool call was made (the answer was prose).${why}`] };
  }
  const parsed = ModelPlanSchema.safeParse(call.input);
  if (!parsed.success) return { ok: false, errors: describeIssues(parsed.error) };
  const template = input.labelTemplate ?? input.templates.templates.find((t) => t.kind === parsed.data.kind);
  if (!template) {
    return { ok: false, errors: [`kind: "${parsed.data.kind}" is not one of ${input.templates.templates.map((t) => t.kind).join(", ")}`] };
  }
  const addressed = new Set(parsed.data.checks.map((c) => c.id));
  const errors = template.checks
    .filter((c) => !addressed.has(c.id))
    .map((c) => `checks: the "${template.title}" template's check \`${c.id}\` is not addressed (${c.text})`);
  const plan: Plan = {
    ...parsed.data,
    kind: template.kind,
    checks: parsed.data.checks.filter((c) => template.checks.some((t) => t.id === c.id)),
    template: { kind: template.kind, title: template.title, source: template.source, chosenBy: input.labelTemplate ? "label" : "model" },
  };
  const size = JSON.stringify(plan).length;
  if (size > MAX_PLAN_JSON_CHARS) errors.push(`(plan): too long (${size} characters of JSON, at most ${MAX_PLAN_JSON_CHARS}); write more concisely`);
  return errors.length > 0 ? { ok: false, errors } : { ok: true, plan };
}

/** The model's answer as request content, so the repair round continues the same conversation. */
function asParams(blocks: ContentBlock[]): ContentBlockParam[] {
  return blocks.flatMap((b): ContentBlockParam[] => {
    switch (b.type) {
      case "text":
        return [{ type: "text", text: b.text }];
      case "tool_use":
        return [{ type: "tool_use", id: b.id, name: b.name, input: b.input }];
      case "thinking":
        return [{ type: "thinking", thinking: b.thinking, signature: b.signature }];
      case "redacted_thinking":
        return [{ type: "redacted_thinking", data: b.data }];
      default:
        return [];
    }
  });
}

function repairTurn(message: Message, errors: string[]): MessageParam[] {
  const text = prompt("plan-repair", { errors: errors.map((e) => `- ${e}`).join("\n") });
  const results: ContentBlockParam[] = message.content.flatMap((b): ContentBlockParam[] =>
    b.type === "tool_use" ? [{ type: "tool_result", tool_use_id: b.id, is_error: true, content: b.name === PLAN_TOOL_NAME ? text : "Unknown tool." }] : [],
  );
  const assistant = asParams(message.content);
  return [
    { role: "assistant", content: assistant.length > 0 ? assistant : [{ type: "text", text: "(no answer)" }] },
    { role: "user", content: results.length > 0 ? results : [{ type: "text", text }] },
  ];
}

/**
 * Asks the model for a plan through the `submit_plan` tool; on invalid output, one
 * repair round with the validation errors; still invalid → `PlanInvalid`.
 */
export async function producePlan(input: PlanPromptInput, call: PlannerCall): Promise<PlannerResult> {
  const prompt = buildPlanPrompt(input);
  const toolChoice: ToolChoice = supportsForcedToolChoice(call.model) ? { type: "tool", name: PLAN_TOOL_NAME } : { type: "auto" };
  let messages = prompt.messages;
  for (const round of [1, 2] as const) {
    const message = await call.llm.createMessage(
      { model: call.model, max_tokens: call.maxOutputTokens, system: prompt.system, tools: prompt.tools, tool_choice: toolChoice, messages },
      { ledger: call.ledger, budget: call.budget, signal: call.signal, expectedOutputTokens: EXPECTED_PLAN_OUTPUT_TOKENS },
    );
    const reading = readPlan(message, input);
    if (reading.ok) return { plan: reading.plan, rounds: round };
    if (round === 2) throw new PlanInvalid(reading.errors);
    messages = [...messages, ...repairTurn(message, reading.errors)];
  }
  throw new Error("unreachable");
}
