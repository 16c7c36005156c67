/**
 * `/droid fix`: carries out the ticket's plan and opens (or updates) a pull request. The
 * ticket is a thread (`fix-thread.ts`: a GitHub issue, or a Jira ticket in `jira-fix.ts`).
 * One sequence of awaited steps with one `finally` that removes the sandbox and the
 * job's folder; the closing comment is written by this orchestrator, never by the model.
 * (Over 300 lines: the run's steps read best in one function, the frame lives in `code-run.ts`.)
 */
import type Docker from "dockerode";
import type { Logger } from "pino";
import type { RepoConfig } from "../config/repo-config.ts";
import { closingReport, describeOutcome, resultComment, runEnd, testLine, testsFact } from "../github/fix-report.ts";
import { isComplete, pullRequestBody } from "../github/pull-request-body.ts";
import { stateLabel, type RunFacts } from "../github/run-status.ts";
import type { PermissionGate } from "../github/gate.ts";
import type { GitHubClient } from "../github/octokit.ts";
import { findDroidPullRequest } from "../github/pull-request.ts";
import { pushRefusalDetails, pushRefusalReason } from "../github/push-refusal.ts";
import { scrubSecrets } from "../github/text.ts";
import type { Job, JobLinks, JobOutcome } from "../jobs/types.ts";
import { stoppedByOf, type JobContext, type JobRunner } from "../jobs/worker.ts";
import type { LlmClient } from "../llm/index.ts";
import { describeRepoCommands, type SandboxPlatform } from "../sandbox/index.ts";
import { branchNameFor } from "../workspace/index.ts";
import { LivePlan } from "../agent/live-plan.ts";
import { runAgent, type AgentOutcome } from "../agent/loop.ts";
import { fixTaskMessage } from "../agent/prompts.ts";
import { codeRun, commitWork, endStopped, throwIfShutdown, type CodeRun, type CodeRunResult } from "./code-run.ts";
import { fixPublicationSchema, publishFix, type FixPublication } from "./fix-publication.ts";
import { LivePlanComment } from "./live-plan-comment.ts";
import { issueFixThread, type FixThread } from "./fix-thread.ts";
import { planWithSite } from "./plan.ts";
import { subtasksDone } from "./pr-check.ts";
import { groundWorkbench } from "./codebase.ts";
import { checkPush } from "./push-guard.ts";
import { siteRunner, type JobSite, type RunnerServices } from "./site.ts";
import { jobOutcomeOf, unpushedOutcome, type WorkbenchDeps } from "./workbench.ts";
import { standardTools } from "../agent/tools/standard.ts";
import type { TranscriptRecorder } from "./transcript-recorder.ts";

export interface FixJobDeps {
  octokit: GitHubClient;
  docker: Docker;
  platform: SandboxPlatform;
  llm: LlmClient;
  config: RepoConfig;
  gate: PermissionGate;
  botLogin: string;
  /** The installation token, for git over HTTPS on the worker only. */
  token: () => Promise<string>;
  /** Strings that must never reach the sandbox (tokens, keys). */
  secrets: string[];
  dataDir: string;
  instance: string;
  githubHost: WorkbenchDeps["githubHost"];
  egress?: WorkbenchDeps["egress"];
  /** Makes the plan when the issue has none yet; resolves to its outcome. */
  makePlan: () => Promise<JobOutcome>;
  /**
   * Records progress in the job store: the step the run is in, and right before its push
   * the checkpoint (`links.pushed` and what to publish) a retry finishes the job from.
   */
  record?: (patch: { links?: JobLinks; costUsd?: number }) => Promise<void>;
  log: Logger;
  now?: () => number;
  /** Minimum time between live edits of the plan comment. */
  liveUpdateMs?: number;
  /** Minimum time between looks for steering comments. */
  steeringPollMs?: number;
  /** The run's transcript (the run page). */
  transcript?: TranscriptRecorder;
  /** `DROID_PUBLIC_URL` when run pages are served: comments, the PR body and the `Droid` check link the job's run page. */
  publicUrl?: string | null;
}

export type FixJobResult = CodeRunResult;

/** `/droid fix` on a GitHub issue. */
export function runFixJob(deps: FixJobDeps, job: Job, signal: AbortSignal): Promise<FixJobResult> {
  return runFixOn(issueFixThread({ ...deps, commandWord: deps.config.command, publicUrl: deps.publicUrl ?? null }, job), deps, job, signal);
}

/** `/droid fix` on any ticket thread (a GitHub issue, a Jira ticket). */
export async function runFixOn(thread: FixThread, deps: FixJobDeps, job: Job, signal: AbortSignal): Promise<FixJobResult> {
  const request = job.request;
  if (request.kind !== "fix") throw new Error(`runFixJob got a ${request.kind} job`);
  const say = (body: string) => thread.say(body);
  const links: JobLinks = {};
  const record = async (patch: { links?: JobLinks; costUsd?: number }) => deps.record?.(patch);
  const transcript = deps.transcript;
  const check = { octokit: deps.octokit, publicUrl: deps.publicUrl ?? null, log: deps.log };
  const frame = { deps, job, signal, model: deps.config.model ?? deps.llm.model, links, commandWord: deps.config.command, say, record, check, ...(transcript ? { transcript } : {}) };
  return codeRun(frame, async (run) => {
    // 0. A retry of a job whose push landed publishes what it recorded; any other retry starts over.
    const landed = await run.resume(fixPublicationSchema);
    if (landed) return await resumePublication(thread, deps, job, run, landed);

    // 1. The plan, read from the thread itself (made first when there is none).
    await run.step("plan");
    let found = await thread.plan();
    if (!found?.stored) {
      const planned = await deps.makePlan();
      if (planned.state !== "succeeded") return run.ended(planned);
      found = await thread.plan();
      if (!found?.stored) {
        await say("I couldn't find the plan I just wrote, so I stopped before changing anything.");
        return run.ended({ state: "failed", error: "no plan", kind: "github-error" });
      }
    }
    const stored = found.stored;
    const planCommentId = found.id;
    links.planCommentId = planCommentId;
    const plan = new LivePlan(stored.plan);
    const ticket = await thread.ticket();
    const { issue } = ticket;
    transcript?.trigger({ title: issue.title, body: issue.body, author: issue.author });
    transcript?.followPlan(plan);

    // 2. The workspace on the worker, and the sandbox.
    const branchKey = await thread.branchKey();
    const existingPr = await findDroidPullRequest(deps.octokit, job.repo, branchKey);
    const opening = await run.site.open(
      existingPr ? { kind: "existing-branch", name: existingPr.branch } : { kind: "new-branch", name: branchNameFor(branchKey, issue.title) },
      signal,
      { onRepository: (r) => void (links.branch = r.branch), ...(transcript ? { onOutput: transcript.onOutput } : {}) },
    );
    if (existingPr) links.pullRequestNumber = existingPr.number;
    if (opening.kind === "cancelled") return await endStopped(frame, run);
    if (opening.kind === "setup-failed") {
      await say(opening.message);
      return run.ended({ state: "failed", error: "setup failed", kind: "setup-failed" });
    }
    await thread.started();
    const { repo, computer, commands, inspect } = opening.bench;
    transcript?.addSecrets(opening.bench.secrets);
    transcript?.watchTests(() => computer.lastTestRun);
    const code = await groundWorkbench({
      dataDir: deps.dataDir,
      repository: `${job.repo.owner}/${job.repo.name}`,
      repo,
      text: [issue.title, issue.body, plan.render()].join("\n\n"),
      config: deps.config,
      log: deps.log,
    });

    // 3. The live plan comment.
    const live = new LivePlanComment({
      plan,
      figures: run.figures,
      minIntervalMs: deps.liveUpdateMs ?? 20_000,
      now: run.now,
      send: (state) => thread.showPlan(planCommentId, stored, state),
    });
    live.pullRequest = existingPr ? { number: existingPr.number, draft: existingPr.draft } : null;
    await live.update(true);
    run.onUnfinished((ended) => live.unfinished(ended, links.pushed === true, stoppedByOf(signal)));

    // 4. The agent.
    await run.step("agent");
    const steering = thread.steering({
      // Comments made while the job waited in the queue steer it too.
      since: job.createdAt,
      ignoreIds: [planCommentId, ...(job.triggerCommentId ? [job.triggerCommentId] : [])],
      minIntervalMs: deps.steeringPollMs ?? 15_000,
    });
    const outcome = await runAgent({
      llm: deps.llm,
      ledger: run.ledger,
      budget: deps.config.budget,
      computer,
      plan,
      systemPrompt: opening.bench.systemPrompt,
      taskMessage: fixTaskMessage({
        repo: `${job.repo.owner}/${job.repo.name}`,
        ticket: ticket.name,
        requester: job.requester,
        instructions: request.instructions,
        issue,
        template: `${stored.plan.template.title} (\`${stored.plan.template.kind}\`)`,
        plan: plan.render(),
        testing: stored.plan.testing,
        commands: describeRepoCommands(commands).map((l) => `- ${l}`).join("\n"),
        code,
      }),
      limits: { maxTurns: deps.config.fix.maxTurns, deadline: run.started + deps.config.fix.maxMinutes * 60_000, maxTokensPerResponse: 8_192 },
      signal,
      log: deps.log,
      steering,
      inspectChanges: inspect,
      now: run.now,
      onTurn: () => void live.update(false),
      tools: standardTools({ hasTests: computer.hasTests }),
      ...(transcript ? { observer: transcript.observer } : {}),
    });
    deps.log.info({ outcome: outcome.kind, turns: outcome.turns, costUsd: run.ledger.costUsd }, "agent run ended");
    if (outcome.kind === "cancelled") throwIfShutdown(signal);
    const stoppedBy = stoppedByOf(signal);
    // No subtask stays "in progress" once the run ended: one cut off by a stop or a limit (or
    // left open by a finished run) is not finished; only a failed run fails it.
    plan.settle(outcome.kind === "failed" ? "failed" : "todo");

    // 5. Bring the work back, check it may be pushed, commit, push, open or update the PR.
    const changes = await inspect();
    transcript?.diff(changes);
    if (outcome.kind === "finished") transcript?.summary(outcome.summary);
    // The work is back on the worker: the sandbox goes now, not after the comments (a stop is answered at once).
    await run.site.removeSandbox();
    const tests = testLine(outcome.lastTestRun, computer.hasTests);
    const testsState = testsFact(outcome.lastTestRun, computer.hasTests);
    run.check.details = { progress: subtasksDone(plan.plan), tests };
    const reasonNotPushed =
      outcome.kind === "cancelled" && !deps.config.fix.pushPartialWorkOnStop
        ? "the run was stopped and this repository does not push partial work (`fix.pushPartialWorkOnStop`)"
        : changes.files.length === 0
          ? "the agent changed no files"
          : null;
    const check = reasonNotPushed === null ? await checkPush(repo, changes, deps.config) : null;
    const facts: RunFacts = { end: runEnd(outcome, stoppedBy), filesChanged: changes.files.length, pushed: reasonNotPushed === null, tests: testsState };
    if (check?.kind === "refused") {
      live.end(stateLabel("not-pushed"), { ...facts, pushed: false });
      await live.update(true);
      const details = pushRefusalDetails(check.refusal, { diff: changes.diff, fileCount: changes.files.length, commandWord: deps.config.command });
      await say(scrubSecrets(`${describeOutcome(outcome, deps.config.command, stoppedBy)}\n\n${details}`, [...opening.bench.secrets, ...check.found]));
      return run.ended({ state: "failed", error: `not pushed: ${pushRefusalReason(check.refusal)}`, kind: "not-pushed" });
    }
    live.end(stateLabel(facts.end), facts);
    const closing = { outcome, stoppedBy, pushed: reasonNotPushed === null, tests, testsState, figures: run.figures(), commandWord: deps.config.command, reasonNotPushed, plan: plan.plan, changes, restarted: job.attempts > 1 };
    if (reasonNotPushed !== null) {
      await live.update(true);
      await thread.report(resultComment({ ...closing, pullRequest: null }));
      return run.ended(unpushedOutcome(jobOutcomeOf(outcome), changes));
    }
    await run.step("commit");
    const committed = await commitWork(repo, deps.octokit, { botLogin: deps.botLogin, requester: job.requester, message: commitMessage(issue.title, ticket.reference, outcome) });
    const testsPass = outcome.lastTestRun?.summary.ok ?? !computer.hasTests;
    const publication: FixPublication = {
      kind: "fix",
      branch: repo.branch,
      commit: committed ?? (await repo.head()),
      existingPullRequest: existingPr?.number ?? null,
      pullRequest: {
        title: ticket.pullRequestTitle,
        body: pullRequestBody({
          ticket: { reference: ticket.reference, closesOnMerge: ticket.closesOnMerge, line: ticket.ticketLine },
          summary: outcome.kind === "finished" ? outcome.summary : null,
          plan: plan.plan,
          outcome,
          stoppedBy,
          commandWord: deps.config.command,
          tests,
          testsPass,
          changes,
          figures: run.figures(),
          planCommentUrl: await thread.planUrl(planCommentId),
        }),
        draft: !isComplete(outcome, testsPass),
      },
      planComment: { id: planCommentId, ...live.state() },
      closing: closingReport(closing),
      outcome: jobOutcomeOf(outcome),
    };
    // Recorded before the push: a retry after it publishes this instead of running the agent again.
    await run.checkpoint(publication);
    if (committed) await repo.push();
    await run.check.pushed(publication.commit);
    await publishFix(
      {
        octokit: deps.octokit,
        job,
        thread,
        branchKey,
        botLogin: deps.botLogin,
        links,
        record: (patch) => record({ links: patch }),
        step: run.step,
        finalPlanEdit: async (pullRequest) => {
          live.pullRequest = pullRequest;
          await live.update(true);
        },
        resumed: false,
        log: deps.log,
      },
      publication,
      existingPr,
    );
    return run.ended(jobOutcomeOf(outcome));
  });
}

/** A retry of a job whose push landed: the pull request, the plan comment's last state and the closing comment, without the agent. */
async function resumePublication(thread: FixThread, deps: FixJobDeps, job: Job, run: CodeRun, p: FixPublication): Promise<FixJobResult> {
  Object.assign(run.links, { branch: p.branch, pushed: true, planCommentId: p.planComment.id });
  if (job.links.resultCommentId !== undefined) run.links.resultCommentId = job.links.resultCommentId;
  await run.check.pushed(p.commit);
  run.check.details = { progress: subtasksDone(p.planComment.plan), tests: "Run by the attempt that pushed (see the closing comment)." };
  const stored = (await thread.plan())?.stored ?? null;
  await publishFix(
    {
      octokit: deps.octokit,
      job,
      thread,
      branchKey: await thread.branchKey(),
      botLogin: deps.botLogin,
      links: run.links,
      record: async (links) => deps.record?.({ links }),
      step: run.step,
      finalPlanEdit: async (pullRequest) => {
        if (stored) await thread.showPlan(p.planComment.id, stored, { ...p.planComment, pullRequest });
      },
      resumed: true,
      log: deps.log,
    },
    p,
    null,
  );
  return run.ended(p.outcome);
}

function commitMessage(title: string, reference: string, outcome: AgentOutcome): string {
  const partial = outcome.kind === "finished" ? "" : " (partial)";
  return `${title}${partial}\n\nRefs ${reference}. Written by Droid.\n`;
}

export function fixRunner(services: RunnerServices): JobRunner {
  return siteRunner(services, (site, job, context) => runFixJob(fixDeps(services, site, job, context), job, context.signal));
}

/** A fix run's collaborators from the job's site (the GitHub and the Jira fix share them). */
export function fixDeps(services: RunnerServices, site: JobSite, job: Job, context: JobContext): FixJobDeps {
  return {
    ...site.bench,
    octokit: site.octokit,
    llm: site.llm,
    config: site.config,
    gate: services.gate,
    makePlan: async () => {
      const planned = await planWithSite(services, site, { ...job, request: { kind: "plan", feedback: "" } }, context);
      await context.progress({ costUsd: planned.costUsd, links: planned.links });
      return planned.outcome;
    },
    record: (patch) => context.progress(patch),
    transcript: site.transcript,
    ...services.tuning,
  };
}
