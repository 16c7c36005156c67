import type { Message } from "@anthropic-ai/sdk/resources/messages";
import { CodeExplorer, type ExplorationRecord } from "../context/index.ts";
import { prompt } from "../prompting/index.ts";
import { converse, SubmissionInvalid, type ModelCall, type Reading } from "./exploration.ts";
import { checkPlanPaths } from "./plan-paths.ts";
import { buildPlanPrompt, PLAN_TOOL_NAME, type PlanPromptInput } from "./request.ts";
import { describeIssues, MAX_PLAN_JSON_CHARS, ModelPlanSchema, type Plan } from "./schema.ts";

/** The model did not produce a valid plan, even after the repair round. */
export class PlanInvalid extends SubmissionInvalid {
  override readonly name = "PlanInvalid";
  constructor(errors: string[]) {
    super("plan", errors);
  }
}

export type PlannerCall = ModelCall;

export interface PlannerResult {
  plan: Plan;
  /** 1 when the first submitted plan was valid, 2 when the repair round was needed. */
  rounds: 1 | 2;
  /** Turns the model spent exploring the code. */
  explorationTurns: number;
  /** The exploration calls, in order (which files were opened, what was searched). */
  explored: ExplorationRecord[];
}

/** Output tokens reserved in the budget estimate of a planning request. */
export const EXPECTED_PLAN_OUTPUT_TOKENS = 4_000;

/** Validates what the model sent to `submit_plan`: the schema, the template's checks, the stored size. */
export function readPlanInput(callInput: unknown, input: Pick<PlanPromptInput, "templates" | "labelTemplate">): Reading<Plan> {
  const parsed = ModelPlanSchema.safeParse(callInput);
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
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: plan };
}

function missingPlan(message: Message, exploring: boolean): string {
  if (exploring) return `No \`${PLAN_TOOL_NAME}\` tool call was made, and the exploration turns are used up.`;
  const why = message.stop_reason === "max_tokens" ? " The answer hit the output limit; be more concise." : "";
  return `No \`${PLAN_TOOL_NAME}\` tool call was made (the answer was prose).${why}`;
}

/**
 * Asks the model for a plan through the `submit_plan` tool, after up to `explorationTurns`
 * turns of read-only exploration of the clone; the plan is validated (schema, template
 * checks, size, and every path against the index); an invalid answer gets one repair round
 * with the problems; still invalid → `PlanInvalid`.
 */
export async function producePlan(input: PlanPromptInput, call: PlannerCall): Promise<PlannerResult> {
  const explorer = input.code && input.explorationTurns > 0 ? new CodeExplorer(input.code.index) : null;
  const code = input.code;
  const result = await converse(
    buildPlanPrompt(input),
    {
      name: PLAN_TOOL_NAME,
      async read(callInput) {
        const reading = readPlanInput(callInput, input);
        if (!reading.ok || !code) return reading;
        const problems = await checkPlanPaths(reading.value, code.index);
        return problems.length > 0 ? { ok: false, errors: problems } : reading;
      },
      repair: (errors) => prompt("plan-repair", { errors: errors.map((e) => `- ${e}`).join("\n") }),
      missing: missingPlan,
    },
    explorer ? { explorer, turns: input.explorationTurns } : null,
    { ...call, expectedOutputTokens: EXPECTED_PLAN_OUTPUT_TOKENS },
  );
  if (!result.ok) throw new PlanInvalid(result.errors);
  return { plan: result.value, rounds: result.rounds, explorationTurns: result.explorationTurns, explored: explorer?.calls ?? [] };
}
