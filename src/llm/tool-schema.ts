/**
 * A tool's `input_schema` for the Messages API, generated from the zod schema that
 * parses the tool's input, so what the model is shown and what Droid accepts are
 * one declaration. Descriptions come from `.describe()`; the schema is read as an
 * input (fields with a default are optional).
 */
import type { Tool } from "@anthropic-ai/sdk/resources/messages";
import { z } from "zod";

export function toolInputSchema(schema: z.ZodType): Tool.InputSchema {
  const { $schema: _, ...json } = z.toJSONSchema(schema, { io: "input" });
  if (json.type !== "object") throw new Error(`A tool's input must be an object schema, not ${JSON.stringify(json.type ?? "untyped")}`);
  return { ...json, type: "object" };
}
