/**
 * A scripted model: each turn is one declared Anthropic Messages answer (nock), with
 * the request recorded so a test can check what the model was shown.
 */
import type { Message, MessageCreateParamsNonStreaming } from "@anthropic-ai/sdk/resources/messages";
import nock from "nock";
import { ANTHROPIC, message, type FakeUsage } from "../fixtures/anthropic.ts";

export type Turn = (
  | { tool: string; input: Record<string, unknown> }
  | { text: string }
  | { status: number; body: unknown }
) & {
  /** Runs before this answer is sent (e.g. a human pushes, a second webhook arrives). */
  before?: () => Promise<void>;
  /** This turn's usage, instead of the script's. */
  usage?: FakeUsage;
  /** Answer only after this many milliseconds (a request in flight). */
  delayMs?: number;
};

export interface ScriptedModel {
  scope: nock.Scope;
  requests: MessageCreateParamsNonStreaming[];
  /** The text of every tool result the model was sent in request `i`. */
  toolResults(i: number): string[];
}

const USAGE: FakeUsage = { input: 1200, output: 300, cacheWrite: 0, cacheRead: 3000 };

export function scriptModel(turns: Turn[], usage: FakeUsage = USAGE): ScriptedModel {
  const requests: MessageCreateParamsNonStreaming[] = [];
  let scope = nock(ANTHROPIC);
  turns.forEach((turn, i) => {
    const declared = scope.post("/v1/messages", (body: MessageCreateParamsNonStreaming) => {
      requests.push(body);
      return true;
    });
    const interceptor = turn.delayMs === undefined ? declared : declared.delay(turn.delayMs);
    if ("status" in turn) {
      scope = interceptor.reply(turn.status, turn.body as nock.Body);
      return;
    }
    const answer: Message =
      "tool" in turn
        ? message([{ type: "tool_use", id: `toolu_${i}`, name: turn.tool, input: turn.input, caller: { type: "direct" } }], turn.usage ?? usage, "tool_use")
        : message([{ type: "text", text: turn.text, citations: null }], turn.usage ?? usage);
    const before = turn.before;
    scope = before ? interceptor.reply(async () => (await before(), [200, answer])) : interceptor.reply(200, answer);
  });
  return {
    scope,
    requests,
    toolResults(i) {
      const last = requests[i]?.messages.at(-1);
      if (!last || typeof last.content === "string") return [];
      return last.content.flatMap((b) => (b.type === "tool_result" ? [typeof b.content === "string" ? b.content : JSON.stringify(b.content)] : []));
    },
  };
}
