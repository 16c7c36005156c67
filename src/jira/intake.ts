/**
 * From a verified Jira event to a recorded job, on the request path (cheap work only):
 * the project's repository, the person's GitHub login, the permission gate on that
 * repository, then the job — or one refusal comment on the ticket, then silence.
 * `plan`, `fix` and `ask` become jobs on the ticket (`jira_issue` target); `stop`, `status`
 * and `help` are answered at once; `rca` is answered with where it works.
 */
import type { Logger } from "pino";
import type { JobCaps } from "../config/policy.ts";
import { parseCommand } from "../github/commands.ts";
import type { PermissionGate } from "../github/gate.ts";
import type { InstallationClient, MappedRepository } from "../github/installations.ts";
import { askWithoutQuestionMessage, helpMessage, statusMessage, stopMessage, unknownCommandMessage } from "../github/messages.ts";
import { recordJob } from "../github/record-job.ts";
import type { JobQueue } from "../jobs/queue.ts";
import type { JobRequest, NewJob, RepoRef, Target } from "../jobs/types.ts";
import { markdownToAdf } from "./adf.ts";
import type { JiraClient } from "./client.ts";
import type { JiraIdentities } from "./identity.ts";
import { JIRA_COMMAND_WORD, notAWriterMessage, notFromJiraMessage, unknownPersonMessage } from "./messages.ts";
import type { JiraEvent } from "./payload.ts";
import type { JiraProject, JiraSettings } from "./settings.ts";

export interface JiraIntakeDeps {
  settings: Pick<JiraSettings, "projects" | "label">;
  jira: Pick<JiraClient, "addComment" | "transitionByName" | "myself">;
  identities: Pick<JiraIdentities, "loginOf">;
  queue: JobQueue;
  gate: PermissionGate;
  caps?: JobCaps | undefined;
  github: (repo: MappedRepository) => Promise<InstallationClient>;
}

export type IntakeAnswer = { kind: "recorded" | "answered" | "refused" | "ignored"; detail: string };

/** The job target of a ticket. */
export function ticketTarget(ticketId: string): Target {
  return { kind: "jira_issue", number: Number(ticketId) };
}

export class JiraIntake {
  readonly #d: JiraIntakeDeps;
  /** People refused once (by Jira account and repository): never again. */
  readonly #refused = new Set<string>();
  /** Droid's own Jira account, asked once. */
  #self: Promise<string> | null = null;

  constructor(deps: JiraIntakeDeps) {
    this.#d = deps;
  }

  async answer(event: JiraEvent, deliveryId: string, log: Logger): Promise<IntakeAnswer> {
    const { ticket, actor } = event;
    const project = this.#d.settings.projects.get(ticket.projectKey);
    if (!project) return { kind: "ignored", detail: `Jira project ${ticket.projectKey} is not mapped to a repository (DROID_JIRA_PROJECTS)` };
    if (actor.isApp) return { kind: "ignored", detail: "apps and automation never trigger work" };
    // Unknown when Jira does not answer: Droid's account maps to no GitHub login anyway.
    if (actor.id === (await this.#droidAccount().catch(() => ""))) return { kind: "ignored", detail: "Droid's own events never trigger work" };
    const command = event.kind === "labelled" ? ({ kind: "command", name: "plan", text: "", ignored: [] } as const) : parseCommand(event.comment.body, JIRA_COMMAND_WORD);
    if (command.kind === "none") return { kind: "ignored", detail: "the comment holds no command" };
    const reply = (body: string) => this.#reply(ticket.id, body, log);

    const login = await this.#d.identities.loginOf(actor);
    const repoName = `${project.owner}/${project.repo}`;
    if (login === null) return this.#refuseOnce(actor.id, repoName, () => reply(unknownPersonMessage(actor.displayName)), "no GitHub login for this Jira account");
    const { octokit, installationId } = await this.#d.github(mappedRepository(project));
    const decision = await this.#d.gate.check(octokit, { owner: project.owner, name: project.repo }, { login, isBot: false });
    if (!decision.allowed) return this.#refuseOnce(actor.id, repoName, () => reply(notAWriterMessage(actor.displayName, login, repoName)), `${login} cannot write to ${repoName}`);

    if (command.kind === "unknown") {
      await reply(unknownCommandMessage(JIRA_COMMAND_WORD, command.word, this.#d.settings.label));
      return { kind: "answered", detail: `unknown command ${command.word}` };
    }
    const target = ticketTarget(ticket.id);
    const repo = await repoRef(octokit, project, installationId);
    const request = jobRequest(command.name, command.text);
    if (request) {
      const job: NewJob = {
        deliveryId: `jira:${deliveryId}`,
        repo,
        target,
        requester: login,
        triggerCommentId: event.kind === "comment" ? Number(event.comment.id) : null,
        request,
      };
      const replies: Promise<void>[] = [];
      await recordJob({ queue: this.#d.queue, caps: this.#d.caps }, job, JIRA_COMMAND_WORD, log, (body) => void replies.push(reply(body)));
      await Promise.all(replies);
      return { kind: "recorded", detail: `${request.kind} job for ${ticket.key} on ${repoName}` };
    }
    switch (command.name) {
      case "stop": {
        // A running job says in its own comment on the ticket that it stopped (one comment, not two).
        const said = stopMessage(await this.#d.queue.cancel(repo, target, login), JIRA_COMMAND_WORD);
        if (said !== null) await reply(said);
        break;
      }
      case "status":
        await reply(statusMessage(await this.#d.queue.listForTarget(repo, target), JIRA_COMMAND_WORD));
        break;
      case "help":
        await reply(helpMessage(JIRA_COMMAND_WORD, this.#d.settings.label));
        break;
      case "ask":
        await reply(askWithoutQuestionMessage(JIRA_COMMAND_WORD));
        break;
      default:
        await reply(notFromJiraMessage(command.name));
    }
    return { kind: "answered", detail: command.name };
  }

  /**
   * A pull request Droid opened for a ticket was merged: the ticket moves by its project's
   * `pullRequestMerged` transition, when one is set and the repository is the project's.
   */
  async pullRequestMerged(merged: { repo: string; number: number; branch: string }, log: Logger): Promise<IntakeAnswer> {
    const key = ticketKeyOfBranch(merged.branch);
    const project = key ? this.#d.settings.projects.get(key.replace(/-\d+$/, "")) : undefined;
    if (!key || !project) return { kind: "ignored", detail: "the branch names no ticket of a mapped Jira project" };
    if (`${project.owner}/${project.repo}`.toLowerCase() !== merged.repo.toLowerCase()) return { kind: "ignored", detail: `${key}'s project maps to another repository` };
    const name = project.transitions.pullRequestMerged;
    if (name === null) return { kind: "ignored", detail: `no pullRequestMerged transition for Jira project ${project.key}` };
    const moved = await this.#d.jira.transitionByName(key, name);
    log.info({ ticket: key, transition: name, moved, pullRequest: merged.number }, moved ? "Jira ticket moved: its pull request was merged" : "the ticket's workflow offers no such transition now");
    return { kind: "answered", detail: moved ? `${key} moved to ${name}` : `${key} offers no transition ${name}` };
  }

  #droidAccount(): Promise<string> {
    this.#self ??= this.#d.jira.myself();
    this.#self.catch(() => (this.#self = null));
    return this.#self;
  }

  async #refuseOnce(accountId: string, repo: string, refuse: () => Promise<void>, why: string): Promise<IntakeAnswer> {
    const key = `${accountId}|${repo}`.toLowerCase();
    if (this.#refused.has(key)) return { kind: "ignored", detail: `${why} (already refused once)` };
    this.#refused.add(key);
    await refuse();
    return { kind: "refused", detail: why };
  }

  async #reply(ticketId: string, body: string, log: Logger): Promise<void> {
    await this.#d.jira.addComment(ticketId, markdownToAdf(body)).catch((error: unknown) => log.error({ err: error, ticketId }, "could not comment on the Jira ticket"));
  }
}

/** `droid/shop-7-greeting…` → `SHOP-7` (the branch a fix on a Jira ticket pushes); null for any other branch. */
export function ticketKeyOfBranch(branch: string): string | null {
  const match = /^droid\/([a-z][a-z0-9_]*-\d+)(?:-|$)/.exec(branch);
  return match?.[1] ? match[1].toUpperCase() : null;
}

function jobRequest(name: string, text: string): JobRequest | null {
  if (name === "plan") return { kind: "plan", feedback: text };
  if (name === "fix") return { kind: "fix", instructions: text };
  if (name === "ask" && text !== "") return { kind: "ask", question: text };
  return null;
}

export function mappedRepository(project: JiraProject): MappedRepository {
  return { owner: project.owner, repo: project.repo, installationId: project.installationId, mappedAs: { entry: `Jira project ${project.key}`, setting: "DROID_JIRA_PROJECTS" } };
}

async function repoRef(octokit: InstallationClient["octokit"], project: JiraProject, installationId: number): Promise<RepoRef> {
  const { data } = await octokit.rest.repos.get({ owner: project.owner, repo: project.repo });
  return { owner: data.owner.login, name: data.name, installationId, defaultBranch: data.default_branch };
}
