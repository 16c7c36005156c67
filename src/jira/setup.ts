/**
 * Jira as the entry points wire it: the REST client and the identity map from the
 * settings, the intake for the webhook route, and the notice the worker posts on a
 * ticket when a job on it crashed or was interrupted.
 */
import type { Probot } from "probot";
import type { JobCaps } from "../config/policy.ts";
import type { PermissionGate } from "../github/gate.ts";
import { mappedInstallationClients } from "../github/installations.ts";
import type { JobQueue } from "../jobs/queue.ts";
import type { Job } from "../jobs/types.ts";
import { markdownToAdf } from "./adf.ts";
import { JiraClient } from "./client.ts";
import { JiraIdentities } from "./identity.ts";
import { JiraIntake } from "./intake.ts";
import type { JiraSettings } from "./settings.ts";

export interface JiraConnection {
  settings: JiraSettings;
  client: JiraClient;
  identities: JiraIdentities;
}

export function connectJira(settings: JiraSettings, options: { fetch?: typeof fetch; sleep?: (ms: number) => Promise<void> } = {}): JiraConnection {
  const client = new JiraClient({ baseUrl: settings.baseUrl, apiUrl: settings.apiUrl, flavour: settings.flavour, credentials: settings.credentials, ...options });
  return { settings, client, identities: new JiraIdentities(settings.users, client) };
}

export function jiraIntake(jira: JiraConnection, deps: { queue: JobQueue; gate: PermissionGate; caps?: JobCaps | undefined; app: Pick<Probot, "auth"> }): JiraIntake {
  return new JiraIntake({ settings: jira.settings, jira: jira.client, identities: jira.identities, queue: deps.queue, gate: deps.gate, caps: deps.caps, github: mappedInstallationClients(deps.app) });
}

/** Posts a Markdown notice on the Jira ticket a job is about. */
export async function noticeOnTicket(jira: JiraConnection, job: Job, markdown: string): Promise<void> {
  await jira.client.addComment(String(job.target.number), markdownToAdf(markdown));
}
