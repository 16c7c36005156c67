/** What the planner may know about an issue and its repository, cleaned and trimmed by whoever gathered it. */

/** A file from the default branch, cleaned and trimmed. */
export interface ContextFile {
  path: string;
  text: string;
  /** Characters trimmed away (0 = complete). */
  cutChars: number;
}

/** One comment that reaches the model. */
export interface ThreadComment {
  id: number;
  author: string;
  createdAt: string;
  body: string;
  cutChars: number;
}

export interface LinkedPullRequest {
  number: number;
  title: string;
  state: string;
}

/** The body of an issue or pull request the issue is linked with (closing, cross-referenced or referenced by number). */
export interface LinkedBody {
  kind: "issue" | "pull request";
  number: number;
  title: string;
  /** Its author's login (access not checked), null for a deleted account. */
  author: string | null;
  /** Cleaned and trimmed. */
  body: string;
  cutChars: number;
}

/** Comments that were left out, by reason. */
export interface Exclusions {
  /** Authors without write access. */
  nonWriters: number;
  /** Bots, Droid included. */
  bots: number;
  /** Posted after the trigger. */
  afterTrigger: number;
  /** Older writer comments left out to fit the budget (fetched or not). */
  olderOmitted: number;
}

/** What the model may know about the issue and the repository, already cleaned and trimmed. */
export interface IssueContext {
  repo: {
    nameWithOwner: string;
    description: string | null;
    defaultBranch: string;
    /** Primary languages with their share of the code, largest first. */
    languages: Array<{ name: string; percent: number }>;
    /** Top-level entries of the default branch; directories end with `/`. */
    topLevel: string[];
    /** README, CONTRIBUTING, AGENTS.md: those that exist. */
    files: ContextFile[];
    /** Instruction files that do not exist (e.g. `README`). */
    missing: string[];
  };
  /** Raw `.github/droid.yml` from the default branch, if any (not shown to the model). */
  droidConfig: string | null;
  /** Markdown files in the repo's templates directory (not cleaned: they are the repo's own config). */
  repoTemplates: Array<{ name: string; text: string }>;
  issue: {
    number: number;
    /** How the model is told which ticket this is: `Issue #12`, `Jira ticket PROJ-123`. */
    name: string;
    title: string;
    url: string;
    author: string;
    /** Whether the author has write access (asked of GitHub; bots never do). */
    authorCanWrite: boolean;
    labels: string[];
    body: string;
    bodyCutChars: number;
    linkedPullRequests: LinkedPullRequest[];
    /** Bodies of linked pull requests and issues, and of those the body refers to by number (a few, capped). */
    linkedBodies: LinkedBody[];
    /**
     * What the ticket names besides its body, written by others (access not checked): a Jira
     * ticket's parent, links, sub-tasks and attachment names, one per line; empty when none.
     */
    related: string;
    totalComments: number;
  };
  /** Writer comments made before the trigger, oldest first. */
  comments: ThreadComment[];
  /** The comment that asked for this job, when a comment did. */
  trigger: ThreadComment | null;
  excluded: Exclusions;
  /** Count of hidden pieces (HTML comments, hidden elements, invisible characters) removed. */
  hiddenRemoved: number;
  /** Human-readable notes on what was trimmed or left out, for the plan comment. */
  notes: string[];
}

/** The issue or repository could not be read. */
export class ContextUnavailable extends Error {
  override readonly name = "ContextUnavailable";
}
