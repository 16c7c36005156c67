/**
 * What the agent loop tells whoever watches a run (the job's transcript, in `runs/`):
 * each model turn with its text and tool calls, each tool result as the model saw it,
 * and each steering comment as it arrived. The loop knows nothing of where this goes;
 * an observer must not throw (the loop ignores what it returns).
 */
import type { TokenUsage } from "../llm/index.ts";

export interface AgentToolCall {
  id: string;
  name: string;
  input: unknown;
}

export type AgentEvent =
  | {
      kind: "model-turn";
      turn: number;
      /** The model's text of this turn (empty when it only called tools). */
      text: string;
      toolCalls: AgentToolCall[];
      usage: TokenUsage;
      costUsd: number;
      durationMs: number;
    }
  | {
      kind: "tool-result";
      turn: number;
      callId: string;
      name: string;
      /** The result exactly as the model was given it (a digest for command output). */
      text: string;
      isError: boolean;
      durationMs: number;
    }
  | { kind: "steering"; turn: number; author: string; body: string };

export type AgentObserver = (event: AgentEvent) => void;
