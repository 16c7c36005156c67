/**
 * What the Jira tests share: the site's credentials and settings, the ticket SHOP-7 of
 * the fixtures (mapped to the fixture repository), real-shaped webhook bodies, and a
 * signed delivery to Droid's server.
 */
import { readFileSync } from "node:fs";
import { signJiraBody } from "../../src/jira/signature.ts";
import type { JiraSettings } from "../../src/jira/settings.ts";
import type { FakeTicket } from "./jira-server.ts";
import { INSTALLATION_ID, OWNER, REPO } from "./payloads.ts";

export const JIRA_SECRET = "jira-webhook-secret-of-the-tests-0123456789";
export const JIRA_EMAIL = "droid@acme.example";
export const JIRA_TOKEN = "atlassian-api-token-of-the-tests";
/** Ada's Atlassian account: mapped by email to the GitHub login `octocat`, a writer. */
export const ADA = { accountId: "5b10a2844c20165700ede21g", displayName: "Ada Lovelace", emailAddress: "ada@acme.example", accountType: "atlassian" };
export const WRITER_LOGIN = "octocat";
export const TICKET_ID = "10042";
export const TICKET_KEY = "SHOP-7";

const fixture = (name: string): Record<string, unknown> => JSON.parse(readFileSync(new URL(`../fixtures/jira/${name}`, import.meta.url), "utf8")) as Record<string, unknown>;

export function jiraSettings(baseUrl: string, overrides: Partial<JiraSettings> = {}): JiraSettings {
  return {
    webhookSecret: JIRA_SECRET,
    baseUrl,
    apiUrl: baseUrl,
    flavour: "cloud",
    credentials: { kind: "basic", email: JIRA_EMAIL, apiToken: JIRA_TOKEN },
    projects: new Map([["SHOP", { key: "SHOP", owner: OWNER, repo: REPO, installationId: INSTALLATION_ID, transitions: { fixStarted: "In Progress", pullRequestReady: "In Review", pullRequestMerged: "Done" } }]]),
    users: new Map([[ADA.emailAddress, WRITER_LOGIN]]),
    label: "droid",
    maxBodyBytes: 64 * 1024,
    replayWindowSeconds: 300,
    ...overrides,
  };
}

/** SHOP-7 as `GET /rest/api/3/issue/10042` answers it. */
export function shopTicket(): FakeTicket {
  return {
    id: TICKET_ID,
    key: TICKET_KEY,
    fields: fixture("issue.json"),
    transitions: [
      { id: "11", name: "To Do" },
      { id: "21", name: "In Progress" },
      { id: "31", name: "In Review" },
      { id: "41", name: "Done" },
    ],
  };
}

/** `jira:issue_updated`: the label `droid` added by `user` (Ada by default). */
export function labelAdded(now: number, user: Record<string, unknown> = ADA): Record<string, unknown> {
  return { ...fixture("issue-updated.json"), timestamp: now, user };
}

/** `comment_created` on SHOP-7 with `body`, by `author` (Ada by default). */
export function commentCreated(now: number, body: string, author: Record<string, unknown> = ADA, id = "10100"): Record<string, unknown> {
  const payload = fixture("comment-created.json");
  const comment = payload["comment"] as Record<string, unknown>;
  return { ...payload, timestamp: now, comment: { ...comment, id, body, author } };
}

/** POSTs a Jira delivery to Droid, signed with `secret` (none: unsigned). */
export async function sendJiraWebhook(serverUrl: string, payload: unknown, options: { secret?: string | null; identifier?: string; raw?: string } = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const body = options.raw ?? JSON.stringify(payload);
  const secret = options.secret === undefined ? JIRA_SECRET : options.secret;
  const headers: Record<string, string> = { "content-type": "application/json", "x-atlassian-webhook-identifier": options.identifier ?? `delivery-${Math.random().toString(36).slice(2)}` };
  if (secret !== null) headers["x-hub-signature"] = signJiraBody(body, secret);
  const response = await fetch(`${serverUrl}/api/jira/webhooks`, { method: "POST", headers, body });
  const text = await response.text();
  return { status: response.status, body: text === "" ? {} : (JSON.parse(text) as Record<string, unknown>) };
}
