import { linkedBodies, linkedPullRequests } from "./linked.ts";
import { ISSUE_CONTEXT_QUERY, IssueContextResponse, REPOSITORY_CONTEXT_QUERY, RepositoryContextResponse, type RepositoryFields } from "./query.ts";
import { askingOnce, isBotActor, selectThread } from "./thread.ts";
import { cleanUntrustedText, trimToBoundary } from "../../prompting/index.ts";
import { ContextUnavailable, type ContextFile, type IssueContext } from "../../planning/issue-context.ts";
import type { GraphqlClient, WriteAccessLookup } from "./types.ts";

export interface ContextRequest {
  owner: string;
  name: string;
  issueNumber: number;
  /** The comment that triggered the job (null for a label). */
  triggerCommentId: number | null;
  /** Comments after this instant are left out when there is no trigger comment (the job's creation time). */
  cutoff: Date;
  /** Directory of the repo's own plan templates, e.g. `.github/droid/templates`. */
  templatesDir: string;
  /** Total size budget for everything the model reads about the issue and repo, in characters. */
  maxChars: number;
}

export interface ContextDeps {
  graphql: GraphqlClient;
  /** The one write-access check (the permission gate), asked for the issue's author and every comment author. */
  hasWriteAccess: WriteAccessLookup;
}

/** Shares of the budget each piece may take at most; comments get whatever is left. */
export const CONTEXT_SHARES = { readme: 0.15, contributing: 0.075, agents: 0.1, body: 0.2, trigger: 0.05, comment: 0.1, linked: 0.1 } as const;
type Blob = { text?: string | null | undefined; isBinary?: boolean | null | undefined } | null;

function fileText(...candidates: Blob[]): string | null {
  for (const blob of candidates) {
    if (blob && !blob.isBinary && typeof blob.text === "string") return blob.text;
  }
  return null;
}

interface Accounting {
  hidden: number;
  notes: string[];
}

function contextFile(path: string, raw: string, maxChars: number, acc: Accounting): ContextFile {
  const cleaned = cleanUntrustedText(raw);
  acc.hidden += cleaned.removed;
  const trimmed = trimToBoundary(cleaned.text, maxChars);
  if (trimmed.cutChars > 0) acc.notes.push(`${path}: ${trimmed.cutChars} of ${cleaned.text.length} characters trimmed`);
  return { path, text: trimmed.text, cutChars: trimmed.cutChars };
}

/**
 * Gathers and cleans the context of a planning job: one GraphQL round trip, plus older
 * comment pages only while the size budget has room for them. Issue body and newest
 * comments come first; older comments are dropped first when the budget runs out.
 */
export async function gatherIssueContext(deps: ContextDeps, request: ContextRequest): Promise<IssueContext> {
  const data = IssueContextResponse.parse(
    await deps.graphql(ISSUE_CONTEXT_QUERY, {
      owner: request.owner,
      name: request.name,
      number: request.issueNumber,
      templatesExpression: templatesExpression(request.templatesDir),
    }),
  );
  const repo = data.repository;
  if (!repo) throw new ContextUnavailable(`repository ${request.owner}/${request.name} is not readable`);
  const issue = repo.issue;
  if (!issue) throw new ContextUnavailable(`issue #${request.issueNumber} was not found`);

  const acc: Accounting = { hidden: 0, notes: [] };
  const share = (key: keyof typeof CONTEXT_SHARES): number => Math.floor(request.maxChars * CONTEXT_SHARES[key]);
  const repository = repositoryPart(repo, request.maxChars, acc);

  const body = cleanUntrustedText(issue.body);
  acc.hidden += body.removed;
  const bodyTrim = trimToBoundary(body.text, share("body"));
  if (bodyTrim.cutChars > 0) acc.notes.push(`issue body: ${bodyTrim.cutChars} of ${body.text.length} characters trimmed`);

  const hasWriteAccess = askingOnce(deps.hasWriteAccess);
  const issueAuthor = issue.author;
  const authorCanWrite = issueAuthor !== null && !isBotActor(issueAuthor) && (await hasWriteAccess(issueAuthor.login));

  const linked = await linkedBodies(
    { graphql: deps.graphql, owner: request.owner, name: request.name, nameWithOwner: repo.nameWithOwner, maxChars: share("linked") },
    issue,
    acc.notes,
  );
  const trigger = share("trigger");
  const used = repository.repo.files.reduce((n, f) => n + f.text.length, 0) + bodyTrim.text.length + trigger + linked.reduce((n, l) => n + l.body.length, 0);
  const thread = await selectThread(deps.graphql, hasWriteAccess, request, issue.comments, {
    room: Math.max(0, request.maxChars - used),
    perComment: share("comment"),
    trigger,
  });
  acc.hidden += thread.hiddenRemoved;
  acc.notes.push(...thread.notes);
  if (acc.hidden > 0) acc.notes.push(`${acc.hidden} hidden piece(s) of markup or invisible characters removed`);

  return {
    ...repository,
    issue: {
      number: issue.number,
      name: `Issue #${issue.number}`,
      related: "",
      title: cleanUntrustedText(issue.title).text,
      url: issue.url,
      author: issueAuthor?.login ?? "ghost",
      authorCanWrite,
      labels: (issue.labels?.nodes ?? []).flatMap((l) => (l ? [l.name] : [])),
      body: bodyTrim.text,
      bodyCutChars: bodyTrim.cutChars,
      linkedPullRequests: linkedPullRequests(issue),
      linkedBodies: linked,
      totalComments: issue.comments.totalCount,
    },
    comments: thread.comments,
    trigger: thread.trigger,
    excluded: thread.excluded,
    hiddenRemoved: acc.hidden,
    notes: acc.notes,
  };
}

/** The repository's part of the context: its description, languages, top level, instruction files, config and plan templates. */
function repositoryPart(repo: RepositoryFields, maxChars: number, acc: Accounting): Pick<IssueContext, "repo" | "droidConfig" | "repoTemplates"> {
  const share = (key: keyof typeof CONTEXT_SHARES): number => Math.floor(maxChars * CONTEXT_SHARES[key]);
  const files: ContextFile[] = [];
  const missing: string[] = [];
  const sources: Array<[string, string | null, number]> = [
    ["README", fileText(repo.readmeMd, repo.readme, repo.readmeRst, repo.readmeLower), share("readme")],
    ["CONTRIBUTING", fileText(repo.contributing, repo.githubContributing), share("contributing")],
    ["AGENTS.md", fileText(repo.agents), share("agents")],
  ];
  for (const [path, text, limit] of sources) {
    if (text === null || text.trim() === "") missing.push(path);
    else files.push(contextFile(path, text, limit, acc));
  }
  const tree = repo.defaultBranchRef?.target?.tree?.entries ?? [];
  const totalSize = repo.languages?.totalSize ?? 0;
  return {
    repo: {
      nameWithOwner: repo.nameWithOwner,
      description: repo.description,
      defaultBranch: repo.defaultBranchRef?.name ?? "HEAD",
      languages: (repo.languages?.edges ?? []).map((e) => ({
        name: e.node.name,
        percent: totalSize === 0 ? 0 : Math.round((e.size / totalSize) * 1000) / 10,
      })),
      topLevel: tree.map((e) => (e.type === "tree" ? `${e.name}/` : e.name)).sort(),
      files,
      missing,
    },
    droidConfig: fileText(repo.droidConfig),
    repoTemplates: (repo.templates?.entries ?? [])
      .filter((e) => e.type === "blob" && e.name.endsWith(".md"))
      .flatMap((e) => {
        const text = fileText(e.object);
        return text === null ? [] : [{ name: e.name, text }];
      }),
  };
}

/** What a ticket kept elsewhere (Jira) reads of the repository it maps to. */
export interface RepositoryContext extends Pick<IssueContext, "repo" | "droidConfig" | "repoTemplates"> {
  /** Markup or invisible characters removed from the instruction files. */
  hiddenRemoved: number;
  notes: string[];
}

/**
 * The repository's part of a plan's context alone (one GraphQL round trip): for a ticket that
 * is not a GitHub issue, the same README, CONTRIBUTING, AGENTS.md, languages, top level,
 * `.github/droid.yml` and plan templates a GitHub issue's plan reads, in the same budget shares.
 */
export async function gatherRepositoryContext(graphql: GraphqlClient, request: { owner: string; name: string; templatesDir: string; maxChars: number }): Promise<RepositoryContext> {
  const data = RepositoryContextResponse.parse(
    await graphql(REPOSITORY_CONTEXT_QUERY, { owner: request.owner, name: request.name, templatesExpression: templatesExpression(request.templatesDir) }),
  );
  if (!data.repository) throw new ContextUnavailable(`repository ${request.owner}/${request.name} is not readable`);
  const acc: Accounting = { hidden: 0, notes: [] };
  return { ...repositoryPart(data.repository, request.maxChars, acc), hiddenRemoved: acc.hidden, notes: acc.notes };
}

function templatesExpression(templatesDir: string): string {
  return `HEAD:${templatesDir.replace(/^\/+|\/+$/g, "")}`;
}
