import { cleanUntrustedText } from "./clean.ts";
import {
  ISSUE_CONTEXT_QUERY,
  IssueContextResponse,
  OLDER_COMMENTS_QUERY,
  OlderCommentsResponse,
  pullRequestIn,
  type CommentNode,
  type CommentPage,
} from "./query.ts";
import { trimToBoundary } from "./trim.ts";
import type { ContextFile, Exclusions, GraphqlClient, IssueContext, LinkedPullRequest, ThreadComment, WriteAccessLookup } from "./types.ts";

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
  /** Asked for comment authors whose association does not already show write access. */
  hasWriteAccess?: WriteAccessLookup | undefined;
}

/** The issue or repository could not be read. */
export class ContextUnavailable extends Error {
  override readonly name = "ContextUnavailable";
}

/** Shares of the budget each piece may take at most; comments get whatever is left. */
export const CONTEXT_SHARES = { readme: 0.15, contributing: 0.075, agents: 0.1, body: 0.2, trigger: 0.05, comment: 0.1 } as const;
/** Older comment pages fetched at most (100 comments each) beyond the first. */
export const MAX_OLDER_PAGES = 4;
/** Characters each comment costs beyond its body once rendered (label and fence). */
const COMMENT_OVERHEAD = 120;

const WRITER_ASSOCIATIONS = new Set(["OWNER", "MEMBER", "COLLABORATOR"]);

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

function isBot(node: CommentNode): boolean {
  return node.author === null ? false : node.author.kind === "Bot" || node.author.login.endsWith("[bot]");
}

async function isWriter(node: CommentNode, lookup: WriteAccessLookup | undefined, cache: Map<string, boolean>): Promise<boolean> {
  if (node.author === null) return false;
  if (WRITER_ASSOCIATIONS.has(node.authorAssociation)) return true;
  if (lookup === undefined) return false;
  const known = cache.get(node.author.login);
  if (known !== undefined) return known;
  const result = await lookup(node.author.login);
  cache.set(node.author.login, result);
  return result;
}

function linkedPullRequests(issue: NonNullable<NonNullable<IssueContextResponse["repository"]>["issue"]>): LinkedPullRequest[] {
  const found = new Map<number, LinkedPullRequest>();
  for (const pr of issue.closedByPullRequestsReferences?.nodes ?? []) {
    if (pr) found.set(pr.number, { number: pr.number, title: pr.title, state: pr.state });
  }
  for (const node of issue.timelineItems.nodes) {
    const pr = pullRequestIn(node?.subject) ?? pullRequestIn(node?.source);
    if (pr && !found.has(pr.number)) found.set(pr.number, { number: pr.number, title: pr.title, state: pr.state });
  }
  return [...found.values()].sort((a, b) => a.number - b.number);
}

/** Reads the trigger comment and everything before it, newest first. */
function splitAtTrigger(nodes: CommentNode[], request: ContextRequest): { trigger: CommentNode | null; before: CommentNode[]; after: number } {
  const index = request.triggerCommentId === null ? -1 : nodes.findIndex((n) => n.fullDatabaseId === request.triggerCommentId);
  if (index >= 0) {
    return { trigger: nodes[index] ?? null, before: nodes.slice(0, index).toReversed(), after: nodes.length - index - 1 };
  }
  const cutoff = request.cutoff.getTime();
  const before = nodes.filter((n) => Date.parse(n.createdAt) <= cutoff);
  return { trigger: null, before: before.toReversed(), after: nodes.length - before.length };
}

async function olderPage(deps: ContextDeps, request: ContextRequest, before: string): Promise<CommentPage> {
  const data = OlderCommentsResponse.parse(
    await deps.graphql(OLDER_COMMENTS_QUERY, { owner: request.owner, name: request.name, number: request.issueNumber, before }),
  );
  const page = data.repository?.issue?.comments;
  if (!page) throw new ContextUnavailable(`issue #${request.issueNumber} disappeared while reading its comments`);
  return page;
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
      templatesExpression: `HEAD:${request.templatesDir.replace(/^\/+|\/+$/g, "")}`,
    }),
  );
  const repo = data.repository;
  if (!repo) throw new ContextUnavailable(`repository ${request.owner}/${request.name} is not readable`);
  const issue = repo.issue;
  if (!issue) throw new ContextUnavailable(`issue #${request.issueNumber} was not found`);

  const acc: Accounting = { hidden: 0, notes: [] };
  const share = (key: keyof typeof CONTEXT_SHARES): number => Math.floor(request.maxChars * CONTEXT_SHARES[key]);
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

  const body = cleanUntrustedText(issue.body);
  acc.hidden += body.removed;
  const bodyTrim = trimToBoundary(body.text, share("body"));
  if (bodyTrim.cutChars > 0) acc.notes.push(`issue body: ${bodyTrim.cutChars} of ${body.text.length} characters trimmed`);

  const excluded: Exclusions = { nonWriters: 0, bots: 0, afterTrigger: 0, olderOmitted: 0 };
  let page = issue.comments;
  const split = splitAtTrigger(page.nodes, request);
  excluded.afterTrigger = split.after;

  let trigger: ThreadComment | null = null;
  if (split.trigger) {
    const cleaned = cleanUntrustedText(split.trigger.body);
    acc.hidden += cleaned.removed;
    const t = trimToBoundary(cleaned.text, share("trigger"));
    if (t.cutChars > 0) acc.notes.push(`trigger comment: ${t.cutChars} characters trimmed`);
    trigger = { id: split.trigger.fullDatabaseId, author: split.trigger.author?.login ?? "ghost", createdAt: split.trigger.createdAt, body: t.text, cutChars: t.cutChars };
  }

  const used = files.reduce((n, f) => n + f.text.length, 0) + bodyTrim.text.length + (trigger?.body.length ?? 0);
  let room = Math.max(0, request.maxChars - used);
  const writerCache = new Map<string, boolean>();
  const kept: ThreadComment[] = [];
  let queue = split.before;
  let olderPages = 0;
  let full = false;
  let seen = page.nodes.length;
  for (;;) {
    for (const node of queue) {
      if (full) {
        excluded.olderOmitted++;
        continue;
      }
      if (isBot(node)) {
        excluded.bots++;
        continue;
      }
      if (!(await isWriter(node, deps.hasWriteAccess, writerCache))) {
        excluded.nonWriters++;
        continue;
      }
      const cleaned = cleanUntrustedText(node.body);
      acc.hidden += cleaned.removed;
      if (cleaned.text === "") continue;
      const limit = Math.min(share("comment"), room - COMMENT_OVERHEAD);
      if (limit < Math.min(400, cleaned.text.length)) {
        full = true;
        excluded.olderOmitted++;
        continue;
      }
      const t = trimToBoundary(cleaned.text, limit);
      if (t.cutChars > 0) acc.notes.push(`comment by @${node.author?.login ?? "ghost"} (${node.createdAt}): ${t.cutChars} characters trimmed`);
      room -= t.text.length + COMMENT_OVERHEAD;
      kept.push({ id: node.fullDatabaseId, author: node.author?.login ?? "ghost", createdAt: node.createdAt, body: t.text, cutChars: t.cutChars });
    }
    const cursor = page.pageInfo.startCursor;
    if (!page.pageInfo.hasPreviousPage || cursor === null) break;
    if (full || olderPages >= MAX_OLDER_PAGES) {
      excluded.olderOmitted += page.totalCount - seen;
      break;
    }
    page = await olderPage(deps, request, cursor);
    olderPages++;
    seen += page.nodes.length;
    queue = page.nodes.toReversed();
  }
  if (excluded.olderOmitted > 0) acc.notes.push(`${excluded.olderOmitted} older comment(s) left out to fit the context budget`);
  if (excluded.nonWriters > 0) acc.notes.push(`${excluded.nonWriters} comment(s) by people without write access not shown to the model`);
  if (acc.hidden > 0) acc.notes.push(`${acc.hidden} hidden piece(s) of markup or invisible characters removed`);

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
    issue: {
      number: issue.number,
      title: cleanUntrustedText(issue.title).text,
      url: issue.url,
      author: issue.author?.login ?? "ghost",
      labels: (issue.labels?.nodes ?? []).flatMap((l) => (l ? [l.name] : [])),
      body: bodyTrim.text,
      bodyCutChars: bodyTrim.cutChars,
      linkedPullRequests: linkedPullRequests(issue),
      totalComments: issue.comments.totalCount,
    },
    comments: kept.toReversed(),
    trigger,
    excluded,
    hiddenRemoved: acc.hidden,
    notes: acc.notes,
  };
}
