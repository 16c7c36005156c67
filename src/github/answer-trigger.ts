/**
 * What Droid does with a trigger, on the webhook's request path: cheap work only.
 * Gate it, record the job, and decide the answers (👀, replies to help, status, stop).
 * The answers are returned as data and sent after the webhook is acknowledged
 * (`sendAnswers`); everything slow runs later in a worker.
 */
import type { Logger } from "pino";
import type { CommandName } from "../config/names.ts";
import type { RepoConfig } from "../config/repo-config.ts";
import { rcaRequest } from "./rca-command.ts";
import type { JobCaps } from "../config/policy.ts";
import type { JobQueue } from "../jobs/queue.ts";
import { dailyUsage, hasDailyCap } from "../jobs/spending.ts";
import type { JobRequest, NewJob } from "../jobs/types.ts";
import { mayHoldCommand, parseCommand } from "./commands.ts";
import type { PermissionGate } from "./gate.ts";
import * as say from "./messages.ts";
import type { GitHubClient } from "./octokit.ts";
import type { GitHubOutbox } from "./outbox.ts";
import { spendingLine } from "./policy-messages.ts";
import { recordJob as recordNewJob } from "./record-job.ts";
import type { RepoConfigCache } from "./repo-config-loader.ts";
import type { Trigger } from "./triggers.ts";

export interface TriggerDeps {
  octokit: GitHubClient;
  queue: JobQueue;
  gate: PermissionGate;
  configs: RepoConfigCache;
  /** The operator's caps (default: the settings' defaults). */
  caps?: JobCaps | undefined;
  /** `DROID_DOCS_URL`: where Droid's documentation is published (messages link it). */
  docsUrl?: string | null | undefined;
  log: Logger;
}

/** What Droid says back on GitHub, in order. */
export type Answer = { kind: "react" } | { kind: "reply"; body: string };

/** What the trigger asks for, once the repo's names are known. */
type Intent =
  | { kind: "none"; why: string }
  | { kind: "command"; name: CommandName; text: string; ignored: string[] }
  | { kind: "unknown"; typed: string; ignored: string[] }
  | { kind: "job"; request: JobRequest };

const DROID_BRANCH_PREFIX = "droid/";

export async function answerTrigger(trigger: Trigger, deps: TriggerDeps): Promise<Answer[]> {
  const answers: Answer[] = [];
  await decide(trigger, deps, answers);
  return answers;
}

async function decide(trigger: Trigger, deps: TriggerDeps, out: Answer[]): Promise<void> {
  const react = () => void out.push({ kind: "react" });
  const reply = (body: string) => void out.push({ kind: "reply", body });
  const log = deps.log.child({ repo: `${trigger.repo.owner}/${trigger.repo.name}`, number: trigger.target.number });
  const skip = precheck(trigger);
  if (skip) return void log.debug({ why: skip }, "nothing to do");
  // A redelivery of a webhook that already recorded a job is answered by that job: say nothing again.
  if (await deps.queue.findByDelivery(trigger.deliveryId)) return void log.info({ deliveryId: trigger.deliveryId }, "redelivered webhook: already recorded");

  const loaded = await deps.configs.get(deps.octokit, trigger.repo);
  const intent = readIntent(trigger, loaded.config);
  if (intent.kind === "none") return void log.debug({ why: intent.why }, "nothing to do");

  const decision = await deps.gate.check(deps.octokit, trigger.repo, trigger.sender);
  if (!decision.allowed) {
    log.info({ sender: trigger.sender.login, reason: decision.reason }, "trigger refused");
    if (decision.reason === "permission" && decision.refuse) {
      reply(say.refusalMessage(trigger.sender.login, loaded.config.command));
    }
    return;
  }
  if (!loaded.ok) {
    log.warn({ problems: loaded.problems }, "invalid repository configuration");
    reply(say.configProblemMessage(loaded.problems, deps.docsUrl ?? null));
    return;
  }
  const { config } = loaded;

  switch (intent.kind) {
    case "unknown":
      react();
      reply(say.unknownCommandMessage(config.command, intent.typed, config.label));
      return;
    case "job":
      react();
      await recordJob(deps, trigger, intent.request, config, log, reply);
      return;
    case "command":
      react();
      await answerCommand(deps, trigger, intent, config, log, reply);
      return;
  }
}

/** Reasons to stop before any API call. */
function precheck(trigger: Trigger): string | null {
  if (trigger.sender.isBot) return "bots never trigger work";
  switch (trigger.kind) {
    case "comment":
      return mayHoldCommand(trigger.body) ? null : "comment holds no command";
    case "label":
      return null;
    case "review":
      if (trigger.state !== "commented" && trigger.state !== "changes_requested") return `review state ${trigger.state}`;
      return droidPullRequest(trigger.head);
    case "review-reply":
      return droidPullRequest(trigger.head);
  }
}

function droidPullRequest(head: { branch: string; sameRepository: boolean; open: boolean }): string | null {
  if (!head.branch.startsWith(DROID_BRANCH_PREFIX) || !head.sameRepository) return "not a pull request Droid opened";
  if (!head.open) return "pull request is closed";
  return null;
}

function readIntent(trigger: Trigger, config: RepoConfig): Intent {
  switch (trigger.kind) {
    case "label":
      return trigger.label.toLowerCase() === config.label.toLowerCase()
        ? { kind: "job", request: { kind: "plan", feedback: "" } }
        : { kind: "none", why: `label ${trigger.label} is not ${config.label}` };
    case "comment": {
      const parsed = parseCommand(trigger.body, config.command);
      if (parsed.kind === "none") return { kind: "none", why: "comment holds no command" };
      if (parsed.kind === "unknown") return { kind: "unknown", typed: parsed.word, ignored: parsed.ignored };
      return { kind: "command", name: parsed.name, text: parsed.text, ignored: parsed.ignored };
    }
    case "review":
      return {
        kind: "job",
        request: {
          kind: "revise",
          branch: trigger.head.branch,
          reviewId: trigger.reviewId,
          reviewBody: trigger.body,
          comments: [],
          instructions: "",
        },
      };
    case "review-reply":
      return {
        kind: "job",
        request: {
          kind: "revise",
          branch: trigger.head.branch,
          // The reply's review: its own review event is then recognised as the same request.
          reviewId: trigger.reviewId,
          reviewBody: "",
          comments: [
            {
              id: trigger.commentId,
              body: trigger.body,
              path: trigger.path,
              line: trigger.line,
              diffHunk: trigger.diffHunk,
              inReplyToId: trigger.inReplyToId,
            },
          ],
          instructions: "",
        },
      };
  }
}

async function answerCommand(
  deps: TriggerDeps,
  trigger: Trigger,
  command: Extract<Intent, { kind: "command" }>,
  config: RepoConfig,
  log: Logger,
  reply: (body: string) => void,
): Promise<void> {
  const note = command.ignored.length > 0 ? say.ignoredCommandsNote(config.command, command.name, command.ignored) : null;
  const withNote = (text: string) => (note ? `${text}\n\n${note}` : text);
  switch (command.name) {
    case "help":
      return reply(withNote(say.helpMessage(config.command, config.label)));
    case "status": {
      const jobs = await deps.queue.listForTarget(trigger.repo, trigger.target);
      const spent = deps.caps && hasDailyCap(deps.caps) ? spendingLine(await dailyUsage(deps.queue, trigger.repo), deps.caps) : null;
      return reply(withNote([say.statusMessage(jobs, config.command), ...(spent ? [spent] : [])].join("\n\n")));
    }
    case "stop": {
      const cancelled = await deps.queue.cancel(trigger.repo, trigger.target, trigger.sender.login);
      log.info({ jobs: cancelled.map((j) => j.id) }, "stop requested");
      // A running job's own comment says it stopped: the 👀 on the command is the acknowledgement.
      const stopped = say.stopMessage(cancelled, config.command);
      if (stopped !== null || note !== null) reply(stopped === null ? (note ?? "") : withNote(stopped));
      return;
    }
    case "plan":
      if (trigger.target.kind === "pull_request") return reply(say.planOnPullRequestMessage(config.command));
      await recordJob(deps, trigger, { kind: "plan", feedback: command.text }, config, log, reply);
      if (note) reply(note);
      return;
    case "fix": {
      const request = await fixRequest(deps, trigger, command.text, config, reply);
      if (!request) return;
      await recordJob(deps, trigger, request, config, log, reply);
      if (note) reply(note);
      return;
    }
    case "ask": {
      const question = command.text.trim();
      if (question === "") return reply(withNote(say.askWithoutQuestionMessage(config.command)));
      await recordJob(deps, trigger, { kind: "ask", question }, config, log, reply);
      if (note) reply(note);
      return;
    }
    case "rca": {
      const rca = await rcaRequest(deps.octokit, trigger.repo, trigger.target, config.command);
      if (rca.kind === "refused") return reply(withNote(rca.message));
      await recordJob(deps, trigger, rca.request, config, log, reply);
      if (note) reply(note);
      return;
    }
  }
}

/** `/droid fix` on an issue executes the plan; on a pull request it revises the PR's branch. */
async function fixRequest(
  deps: TriggerDeps,
  trigger: Trigger,
  text: string,
  config: RepoConfig,
  reply: (body: string) => void,
): Promise<JobRequest | null> {
  if (trigger.target.kind === "issue") return { kind: "fix", instructions: text };
  const { data: pr } = await deps.octokit.rest.pulls.get({
    owner: trigger.repo.owner,
    repo: trigger.repo.name,
    pull_number: trigger.target.number,
  });
  if (pr.state !== "open") {
    reply(say.closedPullRequestMessage());
    return null;
  }
  if (pr.head.repo === null) {
    reply(say.forkGoneMessage());
    return null;
  }
  // A fork's branch cannot be pushed to: the revision still runs and offers its patch.
  if (pr.head.repo.full_name !== pr.base.repo.full_name) reply(say.forkMessage());
  return { kind: "revise", branch: pr.head.ref, reviewId: null, reviewBody: "", comments: [], instructions: text };
}

/** The job as the trigger asks for it, recorded within the operator's caps (`record-job.ts`). */
function recordJob(deps: TriggerDeps, trigger: Trigger, request: JobRequest, config: RepoConfig, log: Logger, reply: (body: string) => void): Promise<void> {
  const job: NewJob = {
    deliveryId: trigger.deliveryId,
    repo: trigger.repo,
    target: trigger.target,
    requester: trigger.sender.login,
    triggerCommentId: trigger.kind === "comment" || trigger.kind === "review-reply" ? trigger.commentId : null,
    request,
  };
  return recordNewJob(deps, job, config.command, log, reply);
}

/** Sends the answers through the outbox, after the webhook is acknowledged. */
export function sendAnswers(octokit: GitHubClient, trigger: Trigger, answers: readonly Answer[], outbox: GitHubOutbox): void {
  if (answers.length === 0) return;
  const writes = answers.map((answer) => () => (answer.kind === "react" ? react(octokit, trigger) : reply(octokit, trigger, answer.body)));
  outbox.send("answer trigger", { deliveryId: trigger.deliveryId, repo: `${trigger.repo.owner}/${trigger.repo.name}`, number: trigger.target.number }, writes);
}

async function react(octokit: GitHubClient, trigger: Trigger): Promise<void> {
  const { owner, name: repo } = trigger.repo;
  switch (trigger.kind) {
    case "comment":
      await octokit.rest.reactions.createForIssueComment({ owner, repo, comment_id: trigger.commentId, content: "eyes" });
      return;
    case "label":
      await octokit.rest.reactions.createForIssue({ owner, repo, issue_number: trigger.target.number, content: "eyes" });
      return;
    case "review-reply":
      await octokit.rest.reactions.createForPullRequestReviewComment({ owner, repo, comment_id: trigger.commentId, content: "eyes" });
      return;
    case "review":
      // GitHub has no reactions on reviews; the revision's thread replies are the answer.
      return;
  }
}

async function reply(octokit: GitHubClient, trigger: Trigger, body: string): Promise<void> {
  await octokit.rest.issues.createComment({
    owner: trigger.repo.owner,
    repo: trigger.repo.name,
    issue_number: trigger.target.number,
    body,
  });
}
