/**
 * Human steering while a job runs: new comments on the issue by people with write
 * access are handed to the agent at its next turn, and acknowledged with 👀.
 * Commands (`/droid …`) are not steering; bots never are. GitHub failing to answer
 * never ends the job: the comments are looked for again at the next turn.
 */
import type { Logger } from "pino";
import type { SteeringMessage } from "../agent/loop.ts";
import { parseCommand } from "./commands.ts";
import type { PermissionGate } from "./gate.ts";
import type { GitHubClient } from "./octokit.ts";
import { cleanUntrustedText } from "../prompting/index.ts";

export interface SteeringOptions {
  octokit: GitHubClient;
  repo: { owner: string; name: string };
  issueNumber: number;
  /** Only comments made after this moment count. */
  since: Date;
  gate: PermissionGate;
  commandWord: string;
  /** Ask GitHub at most this often. */
  minIntervalMs: number;
  /** Comments already known (the trigger, Droid's own). */
  ignoreIds?: number[];
  now?: () => number;
  log: Logger;
}

export class IssueSteering {
  readonly #o: SteeringOptions;
  readonly #seen: Set<number>;
  #lastPoll = 0;

  constructor(options: SteeringOptions) {
    this.#o = options;
    this.#seen = new Set(options.ignoreIds ?? []);
  }

  /** New steering comments since the last call (empty between polls). */
  async take(): Promise<SteeringMessage[]> {
    const now = (this.#o.now ?? Date.now)();
    if (now - this.#lastPoll < this.#o.minIntervalMs) return [];
    this.#lastPoll = now;
    const { octokit, repo, log } = this.#o;
    let comments: Awaited<ReturnType<GitHubClient["rest"]["issues"]["listComments"]>>["data"];
    try {
      ({ data: comments } = await octokit.rest.issues.listComments({
        owner: repo.owner,
        repo: repo.name,
        issue_number: this.#o.issueNumber,
        since: this.#o.since.toISOString(),
        per_page: 100,
      }));
    } catch (error) {
      log.warn({ err: error }, "could not look for steering comments; will look again at the next turn");
      return [];
    }
    const out: SteeringMessage[] = [];
    for (const comment of comments) {
      if (this.#seen.has(comment.id)) continue;
      const login = comment.user?.login;
      // What a human reader does not see (hidden markup, invisible characters) never steers.
      const body = cleanUntrustedText(comment.body ?? "").text;
      const candidate =
        login !== undefined &&
        comment.user?.type !== "Bot" &&
        !login.endsWith("[bot]") &&
        body !== "" &&
        new Date(comment.created_at) >= this.#o.since &&
        parseCommand(body, this.#o.commandWord).kind === "none";
      if (!candidate) {
        this.#seen.add(comment.id);
        continue;
      }
      let writer: boolean;
      try {
        writer = await this.#o.gate.hasWriteAccess(octokit, repo, login);
      } catch (error) {
        // Not marked as seen: the comment is checked again at the next look.
        log.warn({ err: error, commentId: comment.id }, "could not check a steering comment's author; will check again");
        continue;
      }
      this.#seen.add(comment.id);
      if (!writer) continue;
      await octokit.rest.reactions
        .createForIssueComment({ owner: repo.owner, repo: repo.name, comment_id: comment.id, content: "eyes" })
        .catch((error: unknown) => log.warn({ err: error, commentId: comment.id }, "could not react to a steering comment"));
      out.push({ author: login, body });
    }
    return out;
  }
}
