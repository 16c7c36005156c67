/**
 * What GitHub knows about the history of the implicated files: commits on the
 * default branch that touched them in a window (GraphQL `history(path:, since:, until:)`
 * with `associatedPullRequests`, one aliased field per file in one request), and each
 * commit's patches (REST `GET /repos/{o}/{r}/commits/{sha}`).
 */
import { z } from "zod";

/** `octokit.graphql`, or anything with its shape. */
export type GraphQL = (query: string, variables: Record<string, unknown>) => Promise<unknown>;

/** The REST call that returns a commit's files and patches. */
export type CommitFiles = (sha: string) => Promise<{ path: string; patch: string | null }[]>;

export interface HistoryCommit {
  oid: string;
  headline: string;
  url: string;
  committedAt: string;
  author: string | null;
  pullRequest: { number: number; title: string; url: string } | null;
  /** Implicated paths this commit touched. */
  paths: string[];
}

const MAX_PATHS = 8;
const PER_PATH = 30;

const pullRequestNode = z.object({
  number: z.number().int(),
  title: z.string(),
  url: z.string(),
  mergedAt: z.string().nullable(),
  baseRefName: z.string(),
});

const commitNode = z.object({
  oid: z.string(),
  messageHeadline: z.string(),
  committedDate: z.string(),
  url: z.string(),
  author: z.object({ name: z.string().nullable(), user: z.object({ login: z.string() }).nullable() }).nullable(),
  associatedPullRequests: z.object({ nodes: z.array(pullRequestNode.nullable()) }).nullable(),
});

const historySchema = z.object({
  repository: z
    .object({
      defaultBranchRef: z
        .object({
          name: z.string(),
          target: z.record(z.string(), z.unknown()),
        })
        .nullable(),
    })
    .nullable(),
});

const historyConnection = z.object({ nodes: z.array(commitNode.nullable()) });

/** The history query: one aliased `history(path:)` per implicated file, in one request. */
export function historyQuery(pathCount: number): string {
  const vars = Array.from({ length: pathCount }, (_, i) => `$p${i}: String!`).join(", ");
  const fields = Array.from(
    { length: pathCount },
    (_, i) => `          f${i}: history(path: $p${i}, since: $since, until: $until, first: $first) { nodes { ...SuspectCommit } }`,
  ).join("\n");
  return `query DroidSuspects($owner: String!, $name: String!, $since: GitTimestamp!, $until: GitTimestamp!, $first: Int!, ${vars}) {
  repository(owner: $owner, name: $name) {
    defaultBranchRef {
      name
      target {
        ... on Commit {
${fields}
        }
      }
    }
  }
}

fragment SuspectCommit on Commit {
  oid
  messageHeadline
  committedDate
  url
  author { name user { login } }
  associatedPullRequests(first: 5) { nodes { number title url mergedAt baseRefName } }
}`;
}

/** Commits on the default branch that touched `paths` between `since` and `until`, newest first. */
export async function commitsTouching(
  graphql: GraphQL,
  repo: { owner: string; name: string },
  paths: readonly string[],
  window: { since: Date; until: Date },
): Promise<HistoryCommit[]> {
  const shown = [...new Set(paths)].slice(0, MAX_PATHS);
  if (shown.length === 0) return [];
  const variables: Record<string, unknown> = {
    owner: repo.owner,
    name: repo.name,
    since: window.since.toISOString(),
    until: window.until.toISOString(),
    first: PER_PATH,
  };
  shown.forEach((path, i) => (variables[`p${i}`] = path));
  const data = historySchema.parse(await graphql(historyQuery(shown.length), variables));
  const branch = data.repository?.defaultBranchRef;
  if (!branch) return [];
  const byOid = new Map<string, HistoryCommit>();
  shown.forEach((path, i) => {
    const connection = historyConnection.safeParse(branch.target[`f${i}`]);
    if (!connection.success) return;
    for (const node of connection.data.nodes) {
      if (!node) continue;
      const known = byOid.get(node.oid);
      if (known) {
        known.paths.push(path);
        continue;
      }
      byOid.set(node.oid, {
        oid: node.oid,
        headline: node.messageHeadline,
        url: node.url,
        committedAt: node.committedDate,
        author: node.author?.user?.login ?? node.author?.name ?? null,
        pullRequest: pullRequestOf(node.associatedPullRequests?.nodes ?? [], branch.name),
        paths: [path],
      });
    }
  });
  return [...byOid.values()].sort((a, b) => b.committedAt.localeCompare(a.committedAt));
}

/** The pull request that merged the commit into the default branch (or the first associated one). */
function pullRequestOf(nodes: (z.infer<typeof pullRequestNode> | null)[], branch: string): HistoryCommit["pullRequest"] {
  const prs = nodes.filter((n) => n !== null);
  const merged = prs.find((p) => p.mergedAt !== null && p.baseRefName === branch) ?? prs[0];
  return merged ? { number: merged.number, title: merged.title, url: merged.url } : null;
}

/** REST: a commit's files and patches, through an installation client. */
export function commitFilesFrom(octokit: {
  rest: { repos: { getCommit(params: { owner: string; repo: string; ref: string }): Promise<{ data: { files?: { filename: string; patch?: string }[] } }> } };
}, repo: { owner: string; name: string }): CommitFiles {
  return async (sha) => {
    const { data } = await octokit.rest.repos.getCommit({ owner: repo.owner, repo: repo.name, ref: sha });
    return (data.files ?? []).map((f) => ({ path: f.filename, patch: f.patch ?? null }));
  };
}
