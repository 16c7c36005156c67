/**
 * A CI revision: the checks of a pull request Droid opened failed on its head commit; Droid
 * reads each failure as an engineer would (the failed steps and the digested log of an
 * Actions job, another check's report and annotations), tells apart what also fails on the
 * default branch (pre-existing), and pushes one commit that fixes the rest, answered by one
 * PR comment. The same frame, workbench, tools, push guard and checkpoint as a review revision.
 */
import type { Logger } from "pino";
import { ciVerdict, failingCheckNames, readCommitChecks } from "../github/ci-checks.ts";
import { readCiFailures } from "../github/ci-failures.ts";
import { describeOutcome, testLine } from "../github/fix-report.ts";
import type { GitHubClient } from "../github/octokit.ts";
import { findPlanComment } from "../github/plan-comment.ts";
import { pushRefusalDetails, pushRefusalReason } from "../github/push-refusal.ts";
import type { RevisionDelivery } from "../github/revision-report.ts";
import { inlineCode, safeMarkdown } from "../github/safe-markdown.ts";
import { scrubSecrets } from "../github/text.ts";
import type { Job, JobLinks } from "../jobs/types.ts";
import { stoppedByOf, type JobRunner } from "../jobs/worker.ts";
import type { LlmClient } from "../llm/index.ts";
import { describeRepoCommands } from "../sandbox/index.ts";
import { ciChecklist, ciRevisionTaskMessage, digestCiLog, type CiFailureInput } from "../agent/ci-prompt.ts";
import { LivePlan } from "../agent/live-plan.ts";
import { ciPublicationSchema, publishCiRevision, type CiPublication, type CiPublishContext } from "./ci-publication.ts";
import { codeRun, endStopped, type CodeRun, type CodeRunResult } from "./code-run.ts";
import { groundWorkbench } from "./codebase.ts";
import { issueOfBranch } from "./revise.ts";
import { collectWork, pushRevision } from "./revision-push.ts";
import { runRevisionAgent } from "./revision-agent.ts";
import { jobComment, siteRunner, type RunnerServices } from "./site.ts";
import type { TranscriptRecorder } from "./transcript-recorder.ts";
import { jobOutcomeOf, unpushedOutcome, type WorkbenchDeps } from "./workbench.ts";

export interface CiRevisionDeps extends WorkbenchDeps {
  octokit: GitHubClient;
  llm: LlmClient;
  botLogin: string;
  log: Logger;
  now?: () => number;
  record?: (patch: { links?: JobLinks; costUsd?: number }) => Promise<void>;
  transcript?: TranscriptRecorder;
}

const MAX_DIFF_CHARS = 40_000;

export async function runCiRevisionJob(deps: CiRevisionDeps, job: Job, signal: AbortSignal): Promise<CodeRunResult> {
  const request = job.request;
  if (request.kind !== "ci-revision") throw new Error(`runCiRevisionJob got a ${request.kind} job`);
  const word = deps.config.command;
  const common = { owner: job.repo.owner, repo: job.repo.name };
  const pullNumber = job.target.number;
  const say = jobComment(deps.octokit, job, deps.publicUrl ?? null);
  const links: JobLinks = { pullRequestNumber: pullNumber, branch: request.branch };
  const record = async (patch: { links?: JobLinks; costUsd?: number }) => deps.record?.(patch);
  const transcript = deps.transcript;
  const check = { octokit: deps.octokit, publicUrl: deps.publicUrl ?? null, log: deps.log };
  const frame = { deps, job, signal, model: deps.config.model ?? deps.llm.model, links, commandWord: word, say, record, check, ...(transcript ? { transcript } : {}) };
  const publishing = (run: CodeRun, resumed: boolean): CiPublishContext => ({ octokit: deps.octokit, job, botLogin: deps.botLogin, commandWord: word, links, record: (patch) => record({ links: patch }), step: run.step, say, resumed, log: deps.log });
  const attemptLine = `Automatic CI fix, attempt ${request.attempt} of ${deps.config.ci.maxAttempts}`;

  return codeRun(frame, async (run) => {
    // 0. A retry of a job whose push landed publishes what it recorded; any other retry starts over.
    const landed = await run.resume(ciPublicationSchema);
    if (landed) {
      await run.check.pushed(landed.commit);
      run.check.details = { progress: null, tests: "Run by the attempt that pushed (see its comment)." };
      await publishCiRevision(publishing(run, true), landed);
      return run.ended(landed.outcome);
    }

    // 1. The pull request as it is now: a commit that is no longer its head (someone pushed) is not revised.
    const { data: pr } = await deps.octokit.rest.pulls.get({ ...common, pull_number: pullNumber });
    if (pr.state !== "open") return run.ended({ state: "failed", error: `the pull request is ${pr.merged ? "merged" : "closed"}`, kind: "invalid-request" });
    if (pr.head.sha !== request.headSha) {
      deps.log.info({ recorded: request.headSha, head: pr.head.sha }, "the failed commit is no longer the pull request's head; CI revision skipped");
      return run.ended({ state: "succeeded", kind: "superseded" });
    }
    transcript?.trigger({ title: pr.title, body: pr.body ?? "", author: pr.user?.login ?? "ghost" });

    // 2. The failures, read as an engineer reads them, and what already failed on the default branch.
    const verdict = ciVerdict(await readCommitChecks(deps.octokit, { ...common, ref: request.headSha }));
    if (verdict.kind !== "failed") {
      deps.log.info({ verdict: verdict.kind }, "the head commit's CI no longer fails (re-run?); nothing to revise");
      return run.ended({ state: "succeeded", kind: "superseded" });
    }
    const onBase = await failingCheckNames(deps.octokit, { ...common, ref: job.repo.defaultBranch });
    const failures: CiFailureInput[] = (await readCiFailures(deps.octokit, common, verdict.failed)).map((f) => ({
      name: f.name,
      kind: f.kind,
      conclusion: f.conclusion,
      failedSteps: f.failedSteps,
      logDigest: f.log ? digestCiLog({ check: f.name, ...f.log }) : null,
      logProblem: f.logProblem,
      report: f.report,
      annotations: f.annotations,
      preexisting: onBase.has(f.name),
    }));
    const urls = new Map(verdict.failed.map((c) => [c.name, c.url]));
    const failedLine = `CI failed on \`${request.headSha.slice(0, 7)}\`: ${failures.map((f) => checkLink(f.name, urls.get(f.name) ?? null)).join(", ")}.`;
    const preexisting = failures.filter((f) => f.preexisting);
    const preexistingLine = preexisting.length === 0 ? null : `Pre-existing, not fixed here: ${preexisting.map((f) => inlineCode(f.name)).join(", ")} also fail${preexisting.length === 1 ? "s" : ""} on \`${job.repo.defaultBranch}\`.`;
    if (preexisting.length === failures.length) {
      await say([`**${attemptLine}**`, "", failedLine, "", preexistingLine ?? "", "", "This pull request did not cause these failures, so I changed nothing."].join("\n"));
      return run.ended({ state: "succeeded", kind: "no-change-needed" });
    }

    // 3. The plan of the PR's issue (for its note), and the branch as it is now, in a fresh sandbox.
    const issueNumber = issueOfBranch(pr.head.ref);
    const planRef = issueNumber === null ? null : { ...common, issueNumber };
    const planFound = planRef === null ? null : await findPlanComment(deps.octokit, planRef, deps.botLogin);
    if (planFound) links.planCommentId = planFound.id;
    const opening = await run.site.open({ kind: "existing-branch", name: pr.head.ref }, signal, transcript ? { onOutput: transcript.onOutput } : {});
    if (opening.kind === "cancelled") return await endStopped(frame, run);
    if (opening.kind === "setup-failed") {
      await say(`${failedLine}\n\n${opening.message}`);
      return run.ended({ state: "failed", error: "setup failed", kind: "setup-failed" });
    }
    const bench = opening.bench;
    transcript?.addSecrets(bench.secrets);
    transcript?.watchTests(() => bench.computer.lastTestRun);
    const { data: diff } = await deps.octokit.rest.pulls.get({ ...common, pull_number: pullNumber, mediaType: { format: "diff" } });
    const failureText = failures.flatMap((f) => [f.name, ...f.failedSteps, ...f.annotations.map((a) => `${a.path} ${a.message}`), f.logDigest ?? "", f.report]).join("\n");
    const code = await groundWorkbench({ dataDir: deps.dataDir, repository: `${common.owner}/${common.repo}`, repo: bench.repo, text: failureText, config: deps.config, log: deps.log });

    // 4. The agent, with the same tools as a review revision.
    await run.step("agent");
    const checklist = new LivePlan(ciChecklist(failures));
    transcript?.followPlan(checklist);
    const outcome = await runRevisionAgent({
      name: "CI revision",
      run,
      bench,
      deps,
      signal,
      checklist,
      taskMessage: ciRevisionTaskMessage({
        repo: `${common.owner}/${common.repo}`,
        pullNumber,
        branch: pr.head.ref,
        headSha: request.headSha,
        defaultBranch: job.repo.defaultBranch,
        failures,
        commands: describeRepoCommands(bench.commands).map((l) => `- ${l}`).join("\n"),
        diff: String(diff).slice(0, MAX_DIFF_CHARS),
        code,
      }),
      transcript,
    });

    // 5. Checked, one commit, pushed (never forced; others' commits kept), then one PR comment.
    const { changes, guard, secrets } = await collectWork(run, bench, outcome, deps.config, transcript);
    const cause = scrubSecrets(outcome.kind === "finished" ? outcome.summary : describeOutcome(outcome, word, stoppedByOf(signal)), secrets);
    const tests = testLine(outcome.lastTestRun, bench.computer.hasTests);
    const commentOf = (delivery: RevisionDelivery): string => {
      const lines = [`**${attemptLine}**`, "", failedLine];
      if (preexistingLine) lines.push("", preexistingLine);
      lines.push("", "**Cause and change:**", safeMarkdown(cause, {}));
      if (changes.files.length > 0) lines.push("", `**Changed:** ${changes.files.slice(0, 20).map((f) => inlineCode(f.path)).join(", ")}${changes.files.length > 20 ? ` and ${changes.files.length - 20} more` : ""}`);
      lines.push("", tests);
      if (delivery.kind === "pushed") lines.push("", `Pushed [\`${delivery.sha.slice(0, 7)}\`](${delivery.url}); CI runs again on it.`);
      else if (delivery.kind === "refused") lines.push("", pushRefusalDetails(delivery.refusal, { diff: changes.diff, fileCount: changes.files.length, commandWord: word }));
      else lines.push("", `Nothing pushed: ${delivery.reason}.`);
      return scrubSecrets(lines.join("\n"), secrets);
    };
    const publication = (delivery: Extract<RevisionDelivery, { kind: "pushed" }>): CiPublication => ({
      kind: "ci-revision",
      branch: bench.repo.branch,
      commit: delivery.sha,
      comment: commentOf(delivery),
      planNote: planRef && planFound ? { issueNumber: planRef.issueNumber, line: `- CI fix in #${pullNumber} (${failures.filter((f) => !f.preexisting).map((f) => f.name).join(", ")}): [\`${delivery.sha.slice(0, 7)}\`](${delivery.url})` } : null,
      outcome: jobOutcomeOf(outcome),
    });
    await run.step("commit");
    let recorded: CiPublication | null = null;
    const delivery: RevisionDelivery =
      guard?.kind === "refused"
        ? { kind: "refused", refusal: guard.refusal }
        : await pushRevision({
            octokit: deps.octokit,
            botLogin: deps.botLogin,
            requester: job.requester,
            log: deps.log,
            pushPartialWorkOnStop: deps.config.fix.pushPartialWorkOnStop,
            bench,
            changes,
            outcome,
            where: { fork: false, repoUrl: pr.base.repo.html_url },
            message: `Fix CI on #${pullNumber}: ${failures.filter((f) => !f.preexisting).map((f) => f.name).join(", ")}\n\n${cause}\n\nWritten by Droid.\n`,
            beforePush: async (pushing) => {
              // Recorded before the push: a retry after it publishes instead of running the agent again.
              recorded = publication(pushing);
              await run.checkpoint(recorded);
            },
          });
    if (delivery.kind === "pushed") {
      await run.check.pushed(delivery.sha);
      run.check.details = { progress: null, tests };
      await publishCiRevision(publishing(run, false), recorded ?? publication(delivery), planFound);
      return run.ended(jobOutcomeOf(outcome));
    }
    await say(commentOf(delivery));
    if (delivery.kind === "refused" && outcome.kind !== "cancelled") return run.ended({ state: "failed", error: `not pushed: ${pushRefusalReason(delivery.refusal)}`, kind: "not-pushed" });
    return run.ended(unpushedOutcome(jobOutcomeOf(outcome), changes));
  });
}

function checkLink(name: string, url: string | null): string {
  return url ? `[${inlineCode(name)}](${url})` : inlineCode(name);
}

export function ciRevisionRunner(services: RunnerServices): JobRunner {
  return siteRunner(services, (site, job, context) =>
    runCiRevisionJob({ ...site.bench, octokit: site.octokit, llm: site.llm, config: site.config, record: (patch) => context.progress(patch), transcript: site.transcript }, job, context.signal),
  );
}
