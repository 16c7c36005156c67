/**
 * The GitHub side of the run pages' sign-in, on the configured GitHub host (github.com,
 * or `GHE_HOST`/`GHE_PROTOCOL`): the App's OAuth web flow (authorize, then the code
 * exchanged for a user token with `@octokit/oauth-methods`), the user's login, and the one
 * question the token is used for — can this user read this repository
 * (`GET /repos/{owner}/{repo}` with their token). Answers are cached briefly per session.
 */
import { exchangeWebFlowCode } from "@octokit/oauth-methods";
import { request as octokitRequest } from "@octokit/request";
import type { GitHubHost } from "../config/github-host.ts";

export interface GitHubAccess {
  /** Where the browser goes to sign in. */
  authorizeUrl(state: string, redirectUri: string): string;
  /** The user's token for a callback's `code`. */
  exchange(code: string, redirectUri: string): Promise<string>;
  login(token: string): Promise<string>;
  /** True when the token's user can read `owner/name` (404 and 403 are no). */
  canRead(token: string, repo: { owner: string; name: string }): Promise<boolean>;
}

/** github.com's API is api.github.com; a GitHub Enterprise Server's is `<host>/api/v3`. */
export function apiBaseUrl(host: GitHubHost): string {
  return host.host === "github.com" ? "https://api.github.com" : `${host.protocol}://${host.host}/api/v3`;
}

export function githubAccess(input: { host: GitHubHost; clientId: string; clientSecret: string }): GitHubAccess {
  const web = `${input.host.protocol}://${input.host.host}`;
  const request = octokitRequest.defaults({ baseUrl: apiBaseUrl(input.host), headers: { "user-agent": "droid-run-pages" } });
  return {
    authorizeUrl(state, redirectUri) {
      const url = new URL("/login/oauth/authorize", web);
      url.searchParams.set("client_id", input.clientId);
      url.searchParams.set("redirect_uri", redirectUri);
      url.searchParams.set("state", state);
      url.searchParams.set("allow_signup", "false");
      return url.toString();
    },
    async exchange(code, redirectUri) {
      const { authentication } = await exchangeWebFlowCode({ clientType: "github-app", clientId: input.clientId, clientSecret: input.clientSecret, code, redirectUrl: redirectUri, request });
      return authentication.token;
    },
    async login(token) {
      const { data } = await request("GET /user", { headers: { authorization: `token ${token}` } });
      return data.login;
    },
    async canRead(token, repo) {
      try {
        await request("GET /repos/{owner}/{repo}", { owner: repo.owner, repo: repo.name, headers: { authorization: `token ${token}` } });
        return true;
      } catch (error) {
        const status = typeof error === "object" && error !== null && "status" in error ? error.status : null;
        if (status === 404 || status === 403 || status === 401) return false;
        throw error;
      }
    },
  };
}

/** Access answers per session and repository, for `ttlMs` (a bounded map). */
export class AccessCache {
  readonly #answers = new Map<string, { allowed: boolean; until: number }>();
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(ttlMs: number, now: () => number = Date.now) {
    this.#ttlMs = ttlMs;
    this.#now = now;
  }

  async allowed(sessionId: string, repo: string, ask: () => Promise<boolean>): Promise<boolean> {
    const key = `${sessionId} ${repo.toLowerCase()}`;
    const known = this.#answers.get(key);
    if (known && known.until > this.#now()) return known.allowed;
    const allowed = await ask();
    this.#answers.set(key, { allowed, until: this.#now() + this.#ttlMs });
    if (this.#answers.size > 10_000) this.#answers.delete(this.#answers.keys().next().value ?? "");
    return allowed;
  }
}
