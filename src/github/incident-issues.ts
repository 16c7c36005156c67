/**
 * Finds the incident issue of a Sentry issue when the store does not know it:
 * first through the search API (the body names the Sentry issue id in plain text),
 * then by listing the repository's `incident` issues, newest first. A hit counts
 * only if the issue's hidden marker names the same Sentry issue.
 */
import type { Logger } from "pino";
import { INCIDENT_LABEL } from "../config/names.ts";
import type { GitHubClient } from "./octokit.ts";
import { markedSentryIssueId } from "../incidents/record.ts";

export interface FoundIssue {
  number: number;
  body: string;
  open: boolean;
}

/** How many pages of 100 `incident` issues are read before giving up. */
const LIST_PAGES = 3;

export async function findIncidentIssue(
  octokit: GitHubClient,
  repo: { owner: string; name: string },
  sentryIssueId: string,
  log: Logger,
): Promise<FoundIssue | null> {
  try {
    const { data } = await octokit.request("GET /search/issues", {
      q: `repo:${repo.owner}/${repo.name} is:issue label:${INCIDENT_LABEL} "${sentryIssueId}" in:body`,
      per_page: 10,
    });
    const hit = data.items.find((item) => markedSentryIssueId(item.body) === sentryIssueId);
    if (hit) return { number: hit.number, body: hit.body ?? "", open: hit.state === "open" };
  } catch (error) {
    // Search is rate limited separately and may be unavailable (GHES without search); listing still works.
    log.warn({ err: error, sentryIssueId }, "issue search failed; listing incident issues instead");
  }
  for (let page = 1; page <= LIST_PAGES; page++) {
    const { data } = await octokit.rest.issues.listForRepo({
      owner: repo.owner,
      repo: repo.name,
      labels: INCIDENT_LABEL,
      state: "all",
      sort: "created",
      direction: "desc",
      per_page: 100,
      page,
    });
    const hit = data.find((issue) => issue.pull_request === undefined && markedSentryIssueId(issue.body) === sentryIssueId);
    if (hit) return { number: hit.number, body: hit.body ?? "", open: hit.state === "open" };
    if (data.length < 100) break;
  }
  return null;
}
