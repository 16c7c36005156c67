/**
 * The run pages' HTTP routes, behind sign-in:
 *
 *   GET  /runs/<job id>              a run (sign-in page without a session; 404 without read access)
 *   GET  /runs/<job id>/live?after=N new timeline entries as HTML, for the live page's script (JSON)
 *   GET  /runs/<job id>/logs/<name>  a full command log (text/plain)
 *   GET  /runs?repo=owner/name       a repository's runs
 *   GET  /runs/stats?since=7d&repo=… success rates: the repositories the reader can read, every one for an operator
 *   GET  /runs/sign-in?next=…        to GitHub's authorize page, with a signed `state` cookie
 *   GET  /runs/oauth/callback        the code exchanged, the session cookie set, back to `next`
 *   POST /runs/sign-out              the session cookie cleared
 *
 * Every page carries a CSP with a per-response nonce, `nosniff`, `no-store` and no framing.
 * A run's existence is never told to someone who may not read its repository.
 */
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { JobQueue } from "../jobs/queue.ts";
import type { TranscriptStore } from "../jobs/transcript.ts";
import { isJobId, LOG_NAME } from "../jobs/transcript.ts";
import type { AccessCache, GitHubAccess } from "./github-access.ts";
import type { Html } from "./html.ts";
import { indexBody, messageBody, notFoundBody, signInBody } from "./index-page.ts";
import { page } from "./layout.ts";
import { entryHtml, isLive, runPageBody, runState } from "./run-page.ts";
import { statsBody, statsProblemBody } from "./stats-page.ts";
import { parsePeriod, successRates, type SuccessRates } from "../jobs/stats.ts";
import { cookie, readCookies, SESSION_COOKIE, STATE_COOKIE, type SessionCodec } from "./session.ts";
import { describeTarget } from "../jobs/target.ts";

export interface RunPagesOptions {
  /** `DROID_PUBLIC_URL`: the OAuth callback is `<publicUrl>/runs/oauth/callback`. */
  publicUrl: string;
  github: GitHubAccess;
  sessions: SessionCodec;
  sessionMs: number;
  access: AccessCache;
  queue: Pick<JobQueue, "get" | "endedSince" | "merges">;
  transcripts: TranscriptStore;
  /** `DROID_OPERATORS`, lower case: they see every repository's success rates. */
  operators: readonly string[];
  log: Logger;
}

const REPO = /^([A-Za-z0-9][A-Za-z0-9-]{0,38})\/([A-Za-z0-9._-]{1,100})$/;
const INDEX_LIMIT = 100;

/** A route handler: true when it answered. */
export function runPagesHandler(options: RunPagesOptions): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const secure = options.publicUrl.startsWith("https://");
  const callback = `${options.publicUrl}/runs/oauth/callback`;
  return async (req, res) => {
    const url = new URL(req.url ?? "/", "http://droid.invalid");
    const parts = url.pathname.split("/").filter(Boolean);
    if (parts[0] !== "runs") return false;
    const method = req.method ?? "GET";
    const nonce = randomBytes(16).toString("base64");
    const send = (status: number, title: string, body: Html, extra: { live?: boolean; user?: string | null; headers?: Record<string, string | string[]> } = {}) => {
      res.writeHead(status, { ...pageHeaders(nonce), "content-type": "text/html; charset=utf-8", ...extra.headers });
      res.end(page({ title, nonce, body, ...(extra.live ? { live: true } : {}), user: extra.user ?? null }));
      return true;
    };
    const cookies = readCookies(req.headers.cookie);
    const session = options.sessions.openSession(cookies.get(SESSION_COOKIE));

    if (parts[1] === "sign-in" && parts.length === 2 && method === "GET") {
      const state = options.sessions.newState(safeNext(url.searchParams.get("next")));
      res.writeHead(302, {
        ...pageHeaders(nonce),
        location: options.github.authorizeUrl(state.state, callback),
        "set-cookie": cookie(STATE_COOKIE, options.sessions.sealState(state), { maxAgeSeconds: 600, secure }),
      });
      res.end();
      return true;
    }
    if (parts[1] === "oauth" && parts[2] === "callback" && parts.length === 3 && method === "GET") {
      const state = options.sessions.checkState(cookies.get(STATE_COOKIE), url.searchParams.get("state"));
      const code = url.searchParams.get("code");
      const clearState = cookie(STATE_COOKIE, "", { maxAgeSeconds: 0, secure });
      if (!state || !code) return send(400, "Sign-in failed", messageBody("Sign-in failed", "The sign-in could not be verified (it expired or did not start here). Open the run's link again to sign in."), { headers: { "set-cookie": clearState } });
      try {
        const token = await options.github.exchange(code, callback);
        const login = await options.github.login(token);
        const fresh = options.sessions.newSession(login, token, options.sessionMs);
        options.log.info({ login }, "run pages: signed in");
        res.writeHead(302, {
          ...pageHeaders(nonce),
          location: state.next,
          "set-cookie": [clearState, cookie(SESSION_COOKIE, options.sessions.sealSession(fresh), { maxAgeSeconds: options.sessionMs / 1000, secure })],
        });
        res.end();
        return true;
      } catch (error) {
        options.log.warn({ err: error }, "run pages: GitHub refused the sign-in");
        return send(502, "Sign-in failed", messageBody("Sign-in failed", "GitHub did not accept the sign-in. Try again."), { headers: { "set-cookie": clearState } });
      }
    }
    if (parts[1] === "sign-out" && parts.length === 2 && method === "POST") {
      res.writeHead(303, { ...pageHeaders(nonce), location: "/runs/signed-out", "set-cookie": cookie(SESSION_COOKIE, "", { maxAgeSeconds: 0, secure }) });
      res.end();
      return true;
    }
    if (parts[1] === "signed-out" && parts.length === 2) return send(200, "Signed out", messageBody("Signed out", "You are signed out of Droid's run pages."));
    if (method !== "GET") return send(405, "Not allowed", notFoundBody(), { headers: { allow: "GET" } });

    // Everything below shows a repository's runs: a session first, then read access.
    const here = `${url.pathname}${url.search}`;
    if (!session) return send(401, "Sign in", signInBody(safeNext(here)));
    const mayRead = (repo: string) => {
      const m = REPO.exec(repo);
      if (!m?.[1] || !m[2]) return Promise.resolve(false);
      const owner = m[1];
      const name = m[2];
      return options.access.allowed(session.id, repo, () => options.github.canRead(session.token, { owner, name }));
    };
    const notFound = () => send(404, "Not found", notFoundBody(), { user: session.login });

    if (parts[1] === "stats" && parts.length === 2) {
      const period = url.searchParams.get("since") || "7d";
      const periodMs = parsePeriod(period);
      const repo = url.searchParams.get("repo")?.trim() || null;
      const named = repo === null ? null : REPO.exec(repo);
      if (periodMs === null) return send(400, "Success rates", statsProblemBody("The period is a number of minutes, hours, days or weeks: 30m, 12h, 7d, 2w.", "7d", repo), { user: session.login });
      if (repo !== null && !named) return send(400, "Success rates", statsProblemBody("The repository is owner/name.", period, null), { user: session.login });
      const operator = options.operators.includes(session.login.toLowerCase());
      if (repo !== null && !operator && !(await mayRead(repo))) return notFound();
      const name = named?.[1] && named[2] ? { owner: named[1], name: named[2] } : undefined;
      const since = new Date(Date.now() - periodMs);
      const rates = successRates(await options.queue.endedSince(since, name), await options.queue.merges(name));
      const shown = operator ? rates : await readable(rates, mayRead);
      return send(200, "Success rates", statsBody({ rates: shown, period, since, repo, scope: operator ? "all" : "readable" }), { user: session.login });
    }

    if (parts.length === 1) {
      const repo = url.searchParams.get("repo") ?? "";
      if (!(await mayRead(repo))) return notFound();
      const summaries = await options.transcripts.runs(repo, INDEX_LIMIT);
      const runs = await Promise.all(summaries.map(async (summary) => ({ summary, job: await options.queue.get(summary.jobId) })));
      return send(200, repo, indexBody(repo, runs), { user: session.login });
    }

    const jobId = parts[1] ?? "";
    const run = isJobId(jobId) ? await options.transcripts.run(jobId) : undefined;
    if (!run || !(await mayRead(run.repo))) return notFound();
    if (parts.length === 2) {
      const view = { summary: run, job: await options.queue.get(jobId), records: await options.transcripts.entries(jobId) };
      return send(200, run.title || `${run.kind} on ${describeTarget(run.target)}`, runPageBody(view), { live: isLive(view), user: session.login });
    }
    if (parts[2] === "live" && parts.length === 3) {
      const after = Math.max(0, Number(url.searchParams.get("after")) || 0);
      const records = await options.transcripts.entries(jobId, after);
      const view = { summary: run, job: await options.queue.get(jobId) };
      const base = `/runs/${encodeURIComponent(jobId)}`;
      const body = { html: records.map((r) => entryHtml(r, base, run.createdAt).toString()).join(""), after: records.at(-1)?.seq ?? after, active: isLive(view), status: `${runState(view)}…` };
      res.writeHead(200, { ...pageHeaders(nonce), "content-type": "application/json; charset=utf-8" });
      res.end(JSON.stringify(body));
      return true;
    }
    if (parts[2] === "logs" && parts.length === 4 && LOG_NAME.test(parts[3] ?? "")) {
      const text = await options.transcripts.readLog(jobId, parts[3] ?? "");
      if (text === undefined) return notFound();
      res.writeHead(200, { ...pageHeaders(nonce), "content-type": "text/plain; charset=utf-8" });
      res.end(text);
      return true;
    }
    return notFound();
  };
}

/** The rates of the repositories `mayRead` allows (each repository asked once; answers are cached per session). */
async function readable(rates: readonly SuccessRates[], mayRead: (repo: string) => Promise<boolean>): Promise<SuccessRates[]> {
  const allowed = new Map<string, boolean>();
  for (const repo of new Set(rates.map((r) => r.repo))) allowed.set(repo, await mayRead(repo));
  return rates.filter((r) => allowed.get(r.repo) === true);
}

function pageHeaders(nonce: string): Record<string, string> {
  return {
    "content-security-policy": `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
  };
}

/** Only a path of the run pages: never another site (`//host`, `/\\host`) after signing in. */
function safeNext(next: string | null): string {
  if (!next || !/^\/runs(?:[/?]|$)/.test(next) || /[\\\s]|\/\//.test(next)) return "/runs";
  return next;
}
