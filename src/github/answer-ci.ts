/**
 * What Droid does when the CI of a commit moved, on the webhook's request path. When the
 * commit is the head of an open pull request Droid opened (`droid/…`, same repository), every
 * reported check of it has finished and at least one failed, it records one `ci-revision`
 * job for that commit — keyed by the commit (`ciDeliveryId`), so duplicate and out-of-order
 * events, and redeliveries, record it once. Past the repository's attempt limit it posts one
 * comment saying what still fails instead, and records nothing: the job store hands that
 * notice to one delivery (`claimNotice`), whatever the number of events and processes.
 * A push to the branch ends the queued CI revision of the commit it replaced at once.
 *
 * CI is the one trigger a bot sends (GitHub Actions, a CI app): nobody's permission is
 * checked, because nobody asked; the work is bounded by `ci.maxAttempts` and the job budget.
 */
import type { Logger } from "pino";
import type { JobCaps } from "../config/policy.ts";
import { ciDeliveryId, ciStopNoticeKey, type JobQueue } from "../jobs/queue.ts";
import type { NewJob } from "../jobs/types.ts";
import { ciVerdict, readCommitChecks } from "./ci-checks.ts";
import { DROID_BRANCH_PREFIX, type BranchPush, type CiSignal } from "./ci-events.ts";
import { CI_STOPPED_MARKER, ciStoppedMessage } from "./messages.ts";
import type { GitHubClient } from "./octokit.ts";
import type { GitHubOutbox } from "./outbox.ts";
import { recordJob } from "./record-job.ts";
import type { RepoConfigCache } from "./repo-config-loader.ts";

export interface CiSignalDeps {
  octokit: GitHubClient;
  queue: JobQueue;
  configs: RepoConfigCache;
  outbox: GitHubOutbox;
  caps?: JobCaps | undefined;
  log: Logger;
}

/** Records the ci-revision a failed head commit asks for, or says why not (debug log). */
export async function answerCiSignal(signal: CiSignal, deps: CiSignalDeps): Promise<void> {
  const log = deps.log.child({ repo: `${signal.repo.owner}/${signal.repo.name}`, sha: signal.headSha, event: signal.event });
  if (signal.headBranch !== null && !signal.headBranch.startsWith(DROID_BRANCH_PREFIX)) return void log.debug("CI of a branch Droid did not make");
  const deliveryId = ciDeliveryId(signal.repo, signal.headSha);
  if (await deps.queue.findByDelivery(deliveryId)) return void log.debug("this commit's CI revision is already recorded");

  const common = { owner: signal.repo.owner, repo: signal.repo.name };
  const { data: pulls } = await deps.octokit.rest.repos.listPullRequestsAssociatedWithCommit({ ...common, commit_sha: signal.headSha });
  const pr = pulls.find((p) => p.state === "open" && p.head.sha === signal.headSha && p.head.ref.startsWith(DROID_BRANCH_PREFIX) && p.head.repo?.full_name === p.base.repo.full_name);
  if (!pr) return void log.debug("not the head of an open pull request Droid opened");

  const loaded = await deps.configs.get(deps.octokit, signal.repo);
  if (!loaded.ok) return void log.info({ problems: loaded.problems }, "invalid repository configuration: CI not followed");
  const { config } = loaded;
  if (config.ci.maxAttempts === 0) return void log.debug("CI revisions are off (ci.maxAttempts: 0)");

  const verdict = ciVerdict(await readCommitChecks(deps.octokit, { ...common, ref: signal.headSha }));
  if (verdict.kind !== "failed") return void log.debug({ verdict: verdict.kind }, "CI has not failed (or not finished)");

  const target = { kind: "pull_request" as const, number: pr.number };
  const jobs = await deps.queue.listForTarget(signal.repo, target, 100);
  const attempts = jobs.filter((j) => j.request.kind === "ci-revision" && j.request.headSha !== signal.headSha && j.outcome !== "superseded").length;
  if (attempts >= config.ci.maxAttempts) {
    log.info({ attempts, pullNumber: pr.number }, "CI still fails after the last automatic attempt");
    const body = ciStoppedMessage({ failing: verdict.failed, attempts, headSha: signal.headSha, word: config.command });
    return postCiStop(deps, { ...common, issueNumber: pr.number }, signal, body, log);
  }

  const job: NewJob = {
    deliveryId,
    repo: signal.repo,
    target,
    // Nobody asked: the pull request's author (Droid, which opened it) is recorded.
    requester: pr.user?.login ?? "ghost",
    triggerCommentId: null,
    request: { kind: "ci-revision", branch: pr.head.ref, headSha: signal.headSha, attempt: attempts + 1, failing: verdict.failed.map((c) => c.name) },
  };
  const replies: string[] = [];
  await recordJob(deps, job, config.command, log, (body) => void replies.push(body));
  if (replies.length > 0) {
    deps.outbox.send("CI revision refused", { deliveryId: signal.deliveryId, number: pr.number }, replies.map((body) => () => deps.octokit.rest.issues.createComment({ ...common, issue_number: pr.number, body })));
  }
}

/**
 * The stop comment, once per pull request. The job store hands the notice to one delivery
 * (`claimNotice`: atomic across webhook servers and workers, in SQLite and in Redis), so
 * two failing events at once cannot both post. That delivery looks for the hidden marker
 * first — an earlier attempt of the same delivery may have posted before a crash, and pull
 * requests stopped before the store kept notices have only the comment — and posts on the
 * request path, not through the outbox: when the post fails or the process dies, GitHub
 * sees the delivery fail, and its redelivery (the same delivery id) finishes the work.
 */
async function postCiStop(deps: CiSignalDeps, ref: { owner: string; repo: string; issueNumber: number }, signal: CiSignal, body: string, log: Logger): Promise<void> {
  const key = ciStopNoticeKey({ owner: ref.owner, name: ref.repo }, ref.issueNumber);
  if (!(await deps.queue.claimNotice(key, signal.deliveryId))) return void log.debug("another delivery posts the CI stop comment");
  if (await alreadyStopped(deps.octokit, ref)) return void log.debug("the CI stop comment is already posted");
  await deps.octokit.rest.issues.createComment({ owner: ref.owner, repo: ref.repo, issue_number: ref.issueNumber, body });
}

/**
 * A push to a Droid pull request's branch: the CI revision still queued for the commit it
 * replaced (`before`) ends at once, `superseded`, through the store's `supersede` (atomic with
 * a worker's claim). One a worker already runs is left alone: it sees the new head and ends
 * superseded on its own. Only the replaced commit's job is touched, so a late or redelivered
 * push event never ends the job of a newer head.
 */
export async function answerBranchPush(push: BranchPush, deps: { queue: JobQueue; log: Logger }): Promise<void> {
  const log = deps.log.child({ repo: `${push.repo.owner}/${push.repo.name}`, pullNumber: push.pullNumber, before: push.before, after: push.after, pusher: push.pusher });
  const jobs = await deps.queue.listForTarget(push.repo, { kind: "pull_request", number: push.pullNumber }, 100);
  const moot = jobs.filter((j) => j.state === "queued" && j.request.kind === "ci-revision" && j.request.headSha === push.before);
  if (moot.length === 0) return void log.debug("no CI revision queued for the replaced commit");
  for (const job of moot) {
    const ended = await deps.queue.supersede(job.id);
    if (ended) log.info({ jobId: job.id }, "a push replaced the commit of a queued CI revision; it ended superseded");
    else log.debug({ jobId: job.id }, "the CI revision started meanwhile; its run ends superseded on its own");
  }
}

/** Whether a bot already posted the stop comment on the pull request (one per pull request). */
async function alreadyStopped(octokit: GitHubClient, ref: { owner: string; repo: string; issueNumber: number }): Promise<boolean> {
  const comments = await octokit.paginate(octokit.rest.issues.listComments, { owner: ref.owner, repo: ref.repo, issue_number: ref.issueNumber, per_page: 100 });
  return comments.some((c) => c.user?.type === "Bot" && (c.body ?? "").includes(CI_STOPPED_MARKER));
}
