/**
 * The agent of a revision of an existing pull request branch (a review revision, a CI
 * revision): the standard tools plus the kind's own, no steering comments, the repository's
 * fix limits, the transcript told everything. A run stopped by the worker's shutdown is
 * rethrown as such, so the job is interrupted rather than reported as stopped.
 */
import type { Logger } from "pino";
import { runAgent, type AgentOutcome } from "../agent/loop.ts";
import type { LivePlan } from "../agent/live-plan.ts";
import { standardTools } from "../agent/tools/standard.ts";
import type { AgentTool } from "../agent/tools/agent-tool.ts";
import type { RepoConfig } from "../config/repo-config.ts";
import type { LlmClient } from "../llm/index.ts";
import { throwIfShutdown, type CodeRun } from "./code-run.ts";
import type { TranscriptRecorder } from "./transcript-recorder.ts";
import type { Workbench } from "./workbench.ts";

export interface RevisionAgentInput {
  /** How the log names the run: "revision", "CI revision". */
  name: string;
  run: CodeRun;
  bench: Workbench;
  deps: { llm: LlmClient; config: RepoConfig; log: Logger };
  signal: AbortSignal;
  checklist: LivePlan;
  taskMessage: string;
  /** Tools of this kind of revision, offered after the standard ones. */
  ownTools?: readonly AgentTool[];
  transcript: TranscriptRecorder | undefined;
  /** More facts for the log line at the run's end (e.g. threads left unanswered). */
  logFacts?: () => Record<string, unknown>;
}

export async function runRevisionAgent(input: RevisionAgentInput): Promise<AgentOutcome> {
  const { run, bench, deps, signal, transcript } = input;
  const outcome = await runAgent({
    llm: deps.llm,
    ledger: run.ledger,
    budget: deps.config.budget,
    computer: bench.computer,
    plan: input.checklist,
    systemPrompt: bench.systemPrompt,
    taskMessage: input.taskMessage,
    limits: { maxTurns: deps.config.fix.maxTurns, deadline: run.started + deps.config.fix.maxMinutes * 60_000, maxTokensPerResponse: 8_192 },
    signal,
    log: deps.log,
    steering: async () => [],
    inspectChanges: bench.inspect,
    now: run.now,
    tools: [...standardTools({ hasTests: bench.computer.hasTests }), ...(input.ownTools ?? [])],
    ...(transcript ? { observer: transcript.observer } : {}),
  });
  deps.log.info({ outcome: outcome.kind, turns: outcome.turns, costUsd: run.ledger.costUsd, ...input.logFacts?.() }, `${input.name} agent run ended`);
  if (outcome.kind === "cancelled") throwIfShutdown(signal);
  return outcome;
}
