import { stoppedByOf, type JobContext, type JobRunner } from "../jobs/worker.ts";
import { runPageUrl } from "../config/public-url.ts";
import { jiraTicketOf, siteRunner, type JobSite, type RunnerServices } from "./site.ts";
import { planningSettings } from "../config/repo-config.ts";
import type { Logger } from "pino";
import type { ProbotOctokit } from "probot";
import { renderInstruction } from "../planning/context-render.ts";
import { prompt } from "../prompting/index.ts";
import type { IssueContext } from "../planning/issue-context.ts";
import type { GraphqlClient, WriteAccessLookup } from "../github/context/types.ts";
import { renderPlanFailureComment } from "../github/plan-failure-comment.ts";
import { issuePlanThread, type PlanThread, type PreviousPlan } from "./plan-thread.ts";
import type { Job, JobLinks, JobOutcome } from "../jobs/types.ts";
import type { LlmClient } from "../llm/client.ts";
import { UsageLedger, type TokenUsage } from "../llm/ledger.ts";
import { diffPlans } from "../planning/diff.ts";
import { classifyFailure, failureReason, NotAnIssue, NothingToPlan } from "../planning/failure.ts";
import { producePlan } from "../planning/planner.ts";
import type { StoredPlan } from "../planning/schema.ts";
import type { PlanningSettings } from "../planning/settings.ts";
import { loadTemplates, templateForLabels, type PlanTemplate, type TemplateSet } from "../planning/templates.ts";
import { codeBudgetOf, groundIn, type CodeContext } from "../planning/code-context.ts";
import { codeNotes } from "./code-notes.ts";
import { modelRunFailure } from "./outcomes.ts";
import { tryOpenCodebase, type CodeReader } from "./codebase.ts";

export interface Clock {
  now(): Date;
}

/** Everything a planning job talks to, injected by the worker. */
export interface PlanJobDeps {
  /** REST client for the installation (Probot's `context.octokit` or `app.auth(installationId)`). */
  octokit: ProbotOctokit;
  /** GraphQL client for the installation (`octokit.graphql` works). */
  graphql: GraphqlClient;
  llm: LlmClient;
  /** The repo's planning settings (`.github/droid.yml`, defaults applied). */
  settings: PlanningSettings;
  log: Logger;
  clock: Clock;
  /** The repository's command word (`command` in `.github/droid.yml`), for every text that names a command. */
  commandWord: string;
  /** Droid's own bot login (`<app-slug>[bot]`): only its comments count as plan comments. */
  botLogin: string;
  /** The one write-access check, for the issue's author and the comment authors. */
  hasWriteAccess: WriteAccessLookup;
  /** Built-in templates (loaded from `src/planning/templates` when omitted). */
  builtInTemplates?: PlanTemplate[];
  /** Where the code comes from: the configured GitHub host, the installation token, the data dir. */
  code: CodeReader;
  /** `DROID_PUBLIC_URL`: the plan comment links to the job's run page. */
  publicUrl?: string | null;
}

export interface PlanJobResult {
  outcome: JobOutcome;
  costUsd: number;
  usage: TokenUsage;
  links: JobLinks;
}

/** The "Context used" notes of the plan comment. */
function contextNotes(thread: PlanThread, ctx: IssueContext, templates: TemplateSet): string[] {
  const files = ctx.repo.files.map((f) => `${f.path}${f.cutChars > 0 ? " (trimmed)" : ""}`);
  const used = [thread.sourcesNote(ctx), `Repository: ${[...files, "languages", "top-level tree"].join(", ")} from \`${ctx.repo.defaultBranch}\``];
  if (ctx.repo.missing.length > 0) used.push(`Not found in the repository: ${ctx.repo.missing.join(", ")}`);
  const problems = templates.problems.map((p) => `Template \`${p.file}\` ignored: ${p.reason}`);
  return [...used, ...ctx.notes, ...problems];
}

/** The text localization places in the code: the issue's title and body, and what the trigger asked. */
function localizationText(context: IssueContext, feedback: string): string {
  return [context.issue.title, context.issue.body, context.trigger?.body ?? feedback].filter((t) => t.trim() !== "").join("\n\n");
}

function instructionText(job: Job, feedback: string, previous: PreviousPlan | null): string {
  if (feedback !== "") return previous?.stored ? prompt("plan-instruction-revise", { feedback }) : feedback;
  return prompt("plan-instruction-default", { requester: job.requester });
}

/**
 * Runs a `plan` job to the end: gathers the issue's context, asks the model for a plan
 * (or a revision of the existing one, with `job.request.feedback`), and writes the one
 * plan comment. Never throws: every failure ends in a comment on the issue and a failed
 * (or cancelled) outcome with a short reason.
 */
export async function runPlanJob(deps: PlanJobDeps, job: Job, signal: AbortSignal): Promise<PlanJobResult> {
  return planTicket({ ...deps, thread: issuePlanThread(deps, { owner: job.repo.owner, repo: job.repo.name, issueNumber: job.target.number }) }, job, signal);
}

/** What the planner needs besides its ticket thread. */
export type PlanCoreDeps = Omit<PlanJobDeps, "octokit" | "graphql" | "hasWriteAccess" | "botLogin"> & { thread: PlanThread };

/** A plan job on any ticket thread (a GitHub issue, a Jira ticket). */
export async function planTicket(deps: PlanCoreDeps, job: Job, signal: AbortSignal): Promise<PlanJobResult> {
  const { thread } = deps;
  const started = deps.clock.now().getTime();
  const ledger = new UsageLedger();
  const model = deps.settings.model ?? deps.llm.model;
  const log = deps.log.child({ jobId: job.id, kind: "plan", repo: `${job.repo.owner}/${job.repo.name}`, target: job.target.number });
  const result = (outcome: JobOutcome, links: JobLinks = {}): PlanJobResult => ({ outcome, costUsd: ledger.costUsd, usage: ledger.usage, links });

  try {
    if (job.request.kind !== "plan") throw new NotAnIssue(`a ${job.request.kind} job was given to the planner`);
    if (job.target.kind === "pull_request") throw new NotAnIssue("plans are made for issues, not pull requests");
    const feedback = job.request.feedback.trim();
    // The clone starts at once, alongside the GitHub context; a clone that fails leaves a plan without the code.
    const opening = tryOpenCodebase(deps.code, job, job.repo.defaultBranch, log);
    try {
      const budget = codeBudgetOf(deps.settings);
      const context = await thread.gather({
        triggerCommentId: job.triggerCommentId,
        cutoff: job.createdAt,
        templatesDir: deps.settings.templatesDir,
        maxChars: deps.settings.contextChars - budget.maxChars,
      });
      if (context.issue.body === "" && feedback === "" && context.comments.length === 0) throw new NothingToPlan();
      signal.throwIfAborted();

      const templates = await loadTemplates(async () => context.repoTemplates, deps.builtInTemplates);
      const existing = await thread.previous();
      const previous: StoredPlan | null = feedback !== "" && existing?.stored ? existing.stored : null;
      const opened = await opening;
      signal.throwIfAborted();
      const code: CodeContext | null =
        "codebase" in opened ? await groundIn(opened.codebase.index, { text: localizationText(context, feedback), branch: opened.codebase.branch }, budget) : null;
      const { plan, rounds, explored } = await producePlan(
        {
          context,
          templates,
          labelTemplate: templateForLabels(templates, context.issue.labels),
          instruction: renderInstruction(context, { requester: job.requester, text: instructionText(job, feedback, existing) }),
          previous,
          code,
          explorationTurns: deps.settings.planning.explorationTurns,
        },
        { llm: deps.llm, model, maxOutputTokens: deps.settings.maxOutputTokens, ledger, budget: deps.settings.budget, signal },
      );
      signal.throwIfAborted();

      const stored: StoredPlan = {
        version: 1,
        plan,
        revision: (existing?.stored?.revision ?? 0) + 1,
        jobId: job.id,
        model,
        updatedAt: deps.clock.now().toISOString(),
      };
      const notes = codeNotes({
        code,
        figures: "codebase" in opened ? opened.codebase.figures : null,
        explored,
        problem: "problem" in opened ? opened.problem : null,
        who: "The planner",
      });
      const comment = await thread.publish(
        {
          stored,
          changes: existing?.stored ? diffPlans(existing.stored.plan, plan) : null,
          contextNotes: [...contextNotes(thread, context, templates), ...notes],
          footer: { jobId: job.id, model, usage: ledger.usage, costUsd: ledger.costUsd, durationMs: deps.clock.now().getTime() - started, pageUrl: runPageUrl(deps.publicUrl ?? null, job.id) },
          commandWord: deps.commandWord,
        },
        existing,
      );
      log.info(
        { commentId: comment.id, action: comment.action, revision: stored.revision, rounds, explored: explored.length, costUsd: ledger.costUsd, usage: ledger.usage },
        "plan comment written",
      );
      return result({ state: "succeeded", kind: "succeeded" }, { planCommentId: comment.id });
    } finally {
      const opened = await opening;
      if ("codebase" in opened) await opened.codebase.close();
    }
  } catch (error) {
    const failure = classifyFailure(error, signal, stoppedByOf(signal));
    const reason = failureReason(failure);
    if (failure.kind === "internal") log.error({ err: error }, "planning failed with an internal error");
    else log.warn({ failure: failure.kind, reason, err: error }, "planning failed");
    try {
      await thread.say(renderPlanFailureComment(failure, { jobId: job.id, commandWord: deps.commandWord, model, usage: ledger.usage, costUsd: ledger.costUsd }));
    } catch (postError) {
      log.error({ err: postError }, "could not post the planning failure comment");
    }
    return result(modelRunFailure(failure, reason));
  }
}

/** The plan kind's runner; `planWithSite` is also how a fix makes the plan it lacks. */
export function planRunner(services: RunnerServices): JobRunner {
  return siteRunner(services, (site, job, context) => planWithSite(services, site, job, context));
}

export function planWithSite(services: RunnerServices, site: JobSite, job: Job, context: JobContext): Promise<PlanJobResult> {
  const { octokit } = site;
  const github = { octokit, graphql: octokit.graphql, botLogin: site.bench.botLogin, hasWriteAccess: (login: string) => services.gate.hasWriteAccess(octokit, job.repo, login) };
  const thread = job.target.kind === "jira_issue" ? jiraTicketOf(services, site, job, context.log) : issuePlanThread(github, { owner: job.repo.owner, repo: job.repo.name, issueNumber: job.target.number });
  return planTicket(
    {
      thread,
      llm: site.llm,
      settings: planningSettings(site.config),
      log: context.log,
      clock: { now: () => new Date() },
      commandWord: site.config.command,
      code: { githubHost: site.bench.githubHost, token: site.bench.token, dataDir: site.bench.dataDir },
      publicUrl: site.bench.publicUrl,
    },
    job,
    context.signal,
  );
}
