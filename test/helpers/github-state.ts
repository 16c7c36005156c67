/**
 * What the GitHub stand-in (`github-standin.ts`) keeps, in GitHub's own row shapes, the
 * rows a test seeds it with, and how they are answered (public shapes, pages, errors).
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
  checkRuns: CheckRunRow[];
}

/** A check run as GitHub answers it (the fields Droid sets). */
export interface CheckRunRow {
  id: number;
  name: string;
  head_sha: string;
  status: string;
  conclusion: string | null;
  details_url: string | null;
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

/** What the stand-in answers a request with. */
export interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export const now = () => new Date().toISOString();

export function emptyState(droidYml: string): StandinState {
  return {
    droidYml,
    issue: { number: 1, title: "", body: "", login: OWNER },
    comments: [],
    pulls: [],
    reviewComments: [],
    labels: new Map(),
    reactions: [],
    checkRuns: [],
  };
}

export function parseBody(text: string): Record<string, unknown> | null {
  if (text === "") return null;
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export function notFound(): Answer {
  return { status: 404, body: { message: "Not Found", documentation_url: "https://docs.github.com/rest", status: "404" } };
}

export function validationFailed(error: Record<string, string>): Answer {
  return { status: 422, body: { message: "Validation Failed", errors: [error], documentation_url: "https://docs.github.com/rest/pulls/pulls#create-a-pull-request", status: "422" } };
}

/** One page (`per_page`, `page`), with GitHub's `Link` header when more follow. */
export function page<T>(rows: T[], query: URLSearchParams): Answer {
  const perPage = Number(query.get("per_page") ?? 30);
  const n = Number(query.get("page") ?? 1);
  const body = rows.slice((n - 1) * perPage, n * perPage);
  if (rows.length <= n * perPage) return { status: 200, body };
  const next = new URLSearchParams(query);
  next.set("page", String(n + 1));
  return { status: 200, body, headers: { "content-type": "application/json; charset=utf-8", link: `<http://github.invalid/?${next}>; rel="next"` } };
}

export function issueRow(state: StandinState) {
  const { issue } = state;
  return { id: 1_000 + issue.number, number: issue.number, state: "open", title: issue.title, body: issue.body, user: userRow(issue.login), labels: [], comments: state.comments.filter((c) => c.issueNumber === issue.number).length, created_at: "2026-11-20T10:00:00Z", updated_at: "2026-11-20T10:00:00Z", html_url: `https://github.com/${OWNER}/${REPO}/issues/${issue.number}` };
}

export function publicComment(c: IssueCommentRow) {
  return { id: c.id, node_id: `IC_${c.id}`, body: c.body, user: c.user, created_at: c.created_at, updated_at: c.updated_at, html_url: `https://github.com/${OWNER}/${REPO}/issues/${c.issueNumber}#issuecomment-${c.id}`, author_association: c.user.type === "Bot" ? "NONE" : "OWNER" };
}

export function publicPull(p: PullRequestRow) {
  const { createdByDroid: _droid, ...pr } = p;
  return pr;
}

export function publicReviewComment(c: ReviewCommentRow) {
  const { createdByDroid: _droid, pullNumber: _pull, ...row } = c;
  return row;
}
