/**
 * A Probot wired for tests: real app authentication (a generated key), Octokit
 * throttling and retries off, and strict nock scopes for api.github.com.
 */
import nock from "nock";
import { pino } from "pino";
import { Probot, ProbotOctokit } from "probot";
import { generateAppKey } from "./app-key.ts";
import { INSTALLATION_ID, OWNER, REPO } from "./payloads.ts";

export const WEBHOOK_SECRET = "test-webhook-secret";
export const INSTALLATION_TOKEN = "ghs_testinstallationtoken0123456789abcdef";

export const TEST_PRIVATE_KEY = generateAppKey();

/**
 * The function form matters: Probot passes its own `throttle` options when it builds
 * the app's Octokit, which would replace an object default and re-enable throttling
 * (about one second between writes).
 */
export const TestOctokit = ProbotOctokit.defaults((options: Record<string, any>) => ({
  ...options,
  retry: { enabled: false },
  throttle: { ...options.throttle, enabled: false },
}));

export const silentLog = pino({ level: "silent" });

export function testProbot(): Probot {
  return new Probot({
    appId: 123,
    privateKey: TEST_PRIVATE_KEY,
    secret: WEBHOOK_SECRET,
    log: silentLog,
    Octokit: TestOctokit,
  });
}

export const api = () => nock("https://api.github.com");

/** The installation token exchange every first API call of a test makes. */
export function expectInstallationToken(scope = api()): nock.Scope {
  return scope
    .post(`/app/installations/${INSTALLATION_ID}/access_tokens`)
    .reply(201, { token: INSTALLATION_TOKEN, expires_at: new Date(Date.now() + 3600_000).toISOString() });
}

/** `.github/droid.yml` lookups: the repo's file (or 404), then the org's `.github` repo when absent. */
export function expectConfig(scope: nock.Scope, yaml: string | null = null): nock.Scope {
  const path = `/repos/${OWNER}/${REPO}/contents/.github%2Fdroid.yml`;
  if (yaml !== null) return scope.get(path).reply(200, yaml, { "content-type": "application/vnd.github.v3.raw; charset=utf-8" });
  return scope
    .get(path)
    .reply(404, { message: "Not Found" })
    .get(`/repos/${OWNER}/.github/contents/.github%2Fdroid.yml`)
    .reply(404, { message: "Not Found" });
}

export function expectPermission(scope: nock.Scope, login: string, permission: string, role = permission): nock.Scope {
  return scope
    .get(`/repos/${OWNER}/${REPO}/collaborators/${login}/permission`)
    .reply(200, { permission, role_name: role, user: { login, type: "User" } });
}

/** Declares a comment on issue #1 and captures its body. */
export function expectComment(scope: nock.Scope, bodies: string[], number = 1): nock.Scope {
  return scope.post(`/repos/${OWNER}/${REPO}/issues/${number}/comments`, (body: { body: string }) => {
    bodies.push(body.body);
    return true;
  }).reply(201, { id: 1000 + bodies.length });
}
