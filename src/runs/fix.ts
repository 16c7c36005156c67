/**
 * `/droid fix`: carries out the issue's plan and opens (or updates) a pull request.
 * One sequence of awaited steps with one `finally` that removes the sandbox and the
 * job's folder; the closing comment is written by this orchestrator, never by the model.
 */
import type { JobRunner } from "../jobs/worker.ts";
import { siteRunner, type RunnerServices } from "./site.ts";
import { planWithSite } from "./plan.ts";
import type Docker from "dockerode";
import type { Logger } from "pino";
import type { RepoConfig } from "../config/repo-config.ts";
import { describeOutcome, executionLines, pullRequestBody, resultComment, testLine } from "../github/fix-report.ts";
import type { PermissionGate } from "../github/gate.ts";
import type { GitHubClient } from "../github/octokit.ts";
import { findPlanComment, renderPlanComment, type FoundPlanComment } from "../github/plan-comment.ts";
import { findDroidPullRequest, publishPullRequest, type PullRequestRef } from "../github/pull-request.ts";
import { IssueSteering } from "../github/steering.ts";
import type { Job, JobLinks, JobOutcome } from "../jobs/types.ts";
import { UsageLedger, type LlmClient } from "../llm/index.ts";
import { describeRepoCommands } from "../sandbox/index.ts";
import { WorkspaceRefusal, branchNameFor } from "../workspace/index.ts";
import { LivePlan } from "../agent/live-plan.ts";
import { runAgent, type AgentOutcome } from "../agent/loop.ts";
import { fixTaskMessage, type FixIssue } from "../agent/prompts.ts";
import { WorkbenchSite, droidPerson, jobOutcomeOf, person, runFigures } from "./workbench.ts";

export interface FixJobDeps {
  octokit: GitHubClient;
  docker: Docker;
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
  /** Makes the plan when the issue has none yet; resolves to its outcome. */
  makePlan: () => Promise<JobOutcome>;
  /**
   * Records the job's links durably right before its first push (`links.pushed`): an
   * interrupted run that may have pushed is then reported, not re-run (restart recovery).
   */
  beforePush?: (links: JobLinks) => Promise<void>;
  log: Logger;
  now?: () => number;
  /** Minimum time between live edits of the plan comment. */
  liveUpdateMs?: number;
  /** Minimum time between looks for steering comments. */
  steeringPollMs?: number;
}

export interface FixJobResult {
  outcome: JobOutcome;
  costUsd: number;
  links: JobLinks;
}

export async function runFixJob(deps: FixJobDeps, job: Job, signal: AbortSignal): Promise<FixJobResult> {
  if (job.request.kind !== "fix") throw new Error(`runFixJob got a ${job.request.kind} job`);
  const now = deps.now ?? Date.now;
  const started = now();
  const ref = { owner: job.repo.owner, repo: job.repo.name, issueNumber: job.target.number };
  const ledger = new UsageLedger();
  const model = deps.config.model ?? deps.llm.model;
  const links: JobLinks = {};
  const site = new WorkbenchSite(deps, job);
  const comment = (body: string) =>
    deps.octokit.rest.issues.createComment({ owner: ref.owner, repo: ref.repo, issue_number: ref.issueNumber, body });
  const figures = runFigures({ ledger, model, started, now, jobId: job.id });
  const fail = async (reason: string, body: string): Promise<FixJobResult> => {
    await comment(`${body}\n\n<sub>job \`${job.id}\`</sub>`);
    return { outcome: { state: "failed", error: reason }, costUsd: ledger.costUsd, links };
  };

  try {
    // 1. The plan, read from GitHub itself (made first when there is none).
    let found = await findPlanComment(deps.octokit, ref, deps.botLogin);
    if (!found?.parsed) {
      const planned = await deps.makePlan();
      if (planned.state !== "succeeded") return { outcome: planned, costUsd: ledger.costUsd, links };
      found = await findPlanComment(deps.octokit, ref, deps.botLogin);
      if (!found?.parsed) return await fail("no plan", "I couldn't find the plan I just wrote, so I stopped before changing anything.");
    }
    const planComment: FoundPlanComment = found;
    const stored = found.parsed.stored;
    links.planCommentId = found.id;
    const plan = new LivePlan(stored.plan);
    const { data: issue } = await deps.octokit.rest.issues.get({ owner: ref.owner, repo: ref.repo, issue_number: ref.issueNumber });

    // 2. The workspace on the worker, and the sandbox.
    const existingPr = await findDroidPullRequest(deps.octokit, job.repo, ref.issueNumber);
    const opening = await site.open(
      existingPr ? { kind: "existing-branch", name: existingPr.branch } : { kind: "new-branch", name: branchNameFor(ref.issueNumber, issue.title) },
      signal,
      { onRepository: (r) => void (links.branch = r.branch) },
    );
    if (existingPr) links.pullRequestNumber = existingPr.number;
    if (opening.kind === "cancelled") return await endCancelled();
    if (opening.kind === "setup-failed") return await fail("setup failed", opening.message);
    const { repo, computer, commands, inspect } = opening.bench;

    // 3. The live plan comment: subtask states, elapsed time and cost, throttled. Edits go
    // out one at a time, each rendered when it is sent, so the last one sent is the final state.
    let lastEdit = 0;
    let phase = "⏳ Running";
    let edits = Promise.resolve();
    const editPlanComment = (force: boolean): Promise<void> => {
      if (!force && now() - lastEdit < (deps.liveUpdateMs ?? 20_000)) return edits;
      lastEdit = now();
      edits = edits.then(sendPlanEdit);
      return edits;
    };
    const sendPlanEdit = async () => {
      const body = renderPlanComment({
        stored: { ...stored, plan: plan.plan },
        changes: null,
        contextNotes: [],
        footer: null,
        execution: executionLines({ phase, figures: figures(), revisions: plan.revisions, pullRequest: links.pullRequestNumber ? { number: links.pullRequestNumber, url: "" } : null }),
      });
      await deps.octokit.rest.issues.updateComment({ owner: ref.owner, repo: ref.repo, comment_id: planComment.id, body }).catch((error: unknown) => {
        deps.log.warn({ err: error }, "could not update the live plan comment");
      });
    };
    await editPlanComment(true);

    // 4. The agent.
    const steering = new IssueSteering({
      octokit: deps.octokit,
      repo: job.repo,
      issueNumber: ref.issueNumber,
      // Comments made while the job waited in the queue steer it too.
      since: job.createdAt,
      gate: deps.gate,
      commandWord: deps.config.command,
      minIntervalMs: deps.steeringPollMs ?? 15_000,
      ignoreIds: [planComment.id, ...(job.triggerCommentId ? [job.triggerCommentId] : [])],
      log: deps.log,
    });
    const outcome = await runAgent({
      llm: deps.llm,
      ledger,
      budget: deps.config.budget,
      computer,
      plan,
      systemPrompt: opening.bench.systemPrompt,
      taskMessage: fixTaskMessage({
        repo: `${ref.owner}/${ref.repo}`,
        issueNumber: ref.issueNumber,
        requester: job.requester,
        instructions: job.request.instructions,
        issue: await issueForPrompt(deps, job, issue),
        template: `${stored.plan.template.title} (\`${stored.plan.template.kind}\`)`,
        plan: plan.render(),
        testing: stored.plan.testing,
        commands: describeRepoCommands(commands).map((l) => `- ${l}`).join("\n"),
      }),
      limits: { maxTurns: deps.config.fix.maxTurns, deadline: started + deps.config.fix.maxMinutes * 60_000, maxTokensPerResponse: 8_192 },
      signal,
      log: deps.log,
      steering: () => steering.take(),
      inspectChanges: inspect,
      now,
      onTurn: () => void editPlanComment(false),
    });
    deps.log.info({ outcome: outcome.kind, turns: outcome.turns, costUsd: ledger.costUsd }, "agent run ended");
    // A stopped subtask did not fail: it was left undone.
    if (outcome.kind !== "finished") plan.settle(outcome.kind === "cancelled" ? "skipped" : "failed");

    // 5. Bring the work back, commit, push, open or update the PR.
    const pushAllowed = outcome.kind !== "cancelled" || deps.config.fix.pushPartialWorkOnStop;
    const changes = await inspect();
    const tests = testLine(outcome.lastTestRun, computer.hasTests);
    let pr: (PullRequestRef & { created: boolean }) | null = null;
    let reasonNotPushed: string | null = null;
    if (!pushAllowed) reasonNotPushed = "the run was stopped and this repository does not push partial work (`fix.pushPartialWorkOnStop`)";
    else if (changes.files.length === 0) reasonNotPushed = "the agent changed no files";
    else {
      const commitId = await repo.commit({
        message: commitMessage(issue.title, ref.issueNumber, outcome),
        author: await droidPerson(deps.octokit, deps.botLogin),
        coAuthors: [await person(deps.octokit, job.requester)],
      });
      if (commitId) {
        links.pushed = true;
        await deps.beforePush?.(links);
        await repo.push();
      }

      const testsPass = outcome.lastTestRun?.summary.ok ?? !computer.hasTests;
      pr = await publishPullRequest(
        deps.octokit,
        job.repo,
        {
          title: issue.title,
          body: pullRequestBody({
            issueNumber: ref.issueNumber,
            summary: outcome.kind === "finished" ? outcome.summary : describeOutcome(outcome),
            plan: plan.plan,
            outcome,
            tests,
            changes,
            figures: figures(),
            planCommentUrl: `https://github.com/${ref.owner}/${ref.repo}/issues/${ref.issueNumber}#issuecomment-${planComment.id}`,
          }),
          draft: !(outcome.kind === "finished" && testsPass),
          branch: repo.branch,
          base: job.repo.defaultBranch,
          labels: ["droid"],
        },
        existingPr,
      );
      links.pullRequestNumber = pr.number;
    }
    phase = outcome.kind === "finished" ? "✅ Done" : outcome.kind === "cancelled" ? "⏹️ Stopped" : "⚠️ Ended early";
    await editPlanComment(true);
    await comment(resultComment({ outcome, pullRequest: pr, pushed: pr !== null, tests, figures: figures(), commandWord: deps.config.command, reasonNotPushed, plan: plan.plan, changes }));
    return { outcome: jobOutcomeOf(outcome), costUsd: ledger.costUsd, links };
  } catch (error) {
    if (signal.aborted) return await endCancelled();
    if (error instanceof WorkspaceRefusal) return await fail("refused", `I stopped: ${error.message}`);
    throw error;
  } finally {
    await site.close();
  }

  async function endCancelled(): Promise<FixJobResult> {
    await comment(`Stopped by \`/${deps.config.command} stop\` before any change was pushed. The sandbox was removed.\n\n<sub>job \`${job.id}\`</sub>`);
    return { outcome: { state: "cancelled" }, costUsd: ledger.costUsd, links };
  }
}

/** The issue for the task message, with its author's access as the one write-access check answers it (bots never write). */
async function issueForPrompt(deps: FixJobDeps, job: Job, issue: { title: string; body?: string | null; user?: { login: string; type?: string } | null }): Promise<FixIssue> {
  const login = issue.user?.login ?? "ghost";
  const human = issue.user?.login !== undefined && issue.user.type !== "Bot" && !login.endsWith("[bot]");
  const authorCanWrite =
    human &&
    (await deps.gate.hasWriteAccess(deps.octokit, job.repo, login).catch((error: unknown) => {
      deps.log.warn({ err: error, login }, "could not check the issue author's access; the issue is labelled as theirs without write access");
      return false;
    }));
  return { title: issue.title, body: issue.body ?? "", author: login, authorCanWrite };
}

function commitMessage(title: string, issueNumber: number, outcome: AgentOutcome): string {
  const partial = outcome.kind === "finished" ? "" : " (partial)";
  return `${title}${partial}\n\nRefs #${issueNumber}. Written by Droid.\n`;
}

export function fixRunner(services: RunnerServices): JobRunner {
  return siteRunner(services, (site, job, context) =>
    runFixJob(
      {
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
        beforePush: (links) => context.progress({ links }),
        ...services.tuning,
      },
      job,
      context.signal,
    ),
  );
}
