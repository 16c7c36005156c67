/**
 * `/droid ask <question>` on an issue, a pull request or a Jira ticket: a read-only clone of the default
 * branch, indexed; the question localized; a few turns of read-only exploration; one answer
 * submitted with citations checked against the index; ONE comment with the answer, its
 * sources as links to the exact lines, what was not found, and the figures. Never changes
 * code, never starts a sandbox. Never throws: a failure ends in a comment saying why.
 */
import type { Logger } from "pino";
import { planningSettings } from "../config/repo-config.ts";
import { renderAskComment, renderAskFailureComment, type AskFailure } from "../github/ask-comment.ts";
import type { GitHubClient } from "../github/octokit.ts";
import { stoppedByOf, type JobContext, type JobRunner } from "../jobs/worker.ts";
import type { Job } from "../jobs/types.ts";
import type { LlmClient } from "../llm/client.ts";
import { UsageLedger } from "../llm/ledger.ts";
import { AnswerInvalid, answerQuestion, type AskTarget } from "../planning/answer.ts";
import { codeBudgetOf, groundIn } from "../planning/code-context.ts";
import { classifyFailure, failureReason } from "../planning/failure.ts";
import type { PlanningSettings } from "../planning/settings.ts";
import { codeNotes } from "./code-notes.ts";
import { modelRunFailure } from "./outcomes.ts";
import { tryOpenCodebase, type CodeReader } from "./codebase.ts";
import { jiraTicketOf, siteRunner, type JobSite, type RunnerServices, type RunResult } from "./site.ts";
import type { JiraTicket } from "./jira-ticket.ts";

export interface AskJobDeps {
  octokit: GitHubClient;
  llm: LlmClient;
  /** The repository's planning settings: model, budget, the code's share of `contextChars`, exploration turns. */
  settings: PlanningSettings;
  log: Logger;
  now: () => number;
  commandWord: string;
  /** Where the code comes from, and the host the answer's links point to. */
  code: CodeReader;
}

/** The code could not be cloned or indexed: there is nothing to answer from. */
class CodeUnreadable extends Error {
  override readonly name = "CodeUnreadable";
}

function classify(error: unknown, signal: AbortSignal): AskFailure {
  if (error instanceof AnswerInvalid) return { kind: "invalid-answer", errors: error.errors };
  if (error instanceof CodeUnreadable) return { kind: "no-code", problem: error.message };
  const failure = classifyFailure(error, signal, stoppedByOf(signal));
  switch (failure.kind) {
    case "budget":
    case "unavailable":
    case "rejected":
    case "cancelled":
      return failure;
    default:
      return { kind: "internal" };
  }
}

function reasonOf(failure: AskFailure): string {
  if (failure.kind === "invalid-answer") return "the model's answer failed validation after one repair round";
  if (failure.kind === "no-code") return "the code could not be read";
  return failureReason(failure);
}

/** Where a question was asked and is answered: an issue or a pull request, or a Jira ticket. */
export interface AskThread {
  target(): Promise<AskTarget>;
  /** Posts the answer (or why there is none). */
  post(body: string): Promise<number>;
}

function githubAskThread(octokit: GitHubClient, job: Job): AskThread {
  const where = { owner: job.repo.owner, repo: job.repo.name, issue_number: job.target.number };
  return {
    target: async () => {
      const { data } = await octokit.rest.issues.get(where);
      const kind = job.target.kind === "pull_request" ? "pull request" : "issue";
      return { kind, name: `${kind} #${data.number}`, title: data.title, body: data.body ?? "", author: data.user?.login ?? null };
    },
    post: async (body) => (await octokit.rest.issues.createComment({ ...where, body })).data.id,
  };
}

/** A Jira ticket: its summary and description (whose author's access is not checked); the answer as a comment. */
function jiraAskThread(ticket: JiraTicket): AskThread {
  return {
    target: async () => {
      const issue = await ticket.issue();
      return { kind: "Jira ticket", name: `Jira ticket ${issue.key}`, title: issue.summary, body: issue.description, author: null };
    },
    post: (body) => ticket.comment(body),
  };
}

/** `/droid ask` on an issue or a pull request. */
export function runAskJob(deps: AskJobDeps, job: Job, signal: AbortSignal): Promise<RunResult> {
  return answerOn(githubAskThread(deps.octokit, job), deps, job, signal);
}

/** `/droid ask` on any thread. */
export async function answerOn(thread: AskThread, deps: AskJobDeps, job: Job, signal: AbortSignal): Promise<RunResult> {
  const started = deps.now();
  const ledger = new UsageLedger();
  const model = deps.settings.model ?? deps.llm.model;
  const log = deps.log.child({ jobId: job.id, kind: "ask", repo: `${job.repo.owner}/${job.repo.name}`, target: job.target.number });
  const footer = () => ({ jobId: job.id, model, usage: ledger.usage, costUsd: ledger.costUsd, durationMs: deps.now() - started });
  const comment = (body: string) => thread.post(body);
  try {
    if (job.request.kind !== "ask") throw new Error(`a ${job.request.kind} job was given to the answerer`);
    const question = job.request.question.trim();
    const opening = tryOpenCodebase(deps.code, job, job.repo.defaultBranch, log);
    try {
      const target = await thread.target();
      const opened = await opening;
      if ("problem" in opened) throw new CodeUnreadable(opened.problem);
      signal.throwIfAborted();
      const { codebase } = opened;
      const code = await groundIn(codebase.index, { text: question, branch: codebase.branch }, codeBudgetOf(deps.settings));
      const result = await answerQuestion(
        { question, asker: job.requester, target, code, explorationTurns: deps.settings.planning.explorationTurns },
        { llm: deps.llm, model, maxOutputTokens: deps.settings.maxOutputTokens, ledger, budget: deps.settings.budget, signal },
      );
      signal.throwIfAborted();
      const body = renderAskComment({
        question,
        asker: job.requester,
        answer: result.answer.answer,
        citations: result.citations,
        notFound: result.answer.notFound,
        source: { host: deps.code.githubHost, owner: job.repo.owner, repo: job.repo.name, branch: codebase.branch, commit: code.commit },
        notes: codeNotes({ code, figures: codebase.figures, explored: result.explored, problem: null, who: "Droid" }),
        footer: footer(),
        commandWord: deps.commandWord,
      });
      const posted = await comment(body);
      const dropped = result.citations.filter((c) => !c.valid).length;
      log.info({ commentId: posted, rounds: result.rounds, explored: result.explored.length, citations: result.citations.length, dropped, costUsd: ledger.costUsd }, "answer posted");
      return { outcome: { state: "succeeded", kind: "succeeded" }, costUsd: ledger.costUsd };
    } finally {
      const opened = await opening;
      if ("codebase" in opened) await opened.codebase.close();
    }
  } catch (error) {
    const failure = classify(error, signal);
    if (failure.kind === "internal") log.error({ err: error }, "answering failed with an internal error");
    else log.warn({ failure: failure.kind, err: error }, "answering failed");
    await comment(renderAskFailureComment(failure, footer(), deps.commandWord)).catch((postError: unknown) => log.error({ err: postError }, "could not post the failure comment"));
    return { outcome: modelRunFailure(failure, reasonOf(failure)), costUsd: ledger.costUsd };
  }
}

export function askRunner(services: RunnerServices): JobRunner {
  return siteRunner(services, (site, job, context) => {
    const thread = job.target.kind === "jira_issue" ? jiraAskThread(jiraTicketOf(services, site, job, context.log)) : githubAskThread(site.octokit, job);
    return answerOn(thread, askDeps(site, context), job, context.signal);
  });
}

function askDeps(site: JobSite, context: JobContext): AskJobDeps {
  return {
    octokit: site.octokit,
    llm: site.llm,
    settings: planningSettings(site.config),
    log: context.log,
    now: () => Date.now(),
    commandWord: site.config.command,
    code: { githubHost: site.bench.githubHost, token: site.bench.token, dataDir: site.bench.dataDir },
  };
}
