import type { TextBlockParam } from "@anthropic-ai/sdk/resources/messages";
import { z } from "zod";
import { CodeExplorer, explorationTools, nearestPaths, type ExplorationRecord, type RepositoryIndex } from "../context/index.ts";
import { toolInputSchema } from "../llm/tool-schema.ts";
import { dataBlock, instructionBlock, prompt, unchecked, writer } from "../prompting/index.ts";
import { renderKnowledge, renderMapSection, renderRelevantSection, type CodeContext } from "./code-context.ts";
import { converse, SubmissionInvalid, type Conversation, type ModelCall } from "./exploration.ts";
import { describeIssues } from "./schema.ts";

/**
 * `/droid ask`: a question about the code, answered from the same grounding a plan gets (map,
 * relevant code, knowledge files, read-only exploration), through one final tool whose
 * citations are checked against the index. Nothing is changed or run.
 */

export const ANSWER_TOOL_NAME = "submit_answer";

const CitationSchema = z.object({
  path: z.string().trim().min(1).max(300).describe("A file of the repository, relative to its root."),
  startLine: z.number().int().min(1).describe("First line cited (1-based)."),
  endLine: z.number().int().min(1).describe("Last line cited (inclusive)."),
});

export const AnswerSchema = z.object({
  answer: z.string().trim().min(1).max(8_000).describe("The answer in GitHub Markdown: direct, short, grounded in the code you saw."),
  citations: z.array(CitationSchema).max(12).describe("The code the answer rests on, most important first."),
  notFound: z.array(z.string().trim().min(1).max(300)).max(10).describe("What the question asks that the code did not show; empty when nothing."),
});
export type Answer = z.infer<typeof AnswerSchema>;
export type Citation = z.infer<typeof CitationSchema>;

/** A citation as checked against the index: valid, or why not. */
export type CheckedCitation = Citation & ({ valid: true } | { valid: false; problem: string });

/** The issue or pull request the question was asked on. */
export interface AskTarget {
  kind: "issue" | "pull request" | "Jira ticket";
  /** How the prompt names it: `issue #12`, `Jira ticket SHOP-7`. */
  name: string;
  title: string;
  body: string;
  author: string | null;
}

export interface AskInput {
  question: string;
  /** Who asked (a writer: only writers' commands run). */
  asker: string;
  target: AskTarget;
  code: CodeContext;
  explorationTurns: number;
}

export interface AskResult {
  answer: Answer;
  citations: CheckedCitation[];
  rounds: 1 | 2;
  explored: ExplorationRecord[];
}

/** The model did not produce a valid answer, even after the repair round. */
export class AnswerInvalid extends SubmissionInvalid {
  override readonly name = "AnswerInvalid";
  constructor(errors: string[]) {
    super("answer", errors);
  }
}

export const EXPECTED_ANSWER_OUTPUT_TOKENS = 2_000;

export function checkCitations(citations: readonly Citation[], index: RepositoryIndex): CheckedCitation[] {
  return citations.map((c): CheckedCitation => {
    const file = index.file(c.path.replace(/^\.\/+/, ""));
    if (!file) {
      const near = nearestPaths(index, c.path);
      return { ...c, valid: false, problem: `\`${c.path}\` is not a file of the repository${near.length > 0 ? ` (nearest: ${near.map((p) => `\`${p}\``).join(", ")})` : ""}` };
    }
    if (c.endLine < c.startLine || c.endLine > file.lines) return { ...c, valid: false, problem: `\`${c.path}\` has ${file.lines} lines; lines ${c.startLine}–${c.endLine} do not exist` };
    return { ...c, path: file.path, valid: true };
  });
}

const EPHEMERAL = { type: "ephemeral" } as const;

export function buildAskPrompt(input: AskInput): Conversation {
  const { code, target } = input;
  const answerTool = { name: ANSWER_TOOL_NAME, description: "Submit the answer with its citations. Call exactly once.", input_schema: toolInputSchema(AnswerSchema) };
  const tools = [answerTool, ...(input.explorationTurns > 0 ? explorationTools() : [])];
  const repository = prompt("ask-repository", { branch: code.branch, commit: code.commit.slice(0, 12), knowledge: renderKnowledge(code).join("\n\n") || "(none)" });
  const content: TextBlockParam[] = [
    { type: "text", text: repository, cache_control: EPHEMERAL },
    { type: "text", text: renderMapSection(code) },
    { type: "text", text: renderRelevantSection(code) },
    {
      type: "text",
      text: prompt("ask-target", {
        ticket: target.name,
        title: dataBlock({ what: `${target.kind} title`, from: unchecked(target.author), text: target.title }),
        body: dataBlock({ what: `${target.kind} body`, from: unchecked(target.author), text: target.body, format: "markdown", maxChars: 8_000 }),
      }),
    },
    { type: "text", text: prompt("ask-task", { question: instructionBlock({ what: "the question", from: writer(input.asker), text: input.question, format: "markdown", maxChars: 4_000 }) }) },
  ];
  return {
    system: [{ type: "text", text: prompt("ask-system", { turns: String(input.explorationTurns) }), cache_control: EPHEMERAL }],
    tools: tools.map((tool, i) => (i === tools.length - 1 ? { ...tool, cache_control: EPHEMERAL } : tool)),
    messages: [{ role: "user", content }],
  };
}

/**
 * Answers the question: up to `explorationTurns` turns of read-only exploration, then
 * `submit_answer`. Citations that do not exist in the index are sent back once with the
 * problems; on the second answer they are kept, marked invalid, for the comment to drop.
 */
export async function answerQuestion(input: AskInput, call: ModelCall): Promise<AskResult> {
  const explorer = input.explorationTurns > 0 ? new CodeExplorer(input.code.index) : null;
  let citationsSentBack = false;
  const result = await converse<{ answer: Answer; citations: CheckedCitation[] }>(
    buildAskPrompt(input),
    {
      name: ANSWER_TOOL_NAME,
      async read(callInput) {
        const parsed = AnswerSchema.safeParse(callInput);
        if (!parsed.success) return { ok: false, errors: describeIssues(parsed.error) };
        const citations = checkCitations(parsed.data.citations, input.code.index);
        const problems = citations.flatMap((c, i) => (c.valid ? [] : [`citations.${i}: ${c.problem}`]));
        if (problems.length > 0 && !citationsSentBack) {
          citationsSentBack = true;
          return { ok: false, errors: problems };
        }
        return { ok: true, value: { answer: parsed.data, citations } };
      },
      repair: (errors) => prompt("ask-repair", { errors: errors.map((e) => `- ${e}`).join("\n") }),
      missing: (_message, exploring) => prompt(exploring ? "ask-missing-after-exploring" : "ask-missing"),
    },
    explorer ? { explorer, turns: input.explorationTurns } : null,
    { ...call, expectedOutputTokens: EXPECTED_ANSWER_OUTPUT_TOKENS },
  );
  if (!result.ok) throw new AnswerInvalid(result.errors);
  return { ...result.value, rounds: result.rounds, explored: explorer?.calls ?? [] };
}
