/**
 * The agent loop: ask the model, run the tools it calls in the sandbox, feed back
 * digested results, steering from humans and plan checks, until it finishes or a
 * limit (turns, wall clock, budget) or a cancellation ends the run. The loop never
 * writes to GitHub; the fix job does, from the outcome.
 */
import type { ContentBlockParam, Message, TextBlockParam, ToolResultBlockParam, ToolUnion } from "@anthropic-ai/sdk/resources/messages";
import type { Logger } from "pino";
import { BudgetExceeded, LlmAborted, ZERO_USAGE, addUsage, describeBudgetStop, LlmRequestRejected, LlmUnavailable, type Budget, type LlmClient, type UsageLedger } from "../llm/index.ts";
import { CommandCancelled, type AgentComputer, type TestRun } from "./computer.ts";
import { ConversationHistory, type HistoryPolicy } from "./history.ts";
import { fenceUntrusted, prompt } from "../prompting/index.ts";
import type { LivePlan } from "./live-plan.ts";
import type { AgentObserver } from "./observer.ts";
import type { AgentTool, ToolContext } from "./tools/agent-tool.ts";
import { ToolRegistry } from "./tools/registry.ts";

/** A comment by a human with write access, made while the job runs. */
export interface SteeringMessage {
  author: string;
  body: string;
}

/** The change as it stands, computed on the host (the sandbox has no git). */
export interface ChangeReport {
  files: { path: string; status: "added" | "modified" | "deleted" }[];
  /** A unified diff, possibly cut to a size. */
  diff: string;
}

export interface AgentLimits {
  maxTurns: number;
  /** Epoch milliseconds after which no new turn starts. */
  deadline: number;
  maxTokensPerResponse: number;
}

export interface AgentRun {
  llm: LlmClient;
  ledger: UsageLedger;
  budget: Budget;
  computer: AgentComputer;
  plan: LivePlan;
  systemPrompt: string;
  taskMessage: string;
  limits: AgentLimits;
  signal: AbortSignal;
  log: Logger;
  /** New steering messages since the last call (the job reacts 👀 to each). */
  steering: () => Promise<SteeringMessage[]>;
  inspectChanges: () => Promise<ChangeReport>;
  history?: HistoryPolicy;
  now?: () => number;
  /** Called after every turn (for the live plan comment). */
  onTurn?: (turn: number) => void;
  /** The tools offered, in order: `standardTools` and any of this kind of job's own. */
  tools: readonly AgentTool[];
  /** Told every model turn, tool result and steering comment (the job's transcript). */
  observer?: AgentObserver;
}

export type AgentOutcome =
  | { kind: "finished"; summary: string; turns: number; lastTestRun: TestRun | null }
  | { kind: "limit"; limit: "turns" | "time" | "budget"; detail: string; turns: number; lastTestRun: TestRun | null }
  | { kind: "cancelled"; turns: number; lastTestRun: TestRun | null }
  | { kind: "failed"; reason: string; turns: number; lastTestRun: TestRun | null };

const MAX_IDLE_TURNS = 3;

export async function runAgent(run: AgentRun): Promise<AgentOutcome> {
  const now = run.now ?? Date.now;
  const history = new ConversationHistory(run.taskMessage, run.history);
  const registry = new ToolRegistry(run.tools);
  const tools = withCacheBreakpoint(registry.declarations());
  const context: ToolContext = { computer: run.computer, plan: run.plan, log: run.log };
  const system: TextBlockParam[] = [{ type: "text", text: run.systemPrompt, cache_control: { type: "ephemeral" } }];
  const ended = (o: DistributiveOmit<AgentOutcome, "turns" | "lastTestRun">): AgentOutcome =>
    ({ ...o, turns: history.turn, lastTestRun: run.computer.lastTestRun }) as AgentOutcome;
  const observe: AgentObserver = run.observer ?? (() => {});
  let finishShown = false;
  let idleTurns = 0;

  try {
    for (;;) {
      if (run.signal.aborted) return ended({ kind: "cancelled" });
      if (history.turn >= run.limits.maxTurns) return ended({ kind: "limit", limit: "turns", detail: `the turn limit (${run.limits.maxTurns} turns)` });
      if (now() >= run.limits.deadline) return ended({ kind: "limit", limit: "time", detail: "the job's wall-clock limit" });

      const asked = { at: now(), entries: run.ledger.entries.length };
      const message = await run.llm.createMessage(
        { system, tools, messages: history.messages(), max_tokens: run.limits.maxTokensPerResponse },
        { ledger: run.ledger, budget: run.budget, signal: run.signal },
      );
      history.addAssistant(assistantContent(message));
      const uses = message.content.filter((b) => b.type === "tool_use");
      const turn = history.turn;
      const spent = run.ledger.entries.slice(asked.entries);
      observe({
        kind: "model-turn",
        turn,
        text: message.content.flatMap((b) => (b.type === "text" ? [b.text] : [])).join("\n").trim(),
        toolCalls: uses.map((u) => ({ id: u.id, name: u.name, input: u.input })),
        usage: spent.reduce((sum, e) => addUsage(sum, e.usage), ZERO_USAGE),
        costUsd: spent.reduce((sum, e) => sum + e.costUsd, 0),
        durationMs: now() - asked.at,
      });
      const results: { block: ToolResultBlockParam; stub: string; viewedPath: string | null }[] = [];
      const notes: string[] = [];

      if (uses.length === 0) {
        idleTurns++;
        if (idleTurns >= MAX_IDLE_TURNS) return ended({ kind: "failed", reason: "the model stopped calling tools without finishing" });
        notes.push(prompt("agent-idle-nudge"));
      } else {
        idleTurns = 0;
      }

      for (const use of uses) {
        const started = now();
        const outcome = await registry.run(use.name, use.input, context);
        const shown = (text: string, isError: boolean) =>
          observe({ kind: "tool-result", turn, callId: use.id, name: use.name, text, isError, durationMs: now() - started });
        if (outcome.kind === "finish") {
          if (finishShown) {
            shown("finish accepted", false);
            return ended({ kind: "finished", summary: outcome.summary });
          }
          finishShown = true;
          const review = await finishReview(run);
          shown(review, false);
          results.push({ block: { type: "tool_result", tool_use_id: use.id, content: review }, stub: "finish: final diff and tests shown", viewedPath: null });
          continue;
        }
        shown(outcome.text, outcome.isError);
        results.push({
          block: { type: "tool_result", tool_use_id: use.id, content: outcome.text, ...(outcome.isError ? { is_error: true } : {}) },
          stub: outcome.stub,
          viewedPath: outcome.viewedPath,
        });
        if (outcome.planCheck) notes.push(PLAN_CHECK);
      }

      for (const s of await run.steering()) {
        observe({ kind: "steering", turn, author: s.author, body: s.body });
        notes.push(prompt("agent-steering", { author: s.author, comment: fenceUntrusted(s.body, { format: "markdown" }) }));
      }
      history.addUser(results, dedupe(notes));
      run.onTurn?.(history.turn);
    }
  } catch (error) {
    if (error instanceof LlmAborted || error instanceof CommandCancelled || run.signal.aborted) return ended({ kind: "cancelled" });
    if (error instanceof BudgetExceeded) return ended({ kind: "limit", limit: "budget", detail: describeBudgetStop(error.state) });
    if (error instanceof LlmUnavailable || error instanceof LlmRequestRejected) return ended({ kind: "failed", reason: error.message });
    throw error;
  }
}

const PLAN_CHECK = prompt("agent-plan-check");

/** What the model sees before its finish is accepted: the diff and the test result. */
async function finishReview(run: AgentRun): Promise<string> {
  const changes = await run.inspectChanges();
  const tests = run.computer.hasTests ? await run.computer.runTests() : null;
  const files = changes.files.length === 0 ? prompt("agent-finish-no-files") : changes.files.map((f) => `${f.status}: ${f.path}`).join("\n");
  const counts = run.plan.counts();
  const open = counts.todo + counts["in-progress"];
  const sections = [
    prompt("agent-finish-files", { files }),
    changes.diff ? prompt("agent-finish-diff", { diff: changes.diff }) : "",
    tests ? prompt("agent-finish-tests", { tests: tests.text }) : prompt("agent-finish-no-tests"),
    open > 0 ? prompt("agent-finish-open-subtasks", { count: String(open) }) : "",
  ];
  return prompt("agent-finish-review", { sections: sections.filter(Boolean).join("\n\n") });
}

function assistantContent(message: Message): ContentBlockParam[] {
  const out: ContentBlockParam[] = [];
  for (const block of message.content) {
    if (block.type === "text" && block.text.trim() !== "") out.push({ type: "text", text: block.text });
    else if (block.type === "tool_use") out.push({ type: "tool_use", id: block.id, name: block.name, input: block.input });
  }
  if (out.length === 0) out.push({ type: "text", text: "(no answer)" });
  return out;
}

function withCacheBreakpoint(tools: ToolUnion[]): ToolUnion[] {
  const last = tools.at(-1);
  if (last) last.cache_control = { type: "ephemeral" };
  return tools;
}

function dedupe(notes: string[]): string[] {
  return [...new Set(notes)];
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
