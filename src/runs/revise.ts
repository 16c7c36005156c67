/**
 * A review revision: the reviewers' comments on a pull request steer a new commit on
 * its branch, and every thread gets an answer. One sequence of awaited steps with one
 * `finally` that removes the sandbox; the thread replies are written by this
 * orchestrator from the model's `reply_to_comment` answers (or a fallback), never
 * scraped from its prose.
 */
import type { Logger } from "pino";
import { safeMarkdown } from "../github/safe-markdown.ts";
import { describeOutcome, testLine } from "../github/fix-report.ts";
import type { GitHubClient } from "../github/octokit.ts";
import { findPlanComment } from "../github/plan-comment.ts";
import { loadReviewThreads, type ReviewThread } from "../github/review-threads.ts";
import { patchBlock, pushRefusalDetails, pushRefusalReason } from "../github/push-refusal.ts";
import { readRevisions, reviewAnswersBody, revisionLine, threadReply, type RevisionDelivery } from "../github/revision-report.ts";
import { scrubSecrets } from "../github/text.ts";
import type { Job, JobLinks } from "../jobs/types.ts";
import { stoppedByOf, type JobRunner } from "../jobs/worker.ts";
import type { LlmClient } from "../llm/index.ts";
import { describeRepoCommands } from "../sandbox/index.ts";
import { LivePlan } from "../agent/live-plan.ts";
import type { AgentOutcome, ChangeReport } from "../agent/loop.ts";
import { reviewText, reviseTaskMessage } from "../agent/revise-prompt.ts";
import { revisionChecklist } from "../agent/revision-checklist.ts";
import { ThreadAnswers } from "../agent/thread-answers.ts";
import { groundWorkbench } from "./codebase.ts";
import { codeRun, endStopped, type CodeRun, type CodeRunResult } from "./code-run.ts";
import { answerUnpushed, publishRevision, revisionPublicationSchema, type RevisionPublication, type RevisionPublishContext } from "./revise-publication.ts";
import { collectWork, pushRevision, type PushedDelivery } from "./revision-push.ts";
import { runRevisionAgent } from "./revision-agent.ts";
import { jobComment, siteRunner, type RunnerServices } from "./site.ts";
import type { TranscriptRecorder } from "./transcript-recorder.ts";
import { jobReference } from "../github/comment-text.ts";
import { runPageUrl } from "../config/public-url.ts";
import { jobOutcomeOf, unpushedOutcome, type Workbench, type WorkbenchDeps } from "./workbench.ts";

export interface ReviseJobDeps extends WorkbenchDeps {
  octokit: GitHubClient;
  llm: LlmClient;
  botLogin: string;
  log: Logger;
  now?: () => number;
  /** Records progress in the job store: the step, and right before the push the checkpoint a retry finishes from. */
  record?: (patch: { links?: JobLinks; costUsd?: number }) => Promise<void>;
  /** The run's transcript (the run page). */
  transcript?: TranscriptRecorder;
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
  const say = jobComment(deps.octokit, job, deps.publicUrl ?? null);
  // The one review's footer names the job (its replies carry none).
  const jobLink = jobReference(job.id, runPageUrl(deps.publicUrl ?? null, job.id));
  const commanded = request.instructions.trim() !== "";
  const links: JobLinks = { pullRequestNumber: pullNumber, branch: request.branch };
  const record = async (patch: { links?: JobLinks; costUsd?: number }) => deps.record?.(patch);
  const transcript = deps.transcript;
  const check = { octokit: deps.octokit, publicUrl: deps.publicUrl ?? null, log: deps.log };
  const frame = { deps, job, signal, model: deps.config.model ?? deps.llm.model, links, commandWord: word, say, record, check, ...(transcript ? { transcript } : {}) };
  const publishing = (run: CodeRun, resumed: boolean): RevisionPublishContext => ({
    octokit: deps.octokit,
    job: { ...job, request },
    botLogin: deps.botLogin,
    commandWord: word,
    resolveReviewThread: deps.config.resolveReviewThread,
    links,
    record: (patch) => record({ links: patch }),
    step: run.step,
    say,
    resumed,
    log: deps.log,
  });

  return codeRun(frame, async (run) => {
    // 0. A retry of a job whose push landed answers the threads from what it recorded; any other retry starts over.
    const landed = await run.resume(revisionPublicationSchema);
    if (landed) {
      links.answered = job.links.answered ?? [];
      await run.check.pushed(landed.commit);
      run.check.details = { progress: null, tests: "Run by the attempt that pushed (see the replies)." };
      await publishRevision(publishing(run, true), landed, null);
      return run.ended(landed.outcome);
    }

    // 1. The pull request as it is now, and the threads to answer.
    const { data: pr } = await deps.octokit.rest.pulls.get({ ...common, pull_number: pullNumber });
    if (pr.state !== "open") {
      deps.log.info({ state: pr.state, merged: pr.merged }, "pull request no longer open; revision skipped");
      if (commanded) await say(`This pull request is ${pr.merged ? "merged" : "closed"}, so I changed nothing. Reopen it (or open a new one) and ask again.`);
      return run.ended({ state: "failed", error: `the pull request is ${pr.merged ? "merged" : "closed"}`, kind: "invalid-request" });
    }
    transcript?.trigger({ title: pr.title, body: pr.body ?? "", author: pr.user?.login ?? "ghost" });
    const fromFork = pr.head.repo === null || pr.head.repo.full_name.toLowerCase() !== pr.base.repo.full_name.toLowerCase();
    const threads = await loadReviewThreads(deps.octokit, { ...common, pullNumber, reviewId: request.reviewId, comments: request.comments, requester: job.requester, botLogin: deps.botLogin });
    const generalRequest = [request.reviewBody, request.instructions].map((t) => t.trim()).filter(Boolean).join("\n\n");
    if (threads.length === 0 && generalRequest === "") {
      deps.log.info("review has no comments and no body; nothing to revise");
      return run.ended({ state: "succeeded", kind: "no-change-needed" });
    }

    // 2. The PR's plan and earlier revisions, for context.
    const issueNumber = issueOfBranch(pr.head.ref);
    const planRef = issueNumber === null ? null : { owner: common.owner, repo: common.repo, issueNumber };
    const planFound = planRef === null ? null : await findPlanComment(deps.octokit, planRef, deps.botLogin);
    if (planFound) links.planCommentId = planFound.id;
    const prPlan = planFound?.parsed ? new LivePlan(planFound.parsed.stored.plan).render() : null;

    // 3. The branch as it is now, in a fresh sandbox.
    const opening = await run.site.open({ kind: "existing-branch", name: pr.head.ref }, signal, {
      ...(fromFork && pr.head.repo ? { repository: pr.head.repo.full_name, readOnly: true } : {}),
      ...(transcript ? { onOutput: transcript.onOutput } : {}),
    });
    if (opening.kind === "cancelled") return await endStopped(frame, run);
    if (opening.kind === "setup-failed") {
      const failed: RevisionDelivery = { kind: "not-pushed", reason: "the repository's setup failed" };
      await replyAll(threads, failed, 0, null, (t) => replyBody(t, undefined, failed, opening.message, false));
      if (threads.length === 0) await say(opening.message);
      return run.ended({ state: "failed", error: "setup failed", kind: "setup-failed" });
    }
    const bench = opening.bench;
    transcript?.addSecrets(bench.secrets);
    transcript?.watchTests(() => bench.computer.lastTestRun);
    const present = await Promise.all(threads.map((t) => bench.repo.exists(t.path)));
    const missingPaths = new Set(threads.filter((_, index) => !present[index]).map((t) => t.path));
    const code = await groundWorkbench({ dataDir: deps.dataDir, repository: `${common.owner}/${common.repo}`, repo: bench.repo, text: reviewText(generalRequest, threads), config: deps.config, log: deps.log });

    // 4. The agent, with one extra tool: the answer per thread.
    await run.step("agent");
    const answers = new ThreadAnswers(threads);
    const checklist = new LivePlan(revisionChecklist(threads, generalRequest));
    transcript?.followPlan(checklist);
    const outcome = await runRevisionAgent({
      name: "revision",
      run,
      bench,
      deps,
      signal,
      checklist,
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
      ownTools: [answers.tool],
      transcript,
      logFacts: () => ({ unanswered: answers.unanswered.length }),
    });

    // 5. Check the work may be pushed (or shown as a patch), commit and push (never force;
    // others' commits kept), then answer every thread.
    const { changes, guard: check, secrets } = await collectWork(run, bench, outcome, deps.config, transcript);
    const runEnded = `${describeOutcome(outcome, word, stoppedByOf(signal))} ${testLine(outcome.lastTestRun, bench.computer.hasTests)}`;
    const summary = scrubSecrets(outcome.kind === "finished" ? outcome.summary : describeOutcome(outcome, word, stoppedByOf(signal)), secrets);
    const changed = threads.filter((t) => answers.get(t)?.changed).length;
    const publication = (delivery: PushedDelivery): RevisionPublication => ({
      kind: "revise",
      branch: bench.repo.branch,
      commit: delivery.sha,
      replies: threads.map((t) => ({ rootId: t.rootId, replyToId: t.replyToId, body: replyBody(t, answers.get(t), delivery, runEnded, missingPaths.has(t.path), secrets), resolve: answers.get(t)?.changed === true })),
      reviewBody: answersBody(delivery, threads.length, changed, threads.length > 0 ? noticeOf(delivery) : null),
      revisionLine: revisionLine({ date: new Date(run.now()), requester: job.requester, reviewId: request.reviewId, delivery, threads: threads.length, changed, summary, costUsd: run.figures().costUsd }),
      planNote: planRef && planFound ? { issueNumber: planRef.issueNumber, line: `- Revised in #${pullNumber}${request.reviewId ? ` for review ${request.reviewId}` : ""}: [\`${delivery.sha.slice(0, 7)}\`](${delivery.url}) (@${job.requester})` } : null,
      // With threads, what no thread says goes into the review's body: one notification, not two.
      notice: threads.length === 0 ? noticeOf(delivery) : null,
      outcome: jobOutcomeOf(outcome),
    });
    const noticeOf = (delivery: RevisionDelivery) => {
      const notice = generalNotice({ delivery, changes, threads: threads.length, summary, runEnded, outcome, commandWord: word, requester: job.requester });
      return notice === null ? null : scrubSecrets(notice, secrets);
    };
    await run.step("commit");
    let recorded: RevisionPublication | null = null;
    const delivery: RevisionDelivery =
      check?.kind === "refused"
        ? { kind: "refused", refusal: check.refusal }
        : await deliver(bench, changes, outcome, { fork: fromFork, repoUrl: pr.base.repo.html_url }, async (pushing) => {
            // Recorded before the push: a retry after it answers the threads instead of running the agent again.
            recorded = publication(pushing);
            await run.checkpoint(recorded);
          });

    // 5. Answer every thread, note the revision in the PR body and the plan comment.
    if (delivery.kind === "pushed") {
      await run.check.pushed(delivery.sha);
      const progress = threads.length === 0 ? null : { what: "Review threads that changed code", done: changed, total: threads.length };
      run.check.details = { progress, tests: testLine(outcome.lastTestRun, bench.computer.hasTests) };
      await publishRevision(publishing(run, false), recorded ?? publication(delivery), { threads, pullRequestBody: pr.body, planComment: planFound });
      return run.ended(jobOutcomeOf(outcome));
    }
    const notice = noticeOf(delivery);
    await replyAll(threads, delivery, changed, notice, (t) => replyBody(t, answers.get(t), delivery, runEnded, missingPaths.has(t.path), secrets));
    if (notice && threads.length === 0) await say(notice);
    if (delivery.kind === "refused" && outcome.kind !== "cancelled") return run.ended({ state: "failed", error: `not pushed: ${pushRefusalReason(delivery.refusal)}`, kind: "not-pushed" });
    return run.ended(unpushedOutcome(jobOutcomeOf(outcome), changes));

    function replyBody(thread: ReviewThread, answer: ReturnType<ThreadAnswers["get"]>, delivery: RevisionDelivery, runEnded: string, fileMissing: boolean, secrets: readonly string[] = deps.secrets): string {
      return threadReply({ thread, answer, delivery, runEnded, fileMissing, secrets });
    }

    function answersBody(delivery: RevisionDelivery, count: number, changed: number, notice: string | null): string {
      return reviewAnswersBody({ delivery, threads: count, changed, notice, costUsd: run.figures().costUsd, job: jobLink });
    }

    /** The answers when nothing was pushed: one submitted review all the same, its body carrying the notice. */
    function replyAll(threads: readonly ReviewThread[], delivery: RevisionDelivery, changed: number, notice: string | null, body: (t: ReviewThread) => string): Promise<void> {
      return answerUnpushed(deps.octokit, job, { botLogin: deps.botLogin, log: deps.log, say }, answersBody(delivery, threads.length, changed, notice), threads.map((t) => ({ rootId: t.rootId, body: body(t) })));
    }
  });

  function deliver(bench: Workbench, changes: ChangeReport, outcome: AgentOutcome, where: { fork: boolean; repoUrl: string }, beforePush: (delivery: PushedDelivery) => Promise<void>): Promise<RevisionDelivery> {
    return pushRevision({
      octokit: deps.octokit,
      botLogin: deps.botLogin,
      requester: job.requester,
      log: deps.log,
      pushPartialWorkOnStop: deps.config.fix.pushPartialWorkOnStop,
      bench,
      changes,
      outcome,
      where,
      message: `${outcome.kind === "finished" ? "Address" : "Partly address"} review comments on #${pullNumber}\n\n${outcome.kind === "finished" ? outcome.summary : describeOutcome(outcome, word, stoppedByOf(signal))}\n\nWritten by Droid.\n`,
      beforePush,
    });
  }
}

/** What no thread reply can say: a request outside threads, a patch Droid could not push, a run that ended early (the review's body, or a PR comment when there are no threads). */
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
    runReviseJob({ ...site.bench, octokit: site.octokit, llm: site.llm, config: site.config, record: (patch) => context.progress(patch), transcript: site.transcript }, job, context.signal),
  );
}
