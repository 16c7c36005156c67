/**
 * The agent loop: ask the model, run the tools it calls in the sandbox, feed back
 * digested results, steering from humans and plan checks, until it finishes or a
 * limit (turns, wall clock, budget) or a cancellation ends the run. The loop never
 * writes to GitHub; the fix job does, from the outcome.
 */
import type { ContentBlockParam, Message, TextBlockParam, Tool, ToolResultBlockParam, ToolUnion } from "@anthropic-ai/sdk/resources/messages";
import type { Logger } from "pino";
import type { z } from "zod";
import { BudgetExceeded, LlmAborted, describeBudgetStop, LlmRequestRejected, LlmUnavailable, type Budget, type LlmClient, type UsageLedger } from "../llm/index.ts";
import { CommandCancelled, type AgentComputer, type TestRun } from "./computer.ts";
import { ConversationHistory, type HistoryPolicy } from "./history.ts";
import { fenceUntrusted, prompt } from "../prompting/index.ts";
import type { LivePlan } from "./live-plan.ts";
import {
  TOOL_NAMES,
  bashInput,
  editorInput,
  findFilesInput,
  finishInput,
  runTestsInput,
  searchCodeInput,
  toolDefinitions,
  updatePlanInput,
} from "./tool-definitions.ts";

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

/** A tool one kind of job adds to the common set (e.g. answering review threads). Runs on the worker, never in the sandbox. */
export interface AgentTool {
  definition: Tool;
  run(input: unknown): Promise<{ text: string; isError: boolean }>;
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
  /** Tools of this kind of job, offered after the common ones. */
  extraTools?: readonly AgentTool[];
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
  const tools = withCacheBreakpoint([...toolDefinitions({ hasTests: run.computer.hasTests }), ...(run.extraTools ?? []).map((t) => ({ ...t.definition }))]);
  const system: TextBlockParam[] = [{ type: "text", text: run.systemPrompt, cache_control: { type: "ephemeral" } }];
  const ended = (o: DistributiveOmit<AgentOutcome, "turns" | "lastTestRun">): AgentOutcome =>
    ({ ...o, turns: history.turn, lastTestRun: run.computer.lastTestRun }) as AgentOutcome;
  let finishShown = false;
  let idleTurns = 0;

  try {
    for (;;) {
      if (run.signal.aborted) return ended({ kind: "cancelled" });
      if (history.turn >= run.limits.maxTurns) return ended({ kind: "limit", limit: "turns", detail: `the turn limit (${run.limits.maxTurns} turns)` });
      if (now() >= run.limits.deadline) return ended({ kind: "limit", limit: "time", detail: "the job's wall-clock limit" });

      const message = await run.llm.createMessage(
        { system, tools, messages: history.messages(), max_tokens: run.limits.maxTokensPerResponse },
        { ledger: run.ledger, budget: run.budget, signal: run.signal },
      );
      history.addAssistant(assistantContent(message));
      const uses = message.content.filter((b) => b.type === "tool_use");
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
        if (use.name === TOOL_NAMES.finish) {
          const parsed = parse(finishInput, use.input);
          if (!parsed.ok) {
            results.push(errorResult(use.id, parsed.error));
            continue;
          }
          if (finishShown) return ended({ kind: "finished", summary: parsed.value.summary });
          finishShown = true;
          const review = await finishReview(run);
          results.push({ block: { type: "tool_result", tool_use_id: use.id, content: review }, stub: "finish: final diff and tests shown", viewedPath: null });
          continue;
        }
        const answer = await runTool(run, use.name, use.input);
        results.push({
          block: { type: "tool_result", tool_use_id: use.id, content: answer.text, ...(answer.isError ? { is_error: true } : {}) },
          stub: answer.stub,
          viewedPath: answer.viewedPath,
        });
        if (answer.planCheck) notes.push(PLAN_CHECK);
      }

      for (const s of await run.steering()) {
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

interface ToolOutcome {
  text: string;
  isError: boolean;
  stub: string;
  viewedPath: string | null;
  planCheck: boolean;
}

async function runTool(run: AgentRun, name: string, input: unknown): Promise<ToolOutcome> {
  const c = run.computer;
  const plain = (text: string, isError: boolean, stub: string, extra: Partial<ToolOutcome> = {}): ToolOutcome => ({
    text,
    isError,
    stub,
    viewedPath: null,
    planCheck: false,
    ...extra,
  });
  switch (name) {
    case TOOL_NAMES.editor: {
      const p = parse(editorInput, input);
      if (!p.ok) return plain(p.error, true, "editor: invalid input");
      const r = await c.editor(p.value);
      return plain(r.text, r.isError, `${p.value.command} ${p.value.path}`, { viewedPath: r.viewedPath });
    }
    case TOOL_NAMES.bash: {
      const p = parse(bashInput, input);
      if (!p.ok) return plain(p.error, true, "bash: invalid input");
      if (!p.value.command) return plain(prompt("agent-no-restart"), false, "bash restart");
      const r = await c.bash(p.value.command);
      return plain(r.text, r.isError, `bash \`${p.value.command.slice(0, 200)}\` — ${firstLine(r.text)}`);
    }
    case TOOL_NAMES.searchCode: {
      const p = parse(searchCodeInput, input);
      if (!p.ok) return plain(p.error, true, "search: invalid input");
      const r = await c.searchCode(p.value);
      return plain(r.text, r.isError, `search_code ${JSON.stringify(p.value.pattern)} — ${firstLine(r.text)}`);
    }
    case TOOL_NAMES.findFiles: {
      const p = parse(findFilesInput, input);
      if (!p.ok) return plain(p.error, true, "find: invalid input");
      const r = await c.findFiles(p.value);
      return plain(r.text, r.isError, `find_files ${JSON.stringify(p.value.pattern)}`);
    }
    case TOOL_NAMES.runTests: {
      const p = parse(runTestsInput, input);
      if (!p.ok) return plain(p.error, true, "run_tests: invalid input");
      const r = await c.runTests(p.value.filter);
      return plain(r.text, r.isError, `run_tests — ${r.run?.line ?? firstLine(r.text)}`, { planCheck: r.run !== null });
    }
    case TOOL_NAMES.updatePlan: {
      const p = parse(updatePlanInput, input);
      if (!p.ok) return plain(p.error, true, "update_plan: invalid input");
      const r = run.plan.apply(p.value);
      if (r.ok) run.log.info({ reason: p.value.reason, revision: r.revision?.changes }, "plan updated by the agent");
      const subtaskDone = p.value.updates.some((u) => u.state === "done" || u.state === "failed");
      return plain(r.text, !r.ok, `update_plan — ${p.value.reason.slice(0, 120)}`, { planCheck: r.ok && subtaskDone });
    }
    default: {
      const extra = run.extraTools?.find((t) => t.definition.name === name);
      if (!extra) return plain(prompt("agent-unknown-tool", { name }), true, `unknown tool ${name}`);
      const r = await extra.run(input);
      return plain(r.text, r.isError, `${name} — ${firstLine(r.text)}`);
    }
  }
}

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

function parse<T extends z.ZodType>(schema: T, input: unknown): { ok: true; value: z.infer<T> } | { ok: false; error: string } {
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, error: `Invalid input: ${result.error.issues.map((i) => `${i.path.join(".") || "input"}: ${i.message}`).join("; ")}` };
}

function errorResult(id: string, text: string) {
  return { block: { type: "tool_result" as const, tool_use_id: id, content: text, is_error: true }, stub: "invalid input", viewedPath: null };
}

function firstLine(text: string): string {
  return (text.split("\n").find((l) => l.trim() !== "") ?? "").slice(0, 160);
}

function dedupe(notes: string[]): string[] {
  return [...new Set(notes)];
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
