/**
 * The root-cause analysis request: Droid's measurements (the incident record, its
 * notes) and what it found in the repository (source around frames, searches), each as
 * fenced DATA labelled with where it came from.
 */
import { dataBlock, droidRecord, prompt, toolOutput } from "../prompting/index.ts";

/** One thing Droid looked up in the repository for the analysis. */
export interface RcaFinding {
  /** e.g. `source around src/cart.ts:45, failing line marked`. */
  what: string;
  /** The tool that produced it, e.g. `search_code`. */
  tool: string;
  text: string;
}

export function rcaSystemPrompt(): string {
  return prompt("rca-system");
}

export function rcaTaskMessage(input: { evidence: unknown; notes: readonly string[]; findings: readonly RcaFinding[] }): string {
  const blocks = [
    dataBlock({ what: "the incident as Droid measured it (error report, frames, suspect commits)", from: toolOutput("Droid's investigation"), text: JSON.stringify(input.evidence, null, 1), format: "json" }),
    ...(input.notes.length > 0 ? [dataBlock({ what: "notes from Droid's investigation", from: droidRecord, text: input.notes.map((n) => `- ${n}`).join("\n") })] : []),
    ...input.findings.map((f) => dataBlock({ what: f.what, from: toolOutput(f.tool), text: f.text, format: "code" })),
  ];
  return prompt("rca-task", { evidence: blocks.join("\n\n") });
}

export const rcaRepairMessage = (problems: string): string => prompt("rca-repair", { problems });
export const rcaProseNudge = (): string => prompt("rca-prose-nudge");
