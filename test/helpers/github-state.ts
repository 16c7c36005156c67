/**
 * What the GitHub stand-in (`github-standin.ts`) keeps, in GitHub's own row shapes, and
 * the rows a test seeds it with.
 */
import { BOT_LOGIN } from "../fixtures/github.ts";
import { example, OWNER, REPO } from "./payloads.ts";

export interface UserRow {
  login: string;
  id: number;
  node_id: string;
  type: "User" | "Bot";
  name: string | null;
  site_admin: false;
}

export interface IssueCommentRow {
  id: number;
  issueNumber: number;
  body: string;
  user: UserRow;
  created_at: string;
  updated_at: string;
  /** Created through the API during the test (not seeded). */
  createdByDroid: boolean;
}

export interface PullRequestRow {
  number: number;
  id: number;
  node_id: string;
  html_url: string;
  state: "open" | "closed";
  merged: boolean;
  draft: boolean;
  title: string;
  body: string;
  user: UserRow;
  head: { ref: string; label: string; repo: { full_name: string; clone_url: string; html_url: string } };
  base: { ref: string; label: string; repo: { full_name: string; clone_url: string; html_url: string } };
  created_at: string;
  updated_at: string;
  createdByDroid: boolean;
}

export type ReviewCommentRow = Record<string, unknown> & {
  id: number;
  pullNumber: number;
  in_reply_to_id?: number;
  body: string;
  user: UserRow;
  created_at: string;
  updated_at: string;
  createdByDroid: boolean;
};

export interface StandinState {
  /** The raw `.github/droid.yml`. */
  droidYml: string;
  issue: { number: number; title: string; body: string; login: string };
  comments: IssueCommentRow[];
  pulls: PullRequestRow[];
  reviewComments: ReviewCommentRow[];
  labels: Map<number, string[]>;
  reactions: { commentId: number; content: string }[];
}

const USER_IDS: Record<string, number> = { [BOT_LOGIN]: 41898282, [OWNER]: 21031067 };

export function userRow(login: string): UserRow {
  const bot = login.endsWith("[bot]");
  const id = USER_IDS[login] ?? 1000;
  return { login, id, node_id: `U_${id}`, type: bot ? "Bot" : "User", name: bot ? null : login, site_admin: false };
}

const REPO_ROW = { full_name: `${OWNER}/${REPO}`, clone_url: `https://github.com/${OWNER}/${REPO}.git`, html_url: `https://github.com/${OWNER}/${REPO}` };

/** A comment on an issue (or a PR's conversation) that was there before the test. */
export function seededComment(input: { id: number; issueNumber: number; body: string; login: string; at: string }): IssueCommentRow {
  return { id: input.id, issueNumber: input.issueNumber, body: input.body, user: userRow(input.login), created_at: input.at, updated_at: input.at, createdByDroid: false };
}

export function pullRequestRow(input: { number: number; title: string; body: string; head: string; base: string; draft: boolean; createdByDroid: boolean; login?: string }): PullRequestRow {
  const at = new Date().toISOString();
  return {
    number: input.number,
    id: 50_000 + input.number,
    node_id: `PR_${input.number}`,
    html_url: `https://github.com/${OWNER}/${REPO}/pull/${input.number}`,
    state: "open",
    merged: false,
    draft: input.draft,
    title: input.title,
    body: input.body,
    user: userRow(input.login ?? BOT_LOGIN),
    head: { ref: input.head, label: `${OWNER}:${input.head}`, repo: REPO_ROW },
    base: { ref: input.base, label: `${OWNER}:${input.base}`, repo: REPO_ROW },
    created_at: at,
    updated_at: at,
    createdByDroid: input.createdByDroid,
  };
}

/** A review comment as GitHub lists it: the real webhook example's comment, adjusted. */
export function reviewCommentRow(input: { id: number; pullNumber: number; reviewId: number; body: string; path: string; line: number; diffHunk: string; login: string; at: string }): ReviewCommentRow {
  const row = example("pull_request_review_comment", "created").comment as Record<string, unknown>;
  return {
    ...row,
    id: input.id,
    pullNumber: input.pullNumber,
    pull_request_review_id: input.reviewId,
    body: input.body,
    path: input.path,
    line: input.line,
    original_line: input.line,
    diff_hunk: input.diffHunk,
    user: userRow(input.login),
    created_at: input.at,
    updated_at: input.at,
    createdByDroid: false,
  };
}
