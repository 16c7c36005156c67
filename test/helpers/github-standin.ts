/**
 * A stateful GitHub REST stand-in over real HTTP, for tests that run the real `droid serve`
 * process (which nock cannot reach). Served by the test git server under `/api/` (its
 * `api` option), so one `GHE_HOST` answers Probot's API calls and git's clone and push.
 *
 * It keeps what GitHub would keep — issue #1 and its comments, pull requests, review
 * comments, labels, reactions, reviews (GraphQL, `review-graphql.ts`) — and answers in
 * GitHub's payload shapes, so a process that
 * restarts reads what its killed predecessor wrote. Strict: only the routes below exist; any
 * other request is answered 404 and listed in `unexpected`, which tests assert is empty.
 * Hooks let a test act when a request arrives, hold it unanswered, or process it and hold
 * its answer (GitHub did the work, the caller never heard).
 */
import type http from "node:http";
import { BOT_LOGIN } from "../fixtures/github.ts";
import { INSTALLATION_ID, OWNER, REPO } from "./payloads.ts";
import { isReviewRequest, ReviewGraphql, type GraphqlRequest } from "./review-graphql.ts";
import {
  type Answer,
  emptyState,
  issueRow,
  notFound,
  now,
  page,
  parseBody,
  publicComment,
  publicPull,
  publicReviewComment,
  pullRequestRow,
  type CheckRunRow,
  type IssueCommentRow,
  type StandinState,
  userRow,
  validationFailed,
} from "./github-state.ts";

export type { CheckRunRow, IssueCommentRow, PullRequestRow, ReviewCommentRow, StandinState } from "./github-state.ts";

export type Route =
  | "token"
  | "app"
  | "deliveries"
  | "config"
  | "permission"
  | "user"
  | "issue"
  | "comments.list"
  | "comment.create"
  | "comment.update"
  | "reaction"
  | "labels"
  | "pulls.list"
  | "pull.create"
  | "pull.get"
  | "pull.update"
  | "review-comments.list"
  | "check.create"
  | "check.update"
  | "graphql";

export interface StandinRequest {
  route: Route | null;
  method: string;
  path: string;
  query: URLSearchParams;
  /** The parsed JSON body (or null). */
  body: Record<string, unknown> | null;
  /** The path's parameters (`number`, `id`, `login`). */
  params: Record<string, string>;
}

/** What a hook does: answer (the default), hold unanswered and unprocessed, or process and hold the answer. */
export type RequestAction = "answer" | "hold" | "process-then-hold";

export interface GitHubStandin {
  /** The `api` handler for `startGitServer`. */
  readonly handle: http.RequestListener;
  readonly state: StandinState;
  /** Every request, in order. */
  readonly requests: StandinRequest[];
  /** Requests to routes it does not know (answered 404). */
  readonly unexpected: StandinRequest[];
  /** Starts over with this issue #1 and what the test seeds. */
  reset(seed: Partial<StandinState> & Pick<StandinState, "droidYml">): void;
  /** Calls `hook` for each request of `route` as it arrives; returns a function removing it. */
  onRequest(route: Route, hook: (request: StandinRequest) => RequestAction | void): () => void;
  /** The comments Droid created on issue or PR `number` (POSTed, not seeded). */
  createdComments(number: number): IssueCommentRow[];
  /** GitHub's GraphQL side of reviews: threads of the seeded review comments, pending and submitted reviews. */
  readonly reviews: ReviewGraphql;
}

const REPO_PATH = `/api/v3/repos/${OWNER}/${REPO}`.toLowerCase();

/** Routes as [name, method, pattern after the repository's prefix (or the whole path)]. */
const ROUTES: [Route, string, RegExp][] = [
  ["token", "POST", new RegExp(`^/api/v3/app/installations/${INSTALLATION_ID}/access_tokens$`)],
  ["app", "GET", /^\/api\/v3\/app$/],
  ["deliveries", "GET", /^\/api\/v3\/app\/hook\/deliveries$/],
  ["user", "GET", /^\/api\/v3\/users\/(?<login>[^/]+)$/],
  ["graphql", "POST", /^\/api\/graphql$/],
  ["config", "GET", /^REPO\/contents\/\.github\/droid\.yml$/],
  ["permission", "GET", /^REPO\/collaborators\/(?<login>[^/]+)\/permission$/],
  ["issue", "GET", /^REPO\/issues\/(?<number>\d+)$/],
  ["comments.list", "GET", /^REPO\/issues\/(?<number>\d+)\/comments$/],
  ["comment.create", "POST", /^REPO\/issues\/(?<number>\d+)\/comments$/],
  ["comment.update", "PATCH", /^REPO\/issues\/comments\/(?<id>\d+)$/],
  ["reaction", "POST", /^REPO\/issues\/comments\/(?<id>\d+)\/reactions$/],
  ["labels", "POST", /^REPO\/issues\/(?<number>\d+)\/labels$/],
  ["pulls.list", "GET", /^REPO\/pulls$/],
  ["pull.create", "POST", /^REPO\/pulls$/],
  ["pull.get", "GET", /^REPO\/pulls\/(?<number>\d+)$/],
  ["pull.update", "PATCH", /^REPO\/pulls\/(?<number>\d+)$/],
  ["review-comments.list", "GET", /^REPO\/pulls\/(?<number>\d+)\/comments$/],
  ["check.create", "POST", /^REPO\/check-runs$/],
  ["check.update", "PATCH", /^REPO\/check-runs\/(?<id>\d+)$/],
];

function match(method: string, path: string): { route: Route; params: Record<string, string> } | null {
  const lower = path.toLowerCase();
  const local = lower.startsWith(`${REPO_PATH}/`) ? `REPO${path.slice(REPO_PATH.length)}` : path;
  for (const [route, verb, pattern] of ROUTES) {
    const found = verb === method ? pattern.exec(local) : null;
    if (found) return { route, params: { ...found.groups } };
  }
  return null;
}

/**
 * The stand-in. `branchExists` says whether the repository has a branch (GitHub refuses a
 * pull request whose head was never pushed).
 */
export function createGitHubStandin(options: { installationToken: string; branchExists: (branch: string) => Promise<boolean> }): GitHubStandin {
  let state = emptyState("");
  let nextId = 20_000;
  // A submitted review's replies are listed as review comments, as GitHub lists them.
  const submitted = (review: { databaseId: number; pullNumber: number; replies: { rootId: number; body: string }[] }) => {
    for (const reply of review.replies) {
      const root = state.reviewComments.find((c) => c.id === reply.rootId);
      if (!root) continue;
      state.reviewComments.push({ ...root, id: nextId++, in_reply_to_id: reply.rootId, body: reply.body, user: userRow(BOT_LOGIN), created_at: now(), updated_at: now(), pull_request_review_id: review.databaseId, createdByDroid: true });
    }
  };
  let reviews = new ReviewGraphql(BOT_LOGIN, submitted);
  const requests: StandinRequest[] = [];
  const unexpected: StandinRequest[] = [];
  const hooks = new Map<Route, Set<(request: StandinRequest) => RequestAction | void>>();

  const answer = async (request: StandinRequest): Promise<Answer> => {
    const { params, body, query } = request;
    const number = Number(params.number);
    switch (request.route) {
      case "token":
        return { status: 201, body: { token: options.installationToken, expires_at: new Date(Date.now() + 3_600_000).toISOString(), permissions: { contents: "write", issues: "write", pull_requests: "write" }, repository_selection: "all" } };
      case "app":
        return { status: 200, body: { id: 1, slug: BOT_LOGIN.replace("[bot]", ""), name: "Droid", owner: userRow(OWNER), permissions: {}, events: [] } };
      case "deliveries":
        return { status: 200, body: [] };
      case "user": {
        const login = decodeURIComponent(params.login ?? "");
        return [BOT_LOGIN, OWNER].includes(login) ? { status: 200, body: userRow(login) } : notFound();
      }
      case "config":
        return { status: 200, body: state.droidYml, headers: { "content-type": "application/vnd.github.v3.raw; charset=utf-8" } };
      case "permission": {
        const login = decodeURIComponent(params.login ?? "");
        const permission = login === OWNER ? "admin" : "read";
        return { status: 200, body: { permission, role_name: permission, user: userRow(login) } };
      }
      case "issue":
        return number === state.issue.number ? { status: 200, body: issueRow(state) } : notFound();
      case "comments.list": {
        const since = query.get("since");
        const all = state.comments.filter((c) => c.issueNumber === number && (since === null || c.updated_at >= since));
        return page(all, query);
      }
      case "comment.create": {
        const created: IssueCommentRow = { id: nextId++, issueNumber: number, body: String(body?.body ?? ""), user: userRow(BOT_LOGIN), created_at: now(), updated_at: now(), createdByDroid: true };
        state.comments.push(created);
        return { status: 201, body: publicComment(created) };
      }
      case "comment.update": {
        const comment = state.comments.find((c) => c.id === Number(params.id));
        if (!comment) return notFound();
        comment.body = String(body?.body ?? comment.body);
        comment.updated_at = now();
        return { status: 200, body: publicComment(comment) };
      }
      case "reaction": {
        if (!state.comments.some((c) => c.id === Number(params.id))) return notFound();
        state.reactions.push({ commentId: Number(params.id), content: String(body?.content) });
        return { status: 201, body: { id: nextId++, content: body?.content, user: userRow(BOT_LOGIN), created_at: now() } };
      }
      case "labels": {
        const names = Array.isArray(body?.labels) ? body.labels.map(String) : [];
        const labels = state.labels.get(number) ?? [];
        state.labels.set(number, [...new Set([...labels, ...names])]);
        return { status: 200, body: (state.labels.get(number) ?? []).map((name, i) => ({ id: i + 1, name, color: "ededed", default: false })) };
      }
      case "pulls.list": {
        const wanted = query.get("state") ?? "open";
        return page(state.pulls.filter((p) => wanted === "all" || p.state === wanted).map(publicPull), query);
      }
      case "pull.create":
        return createPull(body);
      case "pull.get": {
        const pr = state.pulls.find((p) => p.number === number);
        return pr ? { status: 200, body: publicPull(pr) } : notFound();
      }
      case "pull.update": {
        const pr = state.pulls.find((p) => p.number === number);
        if (!pr) return notFound();
        if (typeof body?.body === "string") pr.body = body.body;
        if (typeof body?.title === "string") pr.title = body.title;
        if (body?.state === "open" || body?.state === "closed") pr.state = body.state;
        pr.updated_at = now();
        return { status: 200, body: publicPull(pr) };
      }
      case "review-comments.list":
        return page(state.reviewComments.filter((c) => c.pullNumber === number).map(publicReviewComment), query);
      case "check.create": {
        const check: CheckRunRow = { id: nextId++, name: String(body?.name ?? ""), head_sha: String(body?.head_sha ?? ""), status: String(body?.status ?? "queued"), conclusion: null, details_url: typeof body?.details_url === "string" ? body.details_url : null };
        state.checkRuns.push(check);
        return { status: 201, body: check };
      }
      case "check.update": {
        const check = state.checkRuns.find((c) => c.id === Number(params.id));
        if (!check) return notFound();
        if (typeof body?.status === "string") check.status = body.status;
        if (typeof body?.conclusion === "string") check.conclusion = body.conclusion;
        return { status: 200, body: check };
      }
      case "graphql":
        return graphql(body);
      case null:
        return notFound();
    }
  };

  const createPull = async (body: Record<string, unknown> | null): Promise<Answer> => {
    const head = String(body?.head ?? "");
    if (state.pulls.some((p) => p.state === "open" && p.head.ref === head)) {
      return validationFailed({ resource: "PullRequest", code: "custom", message: `A pull request already exists for ${OWNER}:${head}.` });
    }
    if (!(await options.branchExists(head))) return validationFailed({ resource: "PullRequest", field: "head", code: "invalid" });
    const number = Math.max(state.issue.number, ...state.pulls.map((p) => p.number)) + 1;
    const pr = pullRequestRow({ number, title: String(body?.title ?? ""), body: String(body?.body ?? ""), head, base: String(body?.base ?? ""), draft: body?.draft === true, createdByDroid: true });
    state.pulls.push(pr);
    return { status: 201, body: publicPull(pr) };
  };

  const graphql = (body: Record<string, unknown> | null): Answer => {
    const text = String(body?.query ?? "");
    const request: GraphqlRequest = { query: text, variables: (body?.variables ?? {}) as Record<string, unknown> };
    if (isReviewRequest(request)) return { status: 200, body: reviews.answer(request) };
    const variables = (body?.variables ?? {}) as Record<string, unknown>;
    const pr = state.pulls.find((p) => p.node_id === variables.id);
    const ready = /markPullRequestReadyForReview/.test(text);
    if (!pr || !(ready || /convertPullRequestToDraft/.test(text))) return { status: 200, body: { errors: [{ message: "not known to the stand-in" }] } };
    pr.draft = !ready;
    const field = ready ? "markPullRequestReadyForReview" : "convertPullRequestToDraft";
    return { status: 200, body: { data: { [field]: { pullRequest: { isDraft: pr.draft } } } } };
  };

  const handle: http.RequestListener = (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const path = decodeURIComponent(url.pathname);
      const found = match(req.method ?? "GET", path);
      const text = Buffer.concat(chunks).toString("utf8");
      const request: StandinRequest = { route: found?.route ?? null, method: req.method ?? "GET", path, query: url.searchParams, body: parseBody(text), params: found?.params ?? {} };
      requests.push(request);
      if (!found) unexpected.push(request);
      const actions = found ? [...(hooks.get(found.route) ?? [])].map((hook) => hook(request)) : [];
      if (actions.includes("hold")) return;
      void answer(request).then(({ status, body, headers }) => {
        if (actions.includes("process-then-hold")) return;
        const raw = typeof body === "string";
        res.writeHead(status, headers ?? { "content-type": "application/json; charset=utf-8" });
        res.end(raw ? body : JSON.stringify(body));
      });
    });
  };

  return {
    handle,
    get state() {
      return state;
    },
    requests,
    unexpected,
    reset(seed) {
      state = { ...emptyState(seed.droidYml), ...seed };
      reviews = new ReviewGraphql(BOT_LOGIN, submitted);
      for (const number of new Set(state.reviewComments.map((c) => c.pullNumber))) reviews.addThreads(number, state.reviewComments.filter((c) => c.pullNumber === number));
      requests.length = 0;
      unexpected.length = 0;
      hooks.clear();
    },
    onRequest(route, hook) {
      const set = hooks.get(route) ?? new Set();
      set.add(hook);
      hooks.set(route, set);
      return () => void set.delete(hook);
    },
    createdComments: (number) => state.comments.filter((c) => c.issueNumber === number && c.createdByDroid),
    get reviews() {
      return reviews;
    },
  };
}
