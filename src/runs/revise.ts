/**
 * A review revision: the reviewers' comments on a pull request steer a new commit on
 * its branch, and every thread gets an answer. One sequence of awaited steps with one
 * `finally` that removes the sandbox; the thread replies are written by this
 * orchestrator from the model's `reply_to_comment` answers (or a fallback), never
 * scraped from its prose.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import type { Logger } from "pino";
import { safeMarkdown } from "../github/safe-markdown.ts";
import { describeOutcome, testLine } from "../github/fix-report.ts";
import type { GitHubClient } from "../github/octokit.ts";
import { findPlanComment } from "../github/plan-comment.ts";
import { loadReviewThreads, type ReviewThread } from "../github/review-threads.ts";
import { patchBlock, pushRefusalDetails, pushRefusalReason } from "../github/push-refusal.ts";
import { readRevisions, resolveThreads, revisionLine, threadReply, withRevision, type RevisionDelivery } from "../github/revision-report.ts";
import { scrubSecrets } from "../github/text.ts";
import type { Job } from "../jobs/types.ts";
import type { JobRunner } from "../jobs/worker.ts";
import type { LlmClient } from "../llm/index.ts";
import { describeRepoCommands } from "../sandbox/index.ts";
import { BranchConflict, WorkspaceRefusal } from "../workspace/index.ts";
import { LivePlan } from "../agent/live-plan.ts";
import { runAgent, type AgentOutcome, type ChangeReport } from "../agent/loop.ts";
import { reviewText, reviseTaskMessage } from "../agent/revise-prompt.ts";
import { revisionChecklist } from "../agent/revision-checklist.ts";
import { ThreadAnswers } from "../agent/thread-answers.ts";
import { groundWorkbench } from "./codebase.ts";
import { codeRun, commitWork, endStopped, type CodeRunResult } from "./code-run.ts";
import { noteInPlanComment } from "./live-plan-comment.ts";
import { checkPush } from "./push-guard.ts";
import { siteRunner, type RunnerServices } from "./site.ts";
import { jobOutcomeOf, type Workbench, type WorkbenchDeps } from "./workbench.ts";
import { standardTools } from "../agent/tools/standard.ts";

export interface ReviseJobDeps extends WorkbenchDeps {
  octokit: GitHubClient;
  llm: LlmClient;
  botLogin: string;
  log: Logger;
  now?: () => number;
}

export type ReviseJobResult = CodeRunResult;

/** The issue a Droid branch was made for: `droid/<n>-…`. */
export function issueOfBranch(branch: string): number | null {
  const m = /^droid\/(\d+)(?:-|$)/.exec(branch);
  return m?.[1] ? Number(m[1]) : null;
}

export async function runReviseJob(deps: ReviseJobDeps, job: Job, signal: AbortSignal): Promise<ReviseJobResult> {
  const request = job.request;
  if (request.kind !== "revise") throw new Error(`runReviseJob got a ${request.kind} job`);
  const word = deps.config.command;
  const common = { owner: job.repo.owner, repo: job.repo.name };
  const pullNumber = job.target.number;
  const say = (body: string) => deps.octokit.rest.issues.createComment({ ...common, issue_number: pullNumber, body: `${body}\n\n<sub>Droid · job \`${job.id}\`</sub>` });
  const commanded = request.instructions.trim() !== "";
  const frame = { deps, job, signal, model: deps.config.model ?? deps.llm.model, links: { pullRequestNumber: pullNumber, branch: request.branch }, commandWord: word, say };

  return codeRun(frame, async (run) => {
    const { links } = run;
    // 1. The pull request as it is now, and the threads to answer.
    const { data: pr } = await deps.octokit.rest.pulls.get({ ...common, pull_number: pullNumber });
    if (pr.state !== "open") {
      deps.log.info({ state: pr.state, merged: pr.merged }, "pull request no longer open; revision skipped");
      if (commanded) await say(`This pull request is ${pr.merged ? "merged" : "closed"}, so I changed nothing. Reopen it (or open a new one) and ask again.`);
      return run.ended({ state: "failed", error: `the pull request is ${pr.merged ? "merged" : "closed"}` });
    }
    const fromFork = pr.head.repo === null || pr.head.repo.full_name.toLowerCase() !== pr.base.repo.full_name.toLowerCase();
    const threads = await loadReviewThreads(deps.octokit, { ...common, pullNumber, reviewId: request.reviewId, comments: request.comments, requester: job.requester, botLogin: deps.botLogin });
    const generalRequest = [request.reviewBody, request.instructions].map((t) => t.trim()).filter(Boolean).join("\n\n");
    if (threads.length === 0 && generalRequest === "") {
      deps.log.info("review has no comments and no body; nothing to revise");
      return run.ended({ state: "succeeded" });
    }

    // 2. The PR's plan and earlier revisions, for context.
    const issueNumber = issueOfBranch(pr.head.ref);
    const planRef = issueNumber === null ? null : { owner: common.owner, repo: common.repo, issueNumber };
    const planFound = planRef === null ? null : await findPlanComment(deps.octokit, planRef, deps.botLogin);
    if (planFound) links.planCommentId = planFound.id;
    const prPlan = planFound?.parsed ? new LivePlan(planFound.parsed.stored.plan).render() : null;

    // 3. The branch as it is now, in a fresh sandbox.
    const opening = await run.site.open({ kind: "existing-branch", name: pr.head.ref }, signal, fromFork && pr.head.repo ? { repository: pr.head.repo.full_name, readOnly: true } : {});
    if (opening.kind === "cancelled") return await endStopped(frame, run);
    if (opening.kind === "setup-failed") {
      await replyAll(threads, (t) => replyBody(t, undefined, { kind: "not-pushed", reason: "the repository's setup failed" }, opening.message, false));
      if (threads.length === 0) await say(opening.message);
      return run.ended({ state: "failed", error: "setup failed" });
    }
    const bench = opening.bench;
    const missingPaths = new Set(threads.map((t) => t.path).filter((p) => !existsSync(path.join(bench.repo.tree, p))));
    const code = await groundWorkbench({ dataDir: deps.dataDir, repository: `${common.owner}/${common.repo}`, repo: bench.repo, text: reviewText(generalRequest, threads), config: deps.config, log: deps.log });

    // 4. The agent, with one extra tool: the answer per thread.
    const answers = new ThreadAnswers(threads);
    const checklist = new LivePlan(revisionChecklist(threads, generalRequest));
    const outcome = await runAgent({
      llm: deps.llm,
      ledger: run.ledger,
      budget: deps.config.budget,
      computer: bench.computer,
      plan: checklist,
      systemPrompt: bench.systemPrompt,
      taskMessage: reviseTaskMessage({
        repo: `${common.owner}/${common.repo}`,
        pullNumber,
        branch: pr.head.ref,
        requester: job.requester,
        generalRequest,
        threads,
        missingPaths,
        checklist: checklist.render(),
        commands: describeRepoCommands(bench.commands).map((l) => `- ${l}`).join("\n"),
        plan: prPlan,
        earlierRevisions: readRevisions(pr.body),
        pullRequestBody: pr.body ?? "",
        code,
      }),
      limits: { maxTurns: deps.config.fix.maxTurns, deadline: run.started + deps.config.fix.maxMinutes * 60_000, maxTokensPerResponse: 8_192 },
      signal,
      log: deps.log,
      steering: async () => [],
      inspectChanges: bench.inspect,
      now: run.now,
      tools: [...standardTools({ hasTests: bench.computer.hasTests }), answers.tool],
    });
    deps.log.info({ outcome: outcome.kind, turns: outcome.turns, costUsd: run.ledger.costUsd, unanswered: answers.unanswered.length }, "revision agent run ended");

    // 5. Check the work may be pushed (or shown as a patch), commit and push (never force;
    // others' commits kept), then answer every thread.
    const changes = await bench.inspect();
    const check = changes.files.length > 0 ? await checkPush(bench.repo, changes, deps.config) : null;
    const delivery: RevisionDelivery = check?.kind === "refused" ? { kind: "refused", refusal: check.refusal } : await deliver(bench, changes, outcome, { fork: fromFork, repoUrl: pr.base.repo.html_url });
    const secrets = [...bench.secrets, ...(check?.kind === "refused" ? check.found : [])];
    if (delivery.kind === "pushed") links.branch = bench.repo.branch;
    const runEnded = `${describeOutcome(outcome, word)} ${testLine(outcome.lastTestRun, bench.computer.hasTests)}`;
    await replyAll(threads, (t) => replyBody(t, answers.get(t), delivery, runEnded, missingPaths.has(t.path), secrets));
    if (delivery.kind === "pushed" && deps.config.resolveReviewThread) {
      const changed = threads.filter((t) => answers.get(t)?.changed).map((t) => t.rootId);
      await resolveThreads(deps.octokit, { ...common, pullNumber }, changed).catch((error: unknown) => deps.log.warn({ err: error }, "could not resolve review threads"));
    }

    // 6. The PR body's status section, and a PR comment when no thread carries the answer.
    const summary = scrubSecrets(outcome.kind === "finished" ? outcome.summary : describeOutcome(outcome, word), secrets);
    if (delivery.kind === "pushed") {
      const line = revisionLine({ date: new Date(run.now()), requester: job.requester, reviewId: request.reviewId, delivery, threads: threads.length, changed: threads.filter((t) => answers.get(t)?.changed).length, summary, costUsd: run.figures().costUsd });
      await deps.octokit.rest.pulls.update({ ...common, pull_number: pullNumber, body: withRevision(pr.body, line) });
      if (planFound && planRef) {
        const noted = `- Revised in #${pullNumber}${request.reviewId ? ` for review ${request.reviewId}` : ""}: [\`${delivery.sha.slice(0, 7)}\`](${delivery.url}) (@${job.requester})`;
        await noteInPlanComment(deps.octokit, planRef, planFound, noted, { commandWord: word, log: deps.log });
      }
    }
    const notice = generalNotice({ delivery, changes, threads: threads.length, summary, runEnded, outcome, commandWord: word, requester: job.requester });
    if (notice) await say(scrubSecrets(notice, secrets));
    if (delivery.kind === "refused" && outcome.kind !== "cancelled") return run.ended({ state: "failed", error: `not pushed: ${pushRefusalReason(delivery.refusal)}` });
    return run.ended(jobOutcomeOf(outcome));

    function replyBody(thread: ReviewThread, answer: ReturnType<ThreadAnswers["get"]>, delivery: RevisionDelivery, runEnded: string, fileMissing: boolean, secrets: readonly string[] = deps.secrets): string {
      return threadReply({ thread, answer, delivery, runEnded, fileMissing, jobId: job.id, costUsd: run.figures().costUsd, secrets });
    }
  });

  async function deliver(bench: Workbench, changes: ChangeReport, outcome: AgentOutcome, where: { fork: boolean; repoUrl: string }): Promise<RevisionDelivery> {
    if (outcome.kind === "cancelled" && !deps.config.fix.pushPartialWorkOnStop) return { kind: "not-pushed", reason: "the run was stopped before it finished" };
    if (changes.files.length === 0) return { kind: "not-pushed", reason: "no files were changed" };
    if (where.fork) return { kind: "not-pushed", reason: "this pull request comes from a fork, and Droid cannot push to a fork" };
    const commit = await commitWork(bench.repo, deps.octokit, {
      botLogin: deps.botLogin,
      requester: job.requester,
      message: `${outcome.kind === "finished" ? "Address" : "Partly address"} review comments on #${pullNumber}\n\n${outcome.kind === "finished" ? outcome.summary : describeOutcome(outcome, word)}\n\nWritten by Droid.\n`,
    });
    if (!commit) return { kind: "not-pushed", reason: "no files were changed" };
    try {
      const pushed = await bench.repo.pushKeepingOthers();
      return { kind: "pushed", sha: pushed.commit, url: `${where.repoUrl}/commit/${pushed.commit}`, replayedOnto: pushed.kind === "replayed" ? pushed.onto : null };
    } catch (error) {
      if (error instanceof BranchConflict) {
        deps.log.warn({ files: error.files }, "branch moved with overlapping changes; nothing pushed");
        return { kind: "not-pushed", reason: `someone pushed to \`${bench.repo.branch}\` while I worked and their changes overlap with mine${error.files.length > 0 ? ` (${error.files.map((f) => `\`${f}\``).join(", ")})` : ""}; I kept their commits and pushed nothing` };
      }
      if (error instanceof WorkspaceRefusal) throw error;
      // A protected branch, a revoked permission…: the threads still get their answers.
      deps.log.error({ err: error }, "push failed");
      return { kind: "not-pushed", reason: `GitHub refused the push to \`${bench.repo.branch}\` (${scrubSecrets(error instanceof Error ? error.message : String(error), bench.secrets).replace(/\s+/g, " ").trim().slice(0, 300)})` };
    }
  }

  /** One reply per thread; a failed post is logged and the others still go out. */
  async function replyAll(threads: readonly ReviewThread[], body: (t: ReviewThread) => string): Promise<void> {
    for (const thread of threads) {
      await deps.octokit.rest.pulls
        .createReplyForReviewComment({ ...common, pull_number: pullNumber, comment_id: thread.replyToId, body: body(thread) })
        .catch((error: unknown) => deps.log.error({ err: error, commentId: thread.replyToId }, "could not reply in a review thread"));
    }
  }
}

/** The PR comment for what no thread reply can say: a request outside threads, a patch Droid could not push, a run that ended early. */
function generalNotice(input: {
  delivery: RevisionDelivery;
  changes: ChangeReport;
  threads: number;
  summary: string;
  runEnded: string;
  outcome: AgentOutcome;
  commandWord: string;
  requester: string;
}): string | null {
  const lines: string[] = [];
  if (input.threads === 0) lines.push(safeMarkdown(input.summary, { mentions: [input.requester] }));
  if (input.delivery.kind === "pushed" && input.threads === 0) lines.push("", `Pushed [\`${input.delivery.sha.slice(0, 7)}\`](${input.delivery.url}).`);
  if (input.delivery.kind === "refused") {
    lines.push("", pushRefusalDetails(input.delivery.refusal, { diff: input.changes.diff, fileCount: input.changes.files.length, commandWord: input.commandWord }));
  }
  if (input.delivery.kind === "not-pushed" && input.changes.files.length > 0) {
    lines.push("", `I made changes but did not push them: ${input.delivery.reason}.`);
    const patch = patchBlock(input.changes.diff);
    lines.push("", patch ?? `The patch is too large to show here (${input.changes.files.length} files).`);
  }
  if (input.outcome.kind !== "finished" && input.threads > 0) lines.push("", input.runEnded);
  const text = lines.join("\n").trim();
  return text === "" ? null : text;
}

export function reviseRunner(services: RunnerServices): JobRunner {
  return siteRunner(services, (site, job, context) =>
    runReviseJob({ ...site.bench, octokit: site.octokit, llm: site.llm, config: site.config }, job, context.signal),
  );
}
