/**
 * The `rca` job: Droid's measured investigation (frames placed in the repository,
 * suspect commits ranked) plus what a model adds from it — summary, suspected cause
 * with confidence, suggested fix, verification — published as the incident report, and
 * announced in one comment when the report was an edit (which notifies nobody).
 * The repository is searched in a real sandbox (the source around each frame, the
 * frames' function names, the exception message) and indexed: where the frames' functions
 * are defined and used, and the files the exception concerns that no frame names.
 */
import type { Tool } from "@anthropic-ai/sdk/resources/messages";
import type { AgentComputer } from "../agent/computer.ts";
import { shellQuote } from "../agent/workspace-path.ts";
import { incidentAnnouncement } from "../github/incident-announcement.ts";
import { formatUsd } from "../figures/money.ts";
import { publishIncidentReport } from "../github/incident-publish.ts";
import type { GitHubClient } from "../github/octokit.ts";
import { rcaStoppedMessage } from "../github/messages.ts";
import { escapeRegExp } from "../github/text.ts";
import { incidentRecordSchema, type IncidentRecord, type RcaAnalysis } from "../incidents/record.ts";
import type { Job, JobOutcome } from "../jobs/types.ts";
import { stoppedByOf, type JobRunner } from "../jobs/worker.ts";
import { supportsForcedToolChoice, toolInputSchema, UsageLedger, BudgetExceeded, LlmAborted, LlmRequestRejected, LlmUnavailable, type Budget, type LlmClient } from "../llm/index.ts";
import type { Sandbox } from "../sandbox/index.ts";
import { frameFunctionNames, indexFindings } from "../incidents/index-findings.ts";
import { rcaProseNudge, rcaRepairMessage, rcaSystemPrompt, rcaTaskMessage, type RcaFinding } from "../incidents/rca-prompt.ts";
import { indexClone } from "./codebase.ts";
import { investigateIncident } from "./rca-investigate.ts";
import { jobComment, siteRunner, type RunnerServices } from "./site.ts";
import { WorkbenchSite, type Workbench, type WorkbenchDeps } from "./workbench.ts";

export interface RcaJobDeps extends WorkbenchDeps {
  octokit: GitHubClient;
  llm: LlmClient;
  model?: string;
  budget: Budget;
  botLogin: string;
  historyDays: number;
  commandWord: string;
}

export interface RcaJobResult {
  outcome: JobOutcome;
  costUsd: number;
}

const analysisSchema = incidentRecordSchema.shape.analysis.unwrap();
const MAX_FRAMES = 8;
const MAX_SEARCHES = 5;

export async function runRcaJob(deps: RcaJobDeps, job: Job, signal: AbortSignal): Promise<RcaJobResult> {
  const ledger = new UsageLedger();
  const started = Date.now();
  const issueNumber = job.target.number;
  const site = new WorkbenchSite(deps, job);
  const say = jobComment(deps.octokit, job);
  try {
    const investigation = await investigateIncident(job.repo, issueNumber, { octokit: deps.octokit, historyDays: deps.historyDays, commandWord: deps.commandWord });
    if (investigation.kind === "no-trace") {
      await say(investigation.message);
      return { outcome: { state: "failed", error: "no stack trace", kind: "invalid-request" }, costUsd: 0 };
    }
    const record = investigation.record;

    // Searched, never pushed: the default branch as it is, without creating a branch.
    // A stop while the repository is fetched ends the fetch with an error: it is a stop all the same.
    const opening = await site.open({ kind: "existing-branch", name: job.repo.defaultBranch }, signal, { searchOnly: true }).catch((error: unknown) => {
      if (signal.aborted) return { kind: "cancelled" as const };
      throw error;
    });
    // A search-only workbench runs no setup: it is not ready only when stopped (said, as a stop later on is).
    if (opening.kind !== "ready") {
      await say(rcaStoppedMessage(deps.commandWord, stoppedByOf(signal)));
      return { outcome: { state: "cancelled", kind: "stopped-by-user" }, costUsd: ledger.costUsd };
    }
    const found = await searchRepository(opening.bench.computer, opening.bench.sandbox, record);
    const indexed = await searchIndex(deps, job, opening.bench, record);

    const analysis = await analyse(deps, record, { notes: [...investigation.notes, ...found.notes, ...indexed.notes], findings: [...found.findings, ...indexed.findings] }, ledger, signal);
    if (analysis.kind === "stopped") {
      await say(analysis.message);
      return { outcome: analysis.outcome, costUsd: ledger.costUsd };
    }
    const analysed = { ...record, analysis: analysis.value, analysedBy: { jobId: job.id, durationMs: Date.now() - started, costUsd: ledger.costUsd } };
    const published = await publishIncidentReport(deps.octokit, { repo: job.repo, issueNumber, botLogin: deps.botLogin, commandWord: deps.commandWord }, analysed);
    // An edit notifies nobody: one comment says the analysis is done, leading with the cause and the fix. A new report comment is its own notice.
    if (!(published.kind === "comment" && published.created)) await say(incidentAnnouncement(analysed, published, deps.commandWord));
    return { outcome: { state: "succeeded", kind: "succeeded" }, costUsd: ledger.costUsd };
  } finally {
    await site.close();
  }
}

/** Source around each placed in-app frame, the frames' functions, the exception message. */
async function searchRepository(computer: AgentComputer, sandbox: Sandbox, record: IncidentRecord): Promise<{ findings: RcaFinding[]; notes: string[] }> {
  const out: RcaFinding[] = [];
  const notes: string[] = [];
  const placed = record.frames.filter((f) => f.inApp && f.repoPath && f.line).slice(0, MAX_FRAMES);
  for (const frame of placed) {
    const line = frame.line ?? 1;
    const from = Math.max(1, line - 6);
    const result = await sandbox.exec(`sed -n '${from},${line + 6}p' ${shellQuote(frame.repoPath ?? "")}`, { timeoutSeconds: 30 });
    const numbered = result.stdout.split("\n").filter((l, i, all) => i < all.length - 1 || l !== "").map((l, i) => `${String(from + i).padStart(6)}${from + i === line ? " >" : "  "} ${l}`);
    if (result.stdout.trim()) out.push({ what: `Source around ${frame.repoPath}:${line}, failing line marked`, tool: "sed", text: numbered.join("\n") });
  }
  for (const name of frameFunctionNames(record, MAX_SEARCHES)) {
    const found = await computer.searchCode({ pattern: `\\b${name}\\b`, case_sensitive: true, show_lines: true });
    out.push({ what: `search for the function \`${name}\``, tool: "search_code", text: found.text.slice(0, 3_000) });
  }
  const message = record.exception?.message.split("\n")[0]?.trim().slice(0, 80) ?? "";
  if (message.length >= 8) {
    const found = await computer.searchCode({ pattern: escapeRegExp(message), case_sensitive: true, show_lines: true });
    out.push({ what: "search for the exception message", tool: "search_code", text: found.text.slice(0, 2_000) });
  }
  if (placed.length === 0) notes.push("No in-app frame could be placed in the repository.");
  return { findings: out, notes };
}

/** The index of the searched tree: the frames' functions placed, the files no frame names ranked. Without it, a note says so. */
async function searchIndex(deps: RcaJobDeps, job: Job, bench: Workbench, record: IncidentRecord): Promise<{ findings: RcaFinding[]; notes: string[] }> {
  try {
    const { index, indexMs } = await indexClone(deps.dataDir, `${job.repo.owner}/${job.repo.name}`, bench.repo, deps.log);
    const findings = await indexFindings(index, record, { maxFunctions: MAX_SEARCHES });
    deps.log.info({ commit: index.commit, indexMs, files: index.stats.files, findings: findings.length }, "the incident's code placed with the index");
    return { findings, notes: [] };
  } catch (error) {
    deps.log.warn({ err: error }, "the tree could not be indexed; the analysis goes on with the searches");
    return { findings: [], notes: ["The repository could not be indexed, so the functions were only searched for by name."] };
  }
}

type Analysis = { kind: "done"; value: RcaAnalysis } | { kind: "stopped"; outcome: JobOutcome; message: string };

const SUBMIT_RCA: Tool = {
  name: "submit_rca",
  description: "Submit the root-cause analysis.",
  input_schema: toolInputSchema(analysisSchema),
  cache_control: { type: "ephemeral" },
};

async function analyse(deps: RcaJobDeps, record: IncidentRecord, found: { notes: string[]; findings: RcaFinding[] }, ledger: UsageLedger, signal: AbortSignal): Promise<Analysis> {
  const model = deps.model ?? deps.llm.model;
  const evidence = { ...record, analysis: null };
  const messages: { role: "user" | "assistant"; content: string | { type: "tool_use"; id: string; name: string; input: unknown }[] | { type: "tool_result"; tool_use_id: string; content: string; is_error: boolean }[] }[] = [
    { role: "user", content: rcaTaskMessage({ evidence, notes: found.notes, findings: found.findings }) },
  ];
  try {
    for (let round = 0; round < 2; round++) {
      const response = await deps.llm.createMessage(
        {
          model,
          system: [{ type: "text", text: rcaSystemPrompt(), cache_control: { type: "ephemeral" } }],
          tools: [SUBMIT_RCA],
          tool_choice: supportsForcedToolChoice(model) ? { type: "tool", name: "submit_rca" } : { type: "auto" },
          messages,
          max_tokens: 4_000,
        },
        { ledger, budget: deps.budget, signal },
      );
      const call = response.content.find((b) => b.type === "tool_use" && b.name === "submit_rca");
      const parsed = call && call.type === "tool_use" ? analysisSchema.safeParse(call.input) : null;
      if (parsed?.success) return { kind: "done", value: parsed.data };
      const problem = parsed ? parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ") : "no submit_rca call";
      deps.log.warn({ problem, round }, "the model's analysis was not valid");
      if (call && call.type === "tool_use") {
        messages.push({ role: "assistant", content: [{ type: "tool_use", id: call.id, name: call.name, input: call.input }] });
        messages.push({ role: "user", content: [{ type: "tool_result", tool_use_id: call.id, content: rcaRepairMessage(problem), is_error: true }] });
      } else {
        messages.push({ role: "assistant", content: response.content.filter((b) => b.type === "text").map((b) => (b.type === "text" ? b.text : "")).join("\n") || "(no answer)" });
        messages.push({ role: "user", content: rcaProseNudge() });
      }
    }
    return { kind: "stopped", outcome: { state: "failed", error: "invalid analysis", kind: "model-error" }, message: "I gathered the evidence but could not produce a valid analysis from it; the report above keeps the measured evidence (frames and suspect commits)." };
  } catch (error) {
    if (error instanceof LlmAborted || signal.aborted) return { kind: "stopped", outcome: { state: "cancelled", kind: "stopped-by-user" }, message: rcaStoppedMessage(deps.commandWord, stoppedByOf(signal)) };
    if (error instanceof BudgetExceeded) return { kind: "stopped", outcome: { state: "failed", error: "budget", kind: "budget-reached" }, message: `The root-cause analysis stopped at the job's budget (${formatUsd(deps.budget.usd)}).` };
    if (error instanceof LlmUnavailable || error instanceof LlmRequestRejected) return { kind: "stopped", outcome: { state: "failed", error: error.message, kind: "model-error" }, message: `The root-cause analysis failed: ${error.message}.` };
    throw error;
  }
}


export function rcaRunner(services: RunnerServices): JobRunner {
  return siteRunner(services, (site, job, context) =>
    runRcaJob(
      {
        ...site.bench,
        octokit: site.octokit,
        llm: site.llm,
        config: site.config,
        ...(site.config.model ? { model: site.config.model } : {}),
        budget: site.config.budget,
        historyDays: services.incidentHistoryDays ?? 14,
        commandWord: site.config.command,
      },
      job,
      context.signal,
    ),
  );
}
