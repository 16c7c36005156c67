/**
 * The pull request Droid opens for an issue, found again by its branch on later runs.
 * Draft while tests fail or the run ended early; ready for review when the tests pass.
 */
import type { GitHubClient } from "./octokit.ts";

export interface PullRequestRef {
  number: number;
  nodeId: string;
  url: string;
  draft: boolean;
  branch: string;
}

/** The open PR of an earlier run for this issue: same repository, branch `droid/<n>-…`. */
export async function findDroidPullRequest(octokit: GitHubClient, repo: { owner: string; name: string }, issueNumber: number | string): Promise<PullRequestRef | null> {
  const prefix = `droid/${issueNumber}`;
  const pulls = await octokit.paginate(octokit.rest.pulls.list, { owner: repo.owner, repo: repo.name, state: "open", per_page: 100 });
  const own = `${repo.owner}/${repo.name}`.toLowerCase();
  const found = pulls.find(
    (pr) => (pr.head.ref === prefix || pr.head.ref.startsWith(`${prefix}-`)) && pr.head.repo?.full_name.toLowerCase() === own,
  );
  return found ? { number: found.number, nodeId: found.node_id, url: found.html_url, draft: found.draft ?? false, branch: found.head.ref } : null;
}

export interface PullRequestContent {
  title: string;
  body: string;
  draft: boolean;
  branch: string;
  base: string;
  labels: string[];
}

/** Opens the PR, or updates the existing one (body, title, draft state). Returns it. */
export async function publishPullRequest(
  octokit: GitHubClient,
  repo: { owner: string; name: string },
  content: PullRequestContent,
  existing: PullRequestRef | null,
): Promise<PullRequestRef & { created: boolean }> {
  const common = { owner: repo.owner, repo: repo.name };
  if (existing) {
    await octokit.rest.pulls.update({ ...common, pull_number: existing.number, title: content.title, body: content.body });
    if (existing.draft !== content.draft) await setDraft(octokit, existing.nodeId, content.draft);
    return { ...existing, draft: content.draft, created: false };
  }
  const { data } = await octokit.rest.pulls.create({
    ...common,
    title: content.title,
    body: content.body,
    head: content.branch,
    base: content.base,
    draft: content.draft,
  });
  if (content.labels.length > 0) {
    await octokit.rest.issues.addLabels({ ...common, issue_number: data.number, labels: content.labels });
  }
  return { number: data.number, nodeId: data.node_id, url: data.html_url, draft: content.draft, branch: content.branch, created: true };
}

/** REST cannot change a PR's draft state; GraphQL can. */
async function setDraft(octokit: GitHubClient, nodeId: string, draft: boolean): Promise<void> {
  const mutation = draft
    ? "mutation($id: ID!) { convertPullRequestToDraft(input: { pullRequestId: $id }) { pullRequest { isDraft } } }"
    : "mutation($id: ID!) { markPullRequestReadyForReview(input: { pullRequestId: $id }) { pullRequest { isDraft } } }";
  await octokit.graphql(mutation, { id: nodeId });
}
