/**
 * What an agent tool is: one object with its name, what the model is told about it,
 * the zod schema its input is parsed with (the JSON schema the model sees is generated
 * from it), and what it does. A run offers a list of them (see `standardTools`); the
 * `ToolRegistry` declares them to the model and dispatches its calls.
 */
import type { ToolBash20250124, ToolTextEditor20250728 } from "@anthropic-ai/sdk/resources/messages";
import type { Logger } from "pino";
import type { z } from "zod";
import type { AgentComputer } from "../computer.ts";
import type { LivePlan } from "../live-plan.ts";

/** Anthropic's own tools, which the model is trained on: declared by type, with Anthropic's description and schema. */
export type AnthropicBuiltInTool = ToolTextEditor20250728 | ToolBash20250124;

/** What a tool may use while it runs: the run's sandbox computer, its live plan and its log. */
export interface ToolContext {
  computer: AgentComputer;
  plan: LivePlan;
  log: Logger;
}

/** What a call gives back: an answer for the model, or (from `finish`) the request to end the run. */
export type ToolOutcome =
  | {
      kind: "answer";
      text: string;
      isError: boolean;
      /** What stands in for the text once old results are compacted. */
      stub: string;
      /** The file viewed in full, so older views of it can be dropped from the history. */
      viewedPath: string | null;
      /** Ask the model, after this result, whether the plan still holds. */
      planCheck: boolean;
    }
  | { kind: "finish"; summary: string };

export interface AgentTool<Input extends z.ZodType = z.ZodType> {
  readonly name: string;
  /** What the model is told the tool does (for a built-in tool, Anthropic's own description is sent instead). */
  readonly description: string;
  /** Parses what the model sends; the JSON schema the model sees is generated from it. */
  readonly input: Input;
  /** True when the tool never changes the repository's work tree. */
  readonly readOnly: boolean;
  /** Set for Anthropic's built-in tools: the model is shown this declaration instead of `description` and a schema from `input`. */
  readonly builtIn?: AnthropicBuiltInTool;
  /** Runs on the worker with the parsed input; what fails is an error answer the model can act on, never an exception. */
  run(input: z.output<Input>, context: ToolContext): Promise<ToolOutcome>;
}

/** Declares a tool, typing `run`'s input from the tool's schema. */
export function defineTool<Input extends z.ZodType>(tool: AgentTool<Input>): AgentTool {
  return tool;
}

/** An answer for the model from a result of the computer (or any `{ text, isError }`). */
export function answer(
  result: { text: string; isError: boolean },
  stub: string,
  extra: { viewedPath?: string | null; planCheck?: boolean } = {},
): ToolOutcome {
  return { kind: "answer", text: result.text, isError: result.isError, stub, viewedPath: extra.viewedPath ?? null, planCheck: extra.planCheck ?? false };
}

/** The first non-blank line of a result, for stubs. */
export function firstLine(text: string): string {
  return (text.split("\n").find((l) => l.trim() !== "") ?? "").slice(0, 160);
}
