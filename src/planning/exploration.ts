import type { ContentBlock, ContentBlockParam, Message, MessageParam, TextBlockParam, Tool, ToolChoice, ToolUseBlock } from "@anthropic-ai/sdk/resources/messages";
import { isExplorationTool, type CodeExplorer } from "../context/index.ts";
import type { Budget } from "../llm/budget.ts";
import type { LlmClient } from "../llm/client.ts";
import type { UsageLedger } from "../llm/ledger.ts";
import { supportsForcedToolChoice } from "../llm/models.ts";
import { prompt } from "../prompting/index.ts";

/**
 * A conversation that ends in one final tool (`submit_plan`, `submit_answer`): first up to
 * `turns` turns of read-only exploration of the code (the model calls the exploration tools,
 * Droid answers with fenced repository data), then the final call, validated; an invalid
 * final answer (or prose, or more exploration once the turns are spent) gets one repair
 * round with the problems sent back. Bounded: at most `turns + 2` requests.
 */

export interface ModelCall {
  llm: LlmClient;
  model: string;
  maxOutputTokens: number;
  ledger: UsageLedger;
  budget: Budget;
  signal?: AbortSignal | undefined;
}

/** The parts of a Messages request that carry the prompt. */
export interface Conversation {
  system: TextBlockParam[];
  tools: Tool[];
  messages: MessageParam[];
}

/** The model's final answer failed validation, and again after the repair round. */
export class SubmissionInvalid extends Error {
  readonly errors: string[];
  constructor(what: string, errors: string[]) {
    super(`the model's ${what} failed validation twice: ${errors.slice(0, 3).join("; ")}`);
    this.errors = errors;
  }
}

export type Reading<T> = { ok: true; value: T } | { ok: false; errors: string[] };

export interface FinalTool<T> {
  name: string;
  /** Validates the model's input to the final tool. */
  read(input: unknown, message: Message): Promise<Reading<T>>;
  /** The text sent back with the problems for the repair round. */
  repair(errors: string[]): string;
  /** The problem when an answer has no call of the final tool. */
  missing(message: Message, exploring: boolean): string;
}

export type ConversationResult<T> =
  | { ok: true; value: T; rounds: 1 | 2; explorationTurns: number }
  | { ok: false; errors: string[]; explorationTurns: number };

/** Exploration calls answered per turn at most; the rest are answered "not run". */
const MAX_CALLS_PER_TURN = 6;

export async function converse<T>(
  conversation: Conversation,
  final: FinalTool<T>,
  exploring: { explorer: CodeExplorer; turns: number } | null,
  call: ModelCall & { expectedOutputTokens: number },
): Promise<ConversationResult<T>> {
  const forced = supportsForcedToolChoice(call.model);
  let messages = conversation.messages;
  let explorationLeft = exploring?.turns ?? 0;
  let explorationTurns = 0;
  let repaired = false;
  for (;;) {
    const choice: ToolChoice = explorationLeft > 0 ? (forced ? { type: "any" } : { type: "auto" }) : forced ? { type: "tool", name: final.name } : { type: "auto" };
    const message = await call.llm.createMessage(
      { model: call.model, max_tokens: call.maxOutputTokens, system: conversation.system, tools: conversation.tools, tool_choice: choice, messages: withMovingCacheMark(messages) },
      { ledger: call.ledger, budget: call.budget, signal: call.signal, expectedOutputTokens: call.expectedOutputTokens },
    );
    const uses = message.content.filter((b): b is ToolUseBlock => b.type === "tool_use");
    const submitted = uses.find((u) => u.name === final.name);
    const exploration = uses.filter((u) => isExplorationTool(u.name));
    if (!submitted && exploring && explorationLeft > 0 && exploration.length > 0) {
      explorationLeft--;
      explorationTurns++;
      const results = await answerExploration(uses, exploring.explorer, final.name);
      if (explorationLeft === 0) results.push({ type: "text", text: prompt("explore-turns-over", { tool: final.name }) });
      messages = [...messages, assistantTurn(message), { role: "user", content: results }];
      continue;
    }
    const reading: Reading<T> = submitted
      ? await final.read(submitted.input, message)
      : { ok: false, errors: [final.missing(message, exploration.length > 0)] };
    if (reading.ok) return { ok: true, value: reading.value, rounds: repaired ? 2 : 1, explorationTurns };
    if (repaired) return { ok: false, errors: reading.errors, explorationTurns };
    repaired = true;
    explorationLeft = 0;
    messages = [...messages, ...repairTurn(message, final, reading.errors)];
  }
}

async function answerExploration(uses: ToolUseBlock[], explorer: CodeExplorer, finalName: string): Promise<ContentBlockParam[]> {
  const results: ContentBlockParam[] = [];
  let run = 0;
  for (const use of uses) {
    if (!isExplorationTool(use.name)) {
      results.push(notRun(use, prompt("explore-not-a-tool", { tool: use.name, final: finalName })));
    } else if (run >= MAX_CALLS_PER_TURN) {
      results.push(notRun(use, prompt("explore-too-many", { max: String(MAX_CALLS_PER_TURN) })));
    } else {
      run++;
      const answer = await explorer.run(use.name, use.input);
      results.push({ type: "tool_result", tool_use_id: use.id, content: answer.text, ...(answer.isError ? { is_error: true } : {}) });
    }
  }
  return results;
}

function notRun(use: ToolUseBlock, text: string): ContentBlockParam {
  return { type: "tool_result", tool_use_id: use.id, is_error: true, content: text };
}

/** The model's answer as request content, so the conversation continues. */
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

function assistantTurn(message: Message): MessageParam {
  const content = asParams(message.content);
  return { role: "assistant", content: content.length > 0 ? content : [{ type: "text", text: "(no answer)" }] };
}

function repairTurn<T>(message: Message, final: FinalTool<T>, errors: string[]): MessageParam[] {
  const text = final.repair(errors);
  const results: ContentBlockParam[] = message.content.flatMap((b): ContentBlockParam[] =>
    b.type === "tool_use" ? [b.name === final.name ? { type: "tool_result", tool_use_id: b.id, is_error: true, content: text } : notRun(b, prompt("explore-call-final", { final: final.name }))] : [],
  );
  if (results.length > 0 && !message.content.some((b) => b.type === "tool_use" && b.name === final.name)) results.push({ type: "text", text });
  return [assistantTurn(message), { role: "user", content: results.length > 0 ? results : [{ type: "text", text }] }];
}

/**
 * The messages with a cache breakpoint on the last block of the last one, so the next request
 * reads the whole conversation so far from the cache. The stored history is left unmarked (a
 * request may carry at most four breakpoints: tools, system, the repository context, this one).
 */
function withMovingCacheMark(messages: MessageParam[]): MessageParam[] {
  const last = messages.at(-1);
  if (!last || last.role !== "user") return messages;
  const content: ContentBlockParam[] = typeof last.content === "string" ? [{ type: "text", text: last.content }] : [...last.content];
  const end = content.at(-1);
  if (!end || end.type === "thinking" || end.type === "redacted_thinking" || ("cache_control" in end && end.cache_control)) return messages;
  content[content.length - 1] = { ...end, cache_control: { type: "ephemeral" } };
  return [...messages.slice(0, -1), { role: "user", content }];
}
