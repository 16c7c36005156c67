/**
 * `/droid fix` on a Jira ticket: the fix run of `fix.ts` with the ticket as its thread.
 * The plan comes from the ticket (made first when there is none); the plan comment in
 * Jira shows the live state; the branch is `droid/<key>-<summary>`; the pull request
 * names the ticket and becomes a remote link on it; the project's transitions move the
 * ticket when the fix starts and when the pull request is ready; the closing report is
 * a comment on the ticket.
 *
 * Not (yet) on Jira: steering by comments during the run, and finishing an interrupted
 * run from its checkpoint (a run that pushed is reported, not run again).
 */
import { LivePlan } from "../agent/live-plan.ts";
import { runAgent } from "../agent/loop.ts";
import { fixTaskMessage } from "../agent/prompts.ts";
import { standardTools } from "../agent/tools/standard.ts";
import { closingComment, closingReport, describeOutcome, executionLines, pullRequestBody, resultComment, testLine } from "../github/fix-report.ts";
import { findDroidPullRequest, publishPullRequest } from "../github/pull-request.ts";
import { pushRefusalDetails, pushRefusalReason } from "../github/push-refusal.ts";
import { scrubSecrets } from "../github/text.ts";
import type { Job, JobLinks } from "../jobs/types.ts";
import type { JobRunner } from "../jobs/worker.ts";
import { describeRepoCommands } from "../sandbox/index.ts";
import { branchNameFor } from "../workspace/index.ts";
import { codeRun, commitWork, endStopped, throwIfShutdown } from "./code-run.ts";
import { groundWorkbench } from "./codebase.ts";
import { fixDeps, type FixJobDeps, type FixJobResult } from "./fix.ts";
import type { JiraTicket } from "./jira-ticket.ts";
import { subtasksDone } from "./pr-check.ts";
import { checkPush } from "./push-guard.ts";
import { jobOutcomeOf, unpushedOutcome } from "./workbench.ts";
import { jiraTicketOf, siteRunner, type RunnerServices } from "./site.ts";

export function jiraFixRunner(services: RunnerServices): JobRunner {
  return siteRunner(services, (site, job, context) => runJiraFixJob(fixDeps(services, site, job, context), jiraTicketOf(services, site, job, context.log), job, context.signal));
}

export async function runJiraFixJob(deps: FixJobDeps, ticket: JiraTicket, job: Job, signal: AbortSignal): Promise<FixJobResult> {
  const request = job.request;
  if (request.kind !== "fix") throw new Error(`runJiraFixJob got a ${request.kind} job`);
  const say = (body: string) => ticket.say(body);
  const links: JobLinks = {};
  const record = async (patch: { links?: JobLinks; costUsd?: number }) => deps.record?.(patch);
  const transcript = deps.transcript;
  const check = { octokit: deps.octokit, publicUrl: deps.publicUrl ?? null, log: deps.log };
  const word = deps.config.command;
  const frame = { deps, job, signal, model: deps.config.model ?? deps.llm.model, links, commandWord: word, say, record, check, ...(transcript ? { transcript } : {}) };
  return codeRun(frame, async (run) => {
    // 1. The plan, from the ticket (made first when there is none).
    await run.step("plan");
    let found = await ticket.previous();
    if (!found?.stored) {
      const planned = await deps.makePlan();
      if (planned.state !== "succeeded") return run.ended(planned);
      found = await ticket.previous();
    }
    if (!found?.stored) {
      await say("I couldn't find the plan I just wrote, so I stopped before changing anything.");
      return run.ended({ state: "failed", error: "no plan", kind: "github-error" });
    }
    const stored = found.stored;
    const planCommentId = found.id;
    links.planCommentId = planCommentId;
    const plan = new LivePlan(stored.plan);
    const issue = await ticket.issue();
    const ticketUrl = await ticket.url();
    const project = await ticket.project();
    transcript?.trigger({ title: `${issue.key} ${issue.summary}`, body: issue.description, author: issue.reporter?.displayName ?? "unknown" });
    transcript?.followPlan(plan);

    // 2. The workspace and the sandbox; the ticket moves to its "fix started" state.
    const key = issue.key.toLowerCase();
    const existingPr = await findDroidPullRequest(deps.octokit, job.repo, key);
    const opening = await run.site.open(
      existingPr ? { kind: "existing-branch", name: existingPr.branch } : { kind: "new-branch", name: branchNameFor(key, issue.summary) },
      signal,
      { onRepository: (r) => void (links.branch = r.branch), ...(transcript ? { onOutput: transcript.onOutput } : {}) },
    );
    if (existingPr) links.pullRequestNumber = existingPr.number;
    if (opening.kind === "cancelled") return await endStopped(frame, run);
    if (opening.kind === "setup-failed") {
      await say(opening.message);
      return run.ended({ state: "failed", error: "setup failed", kind: "setup-failed" });
    }
    await ticket.transition(project?.transitions.fixStarted ?? null);
    const { repo, computer, commands, inspect } = opening.bench;
    transcript?.addSecrets(opening.bench.secrets);
    transcript?.watchTests(() => computer.lastTestRun);
    const code = await groundWorkbench({ dataDir: deps.dataDir, repository: `${job.repo.owner}/${job.repo.name}`, repo, text: [issue.summary, issue.description, plan.render()].join("\n\n"), config: deps.config, log: deps.log });

    // 3. The live plan comment in Jira.
    let phase = "⏳ Running";
    let pullRequest: { number: number; url: string } | null = existingPr ? { number: existingPr.number, url: existingPr.url } : null;
    let lastEdit = 0;
    const livePlan = async (force: boolean) => {
      if (!force && run.now() - lastEdit < (deps.liveUpdateMs ?? 20_000)) return;
      lastEdit = run.now();
      const execution = executionLines({ phase, figures: run.figures(), revisions: plan.revisions, pullRequest });
      await ticket.editPlan(planCommentId, { stored: { ...stored, plan: plan.plan }, changes: null, contextNotes: [], footer: null, commandWord: word, execution });
    };
    await livePlan(true);

    // 4. The agent.
    await run.step("agent");
    const reporterLogin = issue.reporter ? await ticket.writer(issue.reporter) : null;
    const outcome = await runAgent({
      llm: deps.llm,
      ledger: run.ledger,
      budget: deps.config.budget,
      computer,
      plan,
      systemPrompt: opening.bench.systemPrompt,
      taskMessage: fixTaskMessage({
        repo: `${job.repo.owner}/${job.repo.name}`,
        ticket: `Jira ticket ${issue.key}`,
        requester: job.requester,
        instructions: request.instructions,
        issue: { title: issue.summary, body: issue.description, author: reporterLogin?.login ?? issue.reporter?.displayName ?? "unknown", authorCanWrite: reporterLogin?.writer ?? false },
        template: `${stored.plan.template.title} (\`${stored.plan.template.kind}\`)`,
        plan: plan.render(),
        testing: stored.plan.testing,
        commands: describeRepoCommands(commands).map((l) => `- ${l}`).join("\n"),
        code,
      }),
      limits: { maxTurns: deps.config.fix.maxTurns, deadline: run.started + deps.config.fix.maxMinutes * 60_000, maxTokensPerResponse: 8_192 },
      signal,
      log: deps.log,
      steering: async () => [],
      inspectChanges: inspect,
      now: run.now,
      onTurn: () => void livePlan(false),
      tools: standardTools({ hasTests: computer.hasTests }),
      ...(transcript ? { observer: transcript.observer } : {}),
    });
    deps.log.info({ outcome: outcome.kind, turns: outcome.turns, costUsd: run.ledger.costUsd }, "agent run ended");
    if (outcome.kind === "cancelled") throwIfShutdown(signal);
    if (outcome.kind !== "finished") plan.settle(outcome.kind === "cancelled" ? "skipped" : "failed");

    // 5. Bring the work back, check it, commit, push, open or update the PR, tell the ticket.
    const changes = await inspect();
    transcript?.diff(changes);
    if (outcome.kind === "finished") transcript?.summary(outcome.summary);
    await run.site.removeSandbox();
    const tests = testLine(outcome.lastTestRun, computer.hasTests);
    run.check.details = { progress: subtasksDone(plan.plan), tests };
    const reasonNotPushed =
      outcome.kind === "cancelled" && !deps.config.fix.pushPartialWorkOnStop
        ? "the run was stopped and this repository does not push partial work (`fix.pushPartialWorkOnStop`)"
        : changes.files.length === 0
          ? "the agent changed no files"
          : null;
    const guard = reasonNotPushed === null ? await checkPush(repo, changes, deps.config) : null;
    if (guard?.kind === "refused") {
      phase = "⛔ Not pushed";
      await livePlan(true);
      const details = pushRefusalDetails(guard.refusal, { diff: changes.diff, fileCount: changes.files.length, commandWord: word });
      await say(scrubSecrets(`${describeOutcome(outcome, word)}\n\n${details}`, [...opening.bench.secrets, ...guard.found]));
      return run.ended({ state: "failed", error: `not pushed: ${pushRefusalReason(guard.refusal)}`, kind: "not-pushed" });
    }
    phase = outcome.kind === "finished" ? "✅ Done" : outcome.kind === "cancelled" ? "⏹️ Stopped" : "⚠️ Ended early";
    const closing = { outcome, pushed: reasonNotPushed === null, tests, figures: run.figures(), commandWord: word, reasonNotPushed, plan: plan.plan, changes, restarted: job.attempts > 1 };
    if (reasonNotPushed !== null) {
      await livePlan(true);
      await say(resultComment({ ...closing, pullRequest: null }));
      return run.ended(unpushedOutcome(jobOutcomeOf(outcome), changes));
    }
    await run.step("commit");
    const committed = await commitWork(repo, deps.octokit, { botLogin: deps.botLogin, requester: job.requester, message: `${issue.summary}${outcome.kind === "finished" ? "" : " (partial)"}\n\nRefs ${issue.key}. Written by Droid.\n` });
    const testsPass = outcome.lastTestRun?.summary.ok ?? !computer.hasTests;
    const draft = !(outcome.kind === "finished" && testsPass);
    // Recorded before the push: an interrupted run that pushed is reported, not run again.
    links.pushed = true;
    await record({ links: { pushed: true, branch: repo.branch } });
    await run.step("push");
    if (committed) await repo.push();
    await run.check.pushed(committed ?? (await repo.head()));
    await run.step("pull-request");
    const body = pullRequestBody({
      ticketLine: `Jira: [${issue.key}](${ticketUrl}) ${issue.summary}`,
      summary: outcome.kind === "finished" ? outcome.summary : describeOutcome(outcome, word),
      plan: plan.plan,
      outcome,
      commandWord: word,
      tests,
      changes,
      figures: run.figures(),
      planCommentUrl: `${ticketUrl}?focusedCommentId=${planCommentId}`,
    });
    const pr = await publishPullRequest(deps.octokit, job.repo, { title: `${issue.key}: ${issue.summary}`, body, draft, branch: repo.branch, base: job.repo.defaultBranch, labels: ["droid"] }, existingPr);
    links.pullRequestNumber = pr.number;
    await record({ links: { pullRequestNumber: pr.number } });
    await ticket.linkPullRequest({ number: pr.number, url: pr.url, title: `${issue.key}: ${issue.summary}`, draft });
    if (!draft) await ticket.transition(project?.transitions.pullRequestReady ?? null);
    pullRequest = { number: pr.number, url: pr.url };
    await livePlan(true);
    await ticket.storePlan(planCommentId, { ...stored, plan: plan.plan });
    await run.step("report");
    await say(closingComment(closingReport(closing), { ...pr, created: existingPr === null }));
    return run.ended(jobOutcomeOf(outcome));
  });
}
