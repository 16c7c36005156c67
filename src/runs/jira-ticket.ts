/**
 * A Jira ticket as the thread a job reads and answers in: the `PlanThread` of a plan
 * job, and what a fix run tells the ticket (the live plan, comments, the pull request
 * as a remote link, transitions by name).
 *
 * What the model reads: the summary, the description (ADF → Markdown), the epic or
 * parent's summary, issue links, sub-tasks and attachment names (one data block whose
 * authors are not checked), and comments made before the trigger by people who map to a
 * GitHub writer of the repository — all through the same cleaning as GitHub text — and of the
 * mapped repository what a GitHub issue's plan reads (README, CONTRIBUTING, AGENTS.md,
 * languages, top level, `.github/droid.yml`, plan templates).
 *
 * The plan's JSON lives in an issue property (`droid.plan`: the comment's id and the
 * stored plan), hidden from people and not editable in Jira's UI; the comment shows
 * the plan in ADF and is edited in place on re-plans and while a fix runs.
 */
import { z } from "zod";
import type { Logger } from "pino";
import { jobReference } from "../github/comment-text.ts";
import type { PermissionGate } from "../github/gate.ts";
import type { GitHubClient } from "../github/octokit.ts";
import type { PlanCommentView } from "../github/plan-comment.ts";
import { markdownToAdf } from "../jira/adf.ts";
import type { CommentProperty, JiraClient, JiraComment, JiraIssue, JiraUser } from "../jira/client.ts";
import type { SteeringMessage } from "../agent/loop.ts";
import { parseCommand } from "../github/commands.ts";
import type { JiraIdentities } from "../jira/identity.ts";
import { renderPlanAdf } from "../jira/plan-adf.ts";
import type { JiraProject, JiraSettings } from "../jira/settings.ts";
import type { Job } from "../jobs/types.ts";
import type { IssueContext, ThreadComment } from "../planning/issue-context.ts";
import { StoredPlanSchema, type StoredPlan } from "../planning/schema.ts";
import { cleanUntrustedText, trimToBoundary } from "../prompting/index.ts";
import { gatherRepositoryContext } from "../github/context/gather.ts";
import { runPageUrl } from "../config/public-url.ts";
import type { ContextRequest, PlanThread, PreviousPlan } from "./plan-thread.ts";

/** What the worker has of Jira when it is configured. */
export interface JiraServices {
  client: JiraClient;
  identities: JiraIdentities;
  settings: Pick<JiraSettings, "projects">;
}

export const PLAN_PROPERTY = "droid.plan";
/** The comment property marking a job's closing report (`{ job: <job id> }`). */
export const RESULT_PROPERTY = "droid.result";
const resultJob = (value: unknown): string | null => {
  const parsed = z.object({ job: z.string() }).safeParse(value);
  return parsed.success ? parsed.data.job : null;
};
const planPropertySchema = z.object({ commentId: z.string(), stored: StoredPlanSchema });

/** Shares of the context budget: the description, the details appendix, each comment. */
const SHARES = { body: 0.3, details: 0.1, comment: 0.1, comments: 0.4 } as const;

export class JiraTicket implements PlanThread {
  readonly id: string;
  readonly #jira: JiraServices;
  readonly #job: Job;
  readonly #octokit: GitHubClient;
  readonly #gate: PermissionGate;
  readonly #log: Logger;
  readonly #publicUrl: string | null;
  #issue: Promise<JiraIssue> | null = null;

  constructor(o: { jira: JiraServices; job: Job; octokit: GitHubClient; gate: PermissionGate; log: Logger; publicUrl: string | null }) {
    this.id = String(o.job.target.number);
    this.#jira = o.jira;
    this.#job = o.job;
    this.#octokit = o.octokit;
    this.#gate = o.gate;
    this.#log = o.log;
    this.#publicUrl = o.publicUrl;
  }

  /** The ticket, read once per job. */
  issue(): Promise<JiraIssue> {
    this.#issue ??= this.#jira.client.getIssue(this.id);
    return this.#issue;
  }

  async url(): Promise<string> {
    return this.#jira.client.browseUrl((await this.issue()).key);
  }

  /** The project's mapping (its transitions), when the ticket is still in a mapped project. */
  async project(): Promise<JiraProject | null> {
    return this.#jira.settings.projects.get((await this.issue()).projectKey) ?? null;
  }

  async gather(request: ContextRequest): Promise<IssueContext> {
    const issue = await this.issue();
    const hidden = { count: 0 };
    const clean = (text: string, max: number) => {
      const cleaned = cleanUntrustedText(text);
      hidden.count += cleaned.removed;
      return trimToBoundary(cleaned.text, Math.floor(max));
    };
    const reporter = issue.reporter ? await this.#writerLogin(issue.reporter.accountId ?? issue.reporter.name ?? "") : null;
    // The mapped repository's README, CONTRIBUTING, AGENTS.md, config and plan templates, as a GitHub issue's plan reads them.
    const repository = await gatherRepositoryContext(this.#octokit.graphql, { owner: this.#job.repo.owner, name: this.#job.repo.name, templatesDir: request.templatesDir, maxChars: request.maxChars });
    hidden.count += repository.hiddenRemoved;
    const body = clean(issue.description, request.maxChars * SHARES.body);
    const details = clean(ticketDetails(issue), request.maxChars * SHARES.details);
    const all = await this.#jira.client.listComments(this.id);
    const plan = await this.previous();
    const excluded = { nonWriters: 0, bots: 0, afterTrigger: 0, olderOmitted: 0 };
    const comments: ThreadComment[] = [];
    let trigger: ThreadComment | null = null;
    for (const c of all) {
      if (plan && String(plan.id) === c.id) continue;
      const isTrigger = request.triggerCommentId !== null && c.id === String(request.triggerCommentId);
      if (!isTrigger && Date.parse(c.created) > request.cutoff.getTime()) {
        excluded.afterTrigger++;
        continue;
      }
      if (c.author?.accountType === "app") {
        excluded.bots++;
        continue;
      }
      const login = c.author ? await this.#writerLogin(c.author.accountId ?? c.author.name ?? "") : null;
      if (login === null || !login.writer) {
        excluded.nonWriters++;
        continue;
      }
      const text = clean(c.body, request.maxChars * SHARES.comment);
      const comment: ThreadComment = { id: Number(c.id), author: login.login, createdAt: c.created, body: text.text, cutChars: text.cutChars };
      if (isTrigger) trigger = comment;
      else comments.push(comment);
    }
    const used = repository.repo.files.reduce((n, f) => n + f.text.length, 0) + body.text.length + details.text.length;
    let room = Math.min(request.maxChars * SHARES.comments, request.maxChars - used);
    const kept = comments.toReversed().filter((c) => (room -= c.body.length) >= 0);
    excluded.olderOmitted = comments.length - kept.length;
    const url = this.#jira.client.browseUrl(issue.key);
    return {
      repo: repository.repo,
      droidConfig: repository.droidConfig,
      repoTemplates: repository.repoTemplates,
      issue: {
        number: this.#job.target.number,
        name: `Jira ticket ${issue.key} (${url})`,
        title: cleanUntrustedText(issue.summary).text,
        url,
        author: reporter?.login ?? issue.reporter?.displayName ?? "unknown",
        authorCanWrite: reporter?.writer ?? false,
        labels: issue.labels,
        body: body.text,
        bodyCutChars: body.cutChars + details.cutChars,
        linkedPullRequests: [],
        linkedBodies: [],
        related: details.text,
        totalComments: all.length,
      },
      comments: kept.toReversed(),
      trigger,
      excluded,
      hiddenRemoved: hidden.count,
      notes: [
        ...repository.notes,
        ...(excluded.nonWriters > 0 ? [`${excluded.nonWriters} comment(s) by people who do not map to a writer of the repository were left out`] : []),
        ...(excluded.olderOmitted > 0 ? [`${excluded.olderOmitted} older comment(s) left out to fit the budget`] : []),
      ],
    };
  }

  sourcesNote(ctx: IssueContext): string {
    return `${ctx.issue.name}: summary, description${ctx.issue.bodyCutChars > 0 ? " (trimmed)" : ""}, links, sub-tasks, parent, attachment names, ${ctx.comments.length} of ${ctx.issue.totalComments} comment(s)`;
  }

  async previous(): Promise<PreviousPlan | null> {
    const parsed = planPropertySchema.safeParse(await this.#jira.client.getProperty(this.id, PLAN_PROPERTY));
    return parsed.success ? { id: Number(parsed.data.commentId), stored: parsed.data.stored } : null;
  }

  async publish(view: PlanCommentView, previous: PreviousPlan | null): Promise<{ id: number; action: "created" | "updated" }> {
    const body = renderPlanAdf(view);
    let id: string;
    let action: "created" | "updated";
    if (previous) {
      id = String(previous.id);
      action = "updated";
      await this.#jira.client.updateComment(this.id, id, body);
    } else {
      id = (await this.#jira.client.addComment(this.id, body)).id;
      action = "created";
    }
    await this.#jira.client.setProperty(this.id, PLAN_PROPERTY, { commentId: id, stored: view.stored });
    return { id: Number(id), action };
  }

  /** Edits the plan comment while a fix runs (a failed edit is logged; the run goes on). */
  async editPlan(commentId: number, view: PlanCommentView): Promise<void> {
    await this.#jira.client.updateComment(this.id, String(commentId), renderPlanAdf(view)).catch((error: unknown) => this.#log.warn({ err: error }, "could not update the Jira plan comment"));
  }

  /** Stores the plan as it stands (subtask states) with its comment (a failed write is logged; the run goes on). */
  async storePlan(commentId: number, stored: StoredPlan): Promise<void> {
    await this.#jira.client.setProperty(this.id, PLAN_PROPERTY, { commentId: String(commentId), stored }).catch((error: unknown) => this.#log.warn({ err: error }, "could not store the plan on the Jira ticket"));
  }

  /** Comments on the ticket, with the job's reference under the text. */
  async say(body: string): Promise<void> {
    await this.comment(`${body}\n\n${jobReference(this.#job.id, runPageUrl(this.#publicUrl, this.#job.id))}`);
  }

  /**
   * The job's closing report, as a comment carrying the entity property `droid.result` with
   * the job's id (Jira shows no hidden marker, so the property is how a retry finds it).
   */
  async report(markdown: string): Promise<number> {
    return this.comment(markdown, [{ key: RESULT_PROPERTY, value: { job: this.#job.id } }]);
  }

  /** The closing report an earlier attempt of the job posted: Droid's own comment carrying the job's `droid.result`. */
  async reportOf(jobId: string): Promise<number | null> {
    const self = await this.#jira.client.myself();
    const comments = await this.#jira.client.listComments(this.id, 1000, { properties: true });
    const mine = comments.filter((c) => c.author !== null && (c.author.accountId ?? c.author.name) === self);
    const found = mine.find((c) => c.properties.some((p) => p.key === RESULT_PROPERTY && resultJob(p.value) === jobId));
    return found ? Number(found.id) : null;
  }

  /** Comments on the ticket (Markdown, sent as ADF); its id. */
  async comment(markdown: string, properties: readonly CommentProperty[] = []): Promise<number> {
    // Markup only GitHub shows is dropped (hidden markers, <sub>) or turned into Markdown (a <details> summary): Jira would print it.
    const text = markdown
      .replace(/<!--[\s\S]*?-->/g, "")
      .replace(/<\/?sub>/g, "")
      .replace(/<details(?: open)?>\s*<summary>([\s\S]*?)<\/summary>/g, "**$1**")
      .replace(/<\/details>/g, "");
    return Number((await this.#jira.client.addComment(this.id, markdownToAdf(text), properties)).id);
  }

  /**
   * Writer comments on the ticket since `since`, for a running fix's next turn: asked of
   * Jira at most every `minIntervalMs`; commands, apps, hidden markup and people who map to
   * no writer of the repository never steer. Jira failing to answer never ends the run.
   */
  steering(o: { since: Date; ignoreIds: number[]; minIntervalMs: number; commandWord: string; now?: () => number }): () => Promise<SteeringMessage[]> {
    const seen = new Set(o.ignoreIds.map(String));
    let lastLook = Number.NEGATIVE_INFINITY;
    return async () => {
      const now = (o.now ?? Date.now)();
      if (now - lastLook < o.minIntervalMs) return [];
      lastLook = now;
      let comments: JiraComment[];
      try {
        comments = await this.#jira.client.listComments(this.id);
      } catch (error) {
        this.#log.warn({ err: error }, "could not look for steering comments on the Jira ticket; will look again at the next turn");
        return [];
      }
      const out: SteeringMessage[] = [];
      for (const c of comments) {
        if (seen.has(c.id)) continue;
        const body = cleanUntrustedText(c.body).text;
        if (!c.author || c.author.accountType === "app" || body === "" || Date.parse(c.created) < o.since.getTime() || parseCommand(body, o.commandWord).kind !== "none") {
          seen.add(c.id);
          continue;
        }
        const who = await this.writer(c.author).catch((error: unknown) => {
          this.#log.warn({ err: error, commentId: c.id }, "could not check a steering comment's author; will check again");
          return undefined;
        });
        if (who === undefined) continue;
        seen.add(c.id);
        if (who?.writer) out.push({ author: who.login, body });
      }
      return out;
    };
  }

  /** The pull request as a remote link on the ticket (one per pull request: Jira updates a link with the same global id). */
  async linkPullRequest(pr: { number: number; url: string; title: string; draft: boolean }): Promise<void> {
    const repo = `${this.#job.repo.owner}/${this.#job.repo.name}`;
    await this.#jira.client.addRemoteLink(this.id, { globalId: `droid:${repo}#${pr.number}`, url: pr.url, title: `${repo}#${pr.number}: ${pr.title}`, summary: pr.draft ? "Draft pull request by Droid" : "Pull request by Droid" });
  }

  /** Moves the ticket by a configured transition's name; a workflow without it is logged, not an error. */
  async transition(name: string | null): Promise<void> {
    if (name === null) return;
    const moved = await this.#jira.client.transitionByName(this.id, name).catch((error: unknown) => {
      this.#log.warn({ err: error, transition: name }, "could not move the Jira ticket");
      return true;
    });
    if (!moved) this.#log.warn({ transition: name }, "the ticket's workflow offers no transition by this name now");
  }

  /** A Jira person's GitHub login and whether it may write to the repository; null when they map to no login. */
  writer(user: Pick<JiraUser, "accountId" | "name">): Promise<{ login: string; writer: boolean } | null> {
    return this.#writerLogin(user.accountId ?? user.name ?? "");
  }

  async #writerLogin(accountId: string): Promise<{ login: string; writer: boolean } | null> {
    const login = await this.#jira.identities.loginOf({ id: accountId });
    if (login === null) return null;
    const writer = await this.#gate.hasWriteAccess(this.#octokit, this.#job.repo, login).catch(() => false);
    return { login, writer };
  }
}

/** What a ticket names besides its description, one line each (titles and names, never contents). */
export function ticketDetails(issue: JiraIssue): string {
  const lines: string[] = [];
  if (issue.parent) lines.push(`Parent (epic): ${issue.parent.key} ${issue.parent.summary}`);
  for (const l of issue.links) lines.push(`Link: ${l.relation} ${l.key} ${l.summary}${l.status ? ` (${l.status})` : ""}`);
  for (const s of issue.subtasks) lines.push(`Sub-task: ${s.key} ${s.summary}${s.status ? ` (${s.status})` : ""}`);
  if (issue.attachments.length > 0) lines.push(`Attachments: ${issue.attachments.join(", ")}`);
  return lines.map((l) => `- ${l}`).join("\n");
}
