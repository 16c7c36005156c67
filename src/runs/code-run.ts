/**
 * The frame every code-changing run shares (`/droid fix`, review revisions): the job's
 * usage ledger and figures, its workbench, and one `try/catch/finally` that turns a stop,
 * a refused workspace or a lost sandbox into a clear comment and always removes the sandbox
 * and the job's folder. Also the commit step both kinds use: Droid as author, the requester as
 * co-author.
 */
import type { GitHubClient } from "../github/octokit.ts";
import { stoppedBeforePushMessage } from "../github/messages.ts";
import type { RunFigures } from "../github/fix-report.ts";
import type { Job, JobLinks, JobOutcome } from "../jobs/types.ts";
import { ShutdownRequested, stoppedByOf } from "../jobs/worker.ts";
import { UsageLedger } from "../llm/index.ts";
import { SandboxGoneError } from "../sandbox/index.ts";
import { WorkspaceRefusal, type Person, type Repository } from "../workspace/index.ts";
import type { z } from "zod";
import { STARTING_OVER, landedCheckpoint, type RunStep } from "./checkpoint.ts";
import { crashKind } from "./outcomes.ts";
import { PushCheck, type PushCheckDeps } from "./pr-check.ts";
import { WorkbenchSite, runFigures, type WorkbenchDeps } from "./workbench.ts";
import type { TranscriptRecorder } from "./transcript-recorder.ts";
import { runPageUrl } from "../config/public-url.ts";

export interface CodeRunResult {
  outcome: JobOutcome;
  costUsd: number;
  links: JobLinks;
}

export interface CodeRun {
  job: Job;
  ledger: UsageLedger;
  links: JobLinks;
  site: WorkbenchSite;
  figures: () => RunFigures;
  started: number;
  now: () => number;
  /** Records that the run entered `step` (durably, before the step's effects). */
  step(step: RunStep): Promise<void>;
  /**
   * What an earlier attempt recorded before a push that landed (the run publishes it instead of
   * running the agent again); null otherwise, after clearing a checkpoint whose push did not land.
   */
  resume<T extends { branch: string; commit: string }>(schema: z.ZodType<T>): Promise<T | null>;
  /** Records what the run will publish once `publication.commit` is on `publication.branch`, right before the push; then enters the push. */
  checkpoint(publication: { branch: string; commit: string }): Promise<void>;
  /** The result with the cost so far and the links recorded. */
  ended(outcome: JobOutcome): CodeRunResult;
  /** The `Droid` check on the pushed commit: `pushed(sha)` once it is on GitHub; completed by the frame when the run ends. */
  check: PushCheck;
  /**
   * Runs `hook` once if the steps do not return — a stop, a refused workspace, a lost sandbox
   * or a crash — with how the run ended (not on a shutdown: the retry goes on). A failing hook
   * is logged. The live plan comment uses it so that it never stays "running".
   */
  onUnfinished(hook: (outcome: JobOutcome) => Promise<void>): void;
}

export interface CodeRunOptions {
  deps: WorkbenchDeps & { now?: () => number };
  job: Job;
  signal: AbortSignal;
  model: string;
  links: JobLinks;
  commandWord: string;
  /** Posts a comment where the run was asked for (the issue, or the pull request). */
  say: (body: string) => Promise<unknown>;
  /** Records progress in the job store (links are merged into the job's); absent in tests without a store. */
  record?: (patch: { links?: JobLinks; costUsd?: number }) => Promise<void>;
  /** Where the `Droid` check on the pushed commit goes; absent: no check. */
  check?: PushCheckDeps;
  /** The run's transcript: each step is noted in it. */
  transcript?: TranscriptRecorder;
}

export async function codeRun(options: CodeRunOptions, steps: (run: CodeRun) => Promise<CodeRunResult>): Promise<CodeRunResult> {
  const { deps, job, signal } = options;
  const now = deps.now ?? Date.now;
  const started = now();
  const ledger = new UsageLedger();
  const step = async (name: RunStep) => {
    options.links.step = name;
    deps.log.info({ step: name }, "step");
    options.transcript?.step(name);
    deps.trace?.step(name);
    await options.record?.({ links: { step: name } });
  };
  const site = new WorkbenchSite(deps, job, step);
  // What earlier attempts of the job spent (recorded with their checkpoint) counts too.
  const ended = (outcome: JobOutcome): CodeRunResult => ({ outcome, costUsd: job.costUsd + ledger.costUsd, links: options.links });
  const check = new PushCheck(options.check ?? null, job, new Date(started), async (links) => options.record?.({ links }));
  const resume = async <T extends { branch: string; commit: string }>(schema: z.ZodType<T>): Promise<T | null> => {
    const landed = await landedCheckpoint(job, schema, deps);
    if (landed === null && job.links.checkpoint !== undefined) await options.record?.({ links: { ...STARTING_OVER } });
    return landed;
  };
  const checkpoint = async (publication: { branch: string; commit: string }) => {
    options.links.pushed = true;
    options.links.branch = publication.branch;
    await options.record?.({ links: { ...options.links, checkpoint: publication }, costUsd: job.costUsd + ledger.costUsd });
    await step("push");
  };
  const hooks: ((outcome: JobOutcome) => Promise<void>)[] = [];
  const unfinished = async (ended: JobOutcome) => {
    for (const hook of hooks) await hook(ended).catch((error: unknown) => deps.log.warn({ err: error }, "a hook at the end of the run failed"));
  };
  const onUnfinished = (hook: (outcome: JobOutcome) => Promise<void>) => void hooks.push(hook);
  const run: CodeRun = { job, ledger, links: options.links, site, started, now, ended, step, resume, checkpoint, check, onUnfinished, figures: runFigures({ ledger, model: options.model, started, now, jobId: job.id, pageUrl: runPageUrl(deps.publicUrl ?? null, job.id) }) };
  // How the check ends when the run throws: interrupted by a shutdown (left in progress for the retry), or a crash.
  let outcome: JobOutcome = { state: "interrupted", error: "the worker shut down", kind: "interrupted" };
  try {
    const result = await framed(options, run, steps, unfinished);
    outcome = result.outcome;
    return result;
  } catch (error) {
    if (!(signal.reason instanceof ShutdownRequested)) {
      outcome = { state: "failed", error: "internal error", kind: crashKind(error) };
      await unfinished(outcome);
    }
    throw error;
  } finally {
    await site.close();
    await check.ended(outcome, run.figures(), { stoppedBy: stoppedByOf(signal), commandWord: options.commandWord });
  }
}

/** The run's steps, with a stop, a refused workspace or a lost sandbox turned into a comment and an outcome. */
async function framed(
  options: CodeRunOptions,
  run: CodeRun,
  steps: (run: CodeRun) => Promise<CodeRunResult>,
  unfinished: (outcome: JobOutcome) => Promise<void>,
): Promise<CodeRunResult> {
  try {
    return await steps(run);
  } catch (error) {
    const result = await frameEnd(options, run, error);
    await unfinished(result.outcome);
    return result;
  }
}

/** A stop, a refused workspace or a lost sandbox as a comment and an outcome; anything else is rethrown. */
async function frameEnd(options: CodeRunOptions, run: CodeRun, error: unknown): Promise<CodeRunResult> {
  if (options.signal.aborted) return await endStopped(options, run);
  if (error instanceof WorkspaceRefusal) {
    await options.say(`I stopped: ${error.message}`);
    return run.ended({ state: "failed", error: "refused", kind: "sandbox-error" });
  }
  if (error instanceof SandboxGoneError) {
    await options.say(`I stopped: ${error.message} Nothing was pushed after that; ask again to start over in a fresh sandbox.`);
    return run.ended({ state: "failed", error: "sandbox lost", kind: "sandbox-error" });
  }
  throw error;
}

/** The run's own stop: the same comment as a stop noticed by the frame. */
export async function endStopped(options: Pick<CodeRunOptions, "say" | "commandWord" | "signal">, run: CodeRun): Promise<CodeRunResult> {
  await run.site.removeSandbox();
  throwIfShutdown(options.signal);
  await options.say(stoppedBeforePushMessage(options.commandWord, stoppedByOf(options.signal)));
  return run.ended({ state: "cancelled", kind: "stopped-by-user" });
}

/**
 * A worker shutting down aborts its jobs as a stop does, but they are not stopped: they end
 * `interrupted`, say nothing, and run again after the restart. Call where a run would report a stop.
 */
export function throwIfShutdown(signal: AbortSignal): void {
  if (signal.aborted && signal.reason instanceof ShutdownRequested) throw signal.reason;
}

/** Commits the work tree as Droid, with the requester as co-author (none when Droid itself asked: CI); null when nothing changed. */
export async function commitWork(repo: Repository, octokit: GitHubClient, input: { botLogin: string; requester: string; message: string }): Promise<string | null> {
  return repo.commit({
    message: input.message,
    author: await droidPerson(octokit, input.botLogin),
    coAuthors: input.requester === input.botLogin ? [] : [await person(octokit, input.requester)],
  });
}

/** A GitHub user as a git identity (their noreply address). */
async function person(octokit: GitHubClient, login: string): Promise<Person> {
  try {
    const { data } = await octokit.rest.users.getByUsername({ username: login });
    return { name: data.name ?? login, email: `${data.id}+${login}@users.noreply.github.com` };
  } catch {
    return { name: login, email: `${login}@users.noreply.github.com` };
  }
}

/** Droid's own git identity: its bot login with the bot account's noreply address. */
async function droidPerson(octokit: GitHubClient, botLogin: string): Promise<Person> {
  const p = await person(octokit, botLogin);
  return { name: botLogin, email: p.email };
}
