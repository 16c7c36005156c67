/**
 * The measured part of an `rca` job, without the model: read the incident (the
 * record in Droid's incident issue, or the stack trace in a user's issue), list the
 * repository's files at the deployed commit, place the frames and rank the suspect
 * commits. The RCA runner adds the model-written analysis to the returned record
 * and publishes it with `publishIncidentReport`.
 */
import type { GitHubClient } from "../github/octokit.ts";
import { hasStatus } from "../github/octokit.ts";
import type { RepoRef } from "../jobs/types.ts";
import { recordFromIssueTrace } from "../incidents/build-record.ts";
import { gatherEvidence } from "../incidents/evidence.ts";
import { commitFilesFrom } from "../incidents/history.ts";
import { noTraceMessage } from "../github/rca-command.ts";
import { readIncidentRecord, type IncidentRecord } from "../incidents/record.ts";
import { RepoFiles } from "../incidents/repo-paths.ts";
import { parseStackTrace } from "../incidents/stacktrace/parse.ts";

export interface InvestigationDeps {
  octokit: GitHubClient;
  historyDays: number;
  sourceRoots?: readonly string[];
  now?: () => Date;
  commandWord?: string;
}

export type Investigation =
  | { kind: "evidence"; record: IncidentRecord; notes: string[] }
  | { kind: "no-trace"; message: string };

export async function investigateIncident(repo: RepoRef, issueNumber: number, deps: InvestigationDeps): Promise<Investigation> {
  const now = deps.now ?? (() => new Date());
  const { data: issue } = await deps.octokit.rest.issues.get({ owner: repo.owner, repo: repo.name, issue_number: issueNumber });
  let record = readIncidentRecord(issue.body);
  if (!record) {
    const trace = parseStackTrace(issue.body ?? "", { repository: { owner: repo.owner, name: repo.name } });
    if (!trace) return { kind: "no-trace", message: noTraceMessage(deps.commandWord ?? "droid") };
    const web = { htmlUrl: issue.html_url.replace(/\/issues\/\d+$/, ""), defaultBranch: repo.defaultBranch };
    record = recordFromIssueTrace(trace, { title: issue.title, createdAt: new Date(issue.created_at) }, web, now());
  }
  const listing = await repositoryFiles(deps.octokit, repo, record.deployedCommit);
  const withEvidence = await gatherEvidence(record, {
    files: new RepoFiles(listing.files),
    graphql: (query, variables) => deps.octokit.graphql(query, variables),
    commitFiles: commitFilesFrom(deps.octokit, repo),
    repo,
    historyDays: deps.historyDays,
    pathOptions: { sourceRoots: deps.sourceRoots ?? [] },
    now,
  });
  return { kind: "evidence", record: withEvidence, notes: listing.notes };
}

/**
 * The repository's files at the deployed commit (or the default branch when that
 * commit is unknown to GitHub), from one recursive tree request.
 */
export async function repositoryFiles(
  octokit: GitHubClient,
  repo: RepoRef,
  deployedCommit: string | null,
): Promise<{ files: string[]; notes: string[] }> {
  const notes: string[] = [];
  let ref = deployedCommit ?? repo.defaultBranch;
  let tree;
  try {
    tree = (await octokit.rest.git.getTree({ owner: repo.owner, repo: repo.name, tree_sha: ref, recursive: "true" })).data;
  } catch (error) {
    if (deployedCommit === null || !(hasStatus(error, 404) || hasStatus(error, 422))) throw error;
    notes.push(`the deployed commit ${deployedCommit.slice(0, 12)} is not in this repository; files were listed from ${repo.defaultBranch}`);
    ref = repo.defaultBranch;
    tree = (await octokit.rest.git.getTree({ owner: repo.owner, repo: repo.name, tree_sha: ref, recursive: "true" })).data;
  }
  if (tree.truncated) notes.push("the repository has more files than GitHub lists at once; some frames may not be placed");
  return { files: tree.tree.filter((e) => e.type === "blob" && e.path !== undefined).map((e) => e.path ?? ""), notes };
}
