/**
 * The tools of one agent run, by name: their declarations for the Messages API (in
 * the order given) and the dispatch of the model's calls — look the tool up, parse the
 * input with its schema, run it. An unknown tool or an invalid input is an error answer
 * the model can correct, never an exception.
 */
import type { Tool } from "@anthropic-ai/sdk/resources/messages";
import type { z } from "zod";
import { toolInputSchema } from "../../llm/index.ts";
import { prompt } from "../../prompting/index.ts";
import { answer, type AgentTool, type AnthropicBuiltInTool, type ToolContext, type ToolOutcome } from "./agent-tool.ts";

export class ToolRegistry {
  readonly #tools = new Map<string, AgentTool>();

  constructor(tools: readonly AgentTool[]) {
    for (const tool of tools) {
      if (this.#tools.has(tool.name)) throw new Error(`Two agent tools are named ${tool.name}`);
      if (tool.builtIn && tool.builtIn.name !== tool.name) throw new Error(`The tool ${tool.name} is declared as Anthropic's ${tool.builtIn.name}`);
      this.#tools.set(tool.name, tool);
    }
  }

  /** The tools as the model is shown them: fresh objects, so a caller may add cache breakpoints. */
  declarations(): (Tool | AnthropicBuiltInTool)[] {
    return [...this.#tools.values()].map((tool) =>
      tool.builtIn ? { ...tool.builtIn } : { name: tool.name, description: tool.description, input_schema: toolInputSchema(tool.input) },
    );
  }

  async run(name: string, input: unknown, context: ToolContext): Promise<ToolOutcome> {
    const tool = this.#tools.get(name);
    if (!tool) return answer({ text: prompt("agent-unknown-tool", { name }), isError: true }, `unknown tool ${name}`);
    const parsed = tool.input.safeParse(input);
    if (!parsed.success) return answer({ text: describeInvalidInput(parsed.error), isError: true }, `${name}: invalid input`);
    return tool.run(parsed.data, context);
  }
}

function describeInvalidInput(error: z.ZodError): string {
  return `Invalid input: ${error.issues.map((i) => `${i.path.join(".") || "input"}: ${i.message}`).join("; ")}`;
}
