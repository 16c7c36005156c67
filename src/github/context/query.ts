import { z } from "zod";

/** What Droid reads of a linked or referenced issue or pull request: the same fields of each type. */
export const LINKED_FRAGMENTS = ["PullRequest", "Issue"]
  .map((type) => /* GraphQL */ `
  fragment DroidLinked${type} on ${type} {
    number
    title
    state
    body
    author {
      login
    }
  }
`)
  .join("");

/** What Droid reads of a repository for a plan: default branch and its top level, languages, instruction files, its config and plan templates. */
const REPOSITORY_FRAGMENT = /* GraphQL */ `
  fragment DroidRepositoryFields on Repository {
    nameWithOwner
    description
    defaultBranchRef {
      name
      target {
        ... on Commit {
          tree {
            entries {
              name
              type
            }
          }
        }
      }
    }
    languages(first: 6, orderBy: { field: SIZE, direction: DESC }) {
      totalSize
      edges {
        size
        node {
          name
        }
      }
    }
    readmeMd: object(expression: "HEAD:README.md") {
      ...DroidFile
    }
    readme: object(expression: "HEAD:README") {
      ...DroidFile
    }
    readmeRst: object(expression: "HEAD:README.rst") {
      ...DroidFile
    }
    readmeLower: object(expression: "HEAD:readme.md") {
      ...DroidFile
    }
    contributing: object(expression: "HEAD:CONTRIBUTING.md") {
      ...DroidFile
    }
    githubContributing: object(expression: "HEAD:.github/CONTRIBUTING.md") {
      ...DroidFile
    }
    agents: object(expression: "HEAD:AGENTS.md") {
      ...DroidFile
    }
    droidConfig: object(expression: "HEAD:.github/droid.yml") {
      ...DroidFile
    }
    templates: object(expression: $templatesExpression) {
      ... on Tree {
        entries {
          name
          type
          object {
            ...DroidFile
          }
        }
      }
    }
  }

  fragment DroidFile on Blob {
    text
    byteSize
    isBinary
  }
`;

/**
 * The one GraphQL round trip that gathers a planning job's context: the issue with its
 * newest 100 comments and linked pull requests, the repository's default branch,
 * languages and top-level tree, and the instruction files on the default branch
 * (`HEAD:` resolves to it), including the repo's own plan templates.
 */
export const ISSUE_CONTEXT_QUERY = /* GraphQL */ `
  query DroidIssueContext($owner: String!, $name: String!, $number: Int!, $templatesExpression: String!) {
    repository(owner: $owner, name: $name) {
      ...DroidRepositoryFields
      issue(number: $number) {
        number
        title
        body
        url
        state
        author {
          kind: __typename
          login
        }
        authorAssociation
        labels(first: 50) {
          nodes {
            name
          }
        }
        comments(last: 100) {
          ...DroidComments
        }
        closedByPullRequestsReferences(first: 10, includeClosedPrs: true) {
          nodes {
            ...DroidLinkedPullRequest
          }
        }
        timelineItems(last: 20, itemTypes: [CONNECTED_EVENT, CROSS_REFERENCED_EVENT]) {
          nodes {
            kind: __typename
            ... on ConnectedEvent {
              subject {
                kind: __typename
                ...DroidLinkedPullRequest
                ...DroidLinkedIssue
              }
            }
            ... on CrossReferencedEvent {
              source {
                kind: __typename
                ...DroidLinkedPullRequest
                ...DroidLinkedIssue
              }
            }
          }
        }
      }
    }
  }

${LINKED_FRAGMENTS}
${REPOSITORY_FRAGMENT}
  fragment DroidComments on IssueCommentConnection {
    totalCount
    pageInfo {
      hasPreviousPage
      startCursor
    }
    nodes {
      fullDatabaseId
      author {
        kind: __typename
        login
      }
      authorAssociation
      body
      createdAt
    }
  }
`;

/** The repository's part of a plan's context alone, for a ticket that lives elsewhere (Jira). */
export const REPOSITORY_CONTEXT_QUERY = /* GraphQL */ `
  query DroidRepositoryContext($owner: String!, $name: String!, $templatesExpression: String!) {
    repository(owner: $owner, name: $name) {
      ...DroidRepositoryFields
    }
  }
${REPOSITORY_FRAGMENT}`;

/** Older comments, a page at a time, when the newest 100 left budget to spare. */
export const OLDER_COMMENTS_QUERY = /* GraphQL */ `
  query DroidOlderComments($owner: String!, $name: String!, $number: Int!, $before: String!) {
    repository(owner: $owner, name: $name) {
      issue(number: $number) {
        comments(last: 100, before: $before) {
          totalCount
          pageInfo {
            hasPreviousPage
            startCursor
          }
          nodes {
            fullDatabaseId
            author {
              kind: __typename
              login
            }
            authorAssociation
            body
            createdAt
          }
        }
      }
    }
  }
`;

const Actor = z.object({ kind: z.string(), login: z.string() }).nullable();

const FileObject = z
  .object({ text: z.string().nullable().optional(), byteSize: z.number().optional(), isBinary: z.boolean().nullable().optional() })
  .nullable();

export const CommentNode = z.object({
  fullDatabaseId: z.union([z.string(), z.number()]).transform(Number),
  author: Actor,
  authorAssociation: z.string(),
  body: z.string(),
  createdAt: z.string(),
});
export type CommentNode = z.infer<typeof CommentNode>;

export const CommentPage = z.object({
  totalCount: z.number(),
  pageInfo: z.object({ hasPreviousPage: z.boolean(), startCursor: z.string().nullable() }),
  nodes: z.array(CommentNode.nullable()).transform((nodes) => nodes.filter((n) => n !== null)),
});
export type CommentPage = z.infer<typeof CommentPage>;

const PullRequestRef = z.object({
  kind: z.string().optional(),
  number: z.number(),
  title: z.string(),
  state: z.string(),
  body: z.string().nullable().optional(),
  author: z.object({ login: z.string() }).nullable().optional(),
});
export type LinkedRef = z.infer<typeof PullRequestRef>;
const Linked = z.object({ kind: z.string() }).loose().nullable();

/** The fields of `DroidRepositoryFields`. */
const RepositoryFields = z.object({
  nameWithOwner: z.string(),
  description: z.string().nullable(),
  defaultBranchRef: z
    .object({
      name: z.string(),
      target: z
        .object({ tree: z.object({ entries: z.array(z.object({ name: z.string(), type: z.string() })) }).optional() })
        .nullable(),
    })
    .nullable(),
  languages: z
    .object({ totalSize: z.number(), edges: z.array(z.object({ size: z.number(), node: z.object({ name: z.string() }) })) })
    .nullable(),
  readmeMd: FileObject,
  readme: FileObject,
  readmeRst: FileObject,
  readmeLower: FileObject,
  contributing: FileObject,
  githubContributing: FileObject,
  agents: FileObject,
  droidConfig: FileObject,
  templates: z
    .object({
      entries: z.array(z.object({ name: z.string(), type: z.string(), object: FileObject })).optional(),
    })
    .nullable(),
});
export type RepositoryFields = z.infer<typeof RepositoryFields>;

export const RepositoryContextResponse = z.object({ repository: RepositoryFields.nullable() });

export const IssueContextResponse = z.object({
  repository: RepositoryFields
    .extend({
      issue: z
        .object({
          number: z.number(),
          title: z.string(),
          body: z.string(),
          url: z.string(),
          state: z.string(),
          author: Actor,
          authorAssociation: z.string(),
          labels: z.object({ nodes: z.array(z.object({ name: z.string() }).nullable()) }).nullable(),
          comments: CommentPage,
          closedByPullRequestsReferences: z.object({ nodes: z.array(PullRequestRef.nullable()) }).nullable(),
          timelineItems: z.object({
            nodes: z.array(
              z
                .object({ kind: z.string(), subject: Linked.optional(), source: Linked.optional() })
                .nullable(),
            ),
          }),
        })
        .nullable(),
    })
    .nullable(),
});
export type IssueContextResponse = z.infer<typeof IssueContextResponse>;

export const OlderCommentsResponse = z.object({
  repository: z.object({ issue: z.object({ comments: CommentPage }).nullable() }).nullable(),
});

/** A pull request found in a timeline node, if it is one. */
export function pullRequestIn(node: unknown): LinkedRef | null {
  const parsed = PullRequestRef.safeParse(node);
  return parsed.success && parsed.data.kind === "PullRequest" ? parsed.data : null;
}

/** An issue found in a timeline node, if it is one. */
export function issueIn(node: unknown): LinkedRef | null {
  const parsed = PullRequestRef.safeParse(node);
  return parsed.success && parsed.data.kind === "Issue" ? parsed.data : null;
}
