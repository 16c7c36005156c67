import { describe, expect, it } from "vitest";
import { z } from "zod";
import { incidentRecordSchema } from "../../src/incidents/record.ts";
import { toolInputSchema } from "../../src/llm/index.ts";

describe("toolInputSchema", () => {
  it("is an object schema without $schema; a field with a default is optional; descriptions are kept", () => {
    const schema = toolInputSchema(z.object({ pattern: z.string().describe("A regular expression."), all: z.boolean().default(false) }));
    expect(schema).toEqual({
      type: "object",
      properties: { pattern: { type: "string", description: "A regular expression." }, all: { type: "boolean", default: false } },
      required: ["pattern"],
    });
  });

  it("declares submit_rca from the incident record's analysis: every field required, the nullable ones may be null", () => {
    const schema = toolInputSchema(incidentRecordSchema.shape.analysis.unwrap());
    expect(schema.required).toEqual(["summary", "suspectedCause", "suggestedFix", "verification", "evidence"]);
    expect(schema.properties).toMatchObject({
      summary: { type: "string", description: "Two to four sentences: what fails, for whom, since when." },
      suspectedCause: { anyOf: [{ type: "object", required: ["text", "confidence"] }, { type: "null" }] },
      suggestedFix: { type: ["string", "null"] },
      evidence: { type: "array", items: { required: ["text", "url"] } },
    });
  });

  it("refuses a schema that is not an object: the Messages API takes object inputs only", () => {
    expect(() => toolInputSchema(z.string())).toThrow('A tool\'s input must be an object schema, not "string"');
  });
});
