/**
 * Sentry integration webhooks → `SentryAlert`. Two resources start incident work:
 * `event_alert` (an issue alert rule fired; the event is in `data.event`) and
 * `issue` with action `created` (or `unresolved` when it regressed). Only the
 * fields Droid uses are parsed (zod); anything else is ignored with a reason.
 *
 * Bodies are read as they really arrive: installations that predate `issue_id` (the id
 * is taken from `issue_url` or `web_url`), frames whose `in_app` Sentry turned off
 * although the SDK said in-app (`orig_in_app`), events whose exception is empty but whose
 * `threads`, `logentry` or `message` say what happened. A Sentry body Droid cannot use is
 * `unusable` (answered 2xx with the reason logged, so Sentry neither retries nor disables
 * the integration); only a body that is not a Sentry webhook at all is `malformed`.
 */
import { z } from "zod";
import { fromSentryEvent, sentryExceptionSchema, sentryThreadsSchema } from "../incidents/stacktrace/sentry-frames.ts";
import type { SentryAlert } from "../incidents/alert.ts";

export type { SentryAlert };

export type AlertParse =
  | { kind: "alert"; alert: SentryAlert }
  | { kind: "ignored"; why: string }
  | { kind: "unusable"; why: string }
  | { kind: "malformed"; problem: string };

/** What every Sentry integration webhook has; a body without it is not Sentry's. */
const sentryWebhook = z.object({ action: z.string(), data: z.record(z.string(), z.unknown()) });

const id = z.union([z.string().min(1), z.number().int()]).transform(String);
const time = z.union([z.string(), z.number()]).nullish();

const eventAlert = z.object({
  action: z.string(),
  data: z.object({
    event: z.object({
      issue_id: id.nullish(),
      event_id: z.string().nullish(),
      title: z.string().nullish(),
      message: z.string().nullish(),
      culprit: z.string().nullish(),
      level: z.string().nullish(),
      platform: z.string().nullish(),
      project: id.nullish(),
      datetime: time,
      timestamp: time,
      release: z.string().nullish(),
      environment: z.string().nullish(),
      url: z.string().nullish(),
      web_url: z.string().nullish(),
      issue_url: z.string().nullish(),
      tags: z.array(z.tuple([z.string(), z.string().nullable()])).nullish(),
      exception: sentryExceptionSchema.nullish(),
      threads: sentryThreadsSchema.nullish(),
      logentry: z.object({ formatted: z.string().nullish(), message: z.string().nullish() }).nullish(),
      metadata: z.object({ type: z.string().nullish(), value: z.string().nullish() }).nullish(),
    }),
    triggered_rule: z.string().nullish(),
  }),
});

const issueEvent = z.object({
  action: z.string(),
  data: z.object({
    issue: z.object({
      id,
      shortId: z.string().nullish(),
      title: z.string().nullish(),
      culprit: z.string().nullish(),
      level: z.string().nullish(),
      platform: z.string().nullish(),
      count: z.union([z.string(), z.number()]).nullish(),
      userCount: z.number().int().nullish(),
      firstSeen: time,
      lastSeen: time,
      permalink: z.string().nullish(),
      web_url: z.string().nullish(),
      substatus: z.string().nullish(),
      project: z.object({ id: id.nullish(), slug: z.string().nullish() }).nullish(),
      metadata: z.object({ type: z.string().nullish(), value: z.string().nullish() }).nullish(),
    }),
  }),
});

/** `resource` is the `Sentry-Hook-Resource` header. */
export function readSentryAlert(resource: string | undefined, payload: unknown): AlertParse {
  if (resource === undefined) return { kind: "malformed", problem: "no Sentry-Hook-Resource header" };
  const envelope = sentryWebhook.safeParse(payload);
  if (!envelope.success) return malformed(envelope.error);
  switch (resource) {
    case "event_alert":
      return fromEventAlert(payload);
    case "issue":
      return fromIssue(payload);
    default:
      return { kind: "ignored", why: `resource ${resource} starts no incident` };
  }
}

function fromEventAlert(payload: unknown): AlertParse {
  const parsed = eventAlert.safeParse(payload);
  if (!parsed.success) return unusable(parsed.error);
  const { action, data } = parsed.data;
  if (action !== "triggered") return { kind: "ignored", why: `event_alert action ${action}` };
  const e = data.event;
  const sentryIssueId = e.issue_id ?? issueIdFromUrl(e.issue_url) ?? issueIdFromUrl(e.web_url);
  if (!sentryIssueId) return { kind: "unusable", why: "the event names no Sentry issue (no issue_id, issue_url or web_url)" };
  const tag = (name: string) => e.tags?.find(([key]) => key === name)?.[1] ?? null;
  const seen = date(e.datetime ?? e.timestamp);
  const message = e.logentry?.formatted || e.logentry?.message || e.message || null;
  return {
    kind: "alert",
    alert: {
      resource: "event_alert",
      action,
      sentryIssueId,
      projectSlug: projectSlugFromApiUrl(e.url ?? e.issue_url ?? null),
      projectId: e.project ?? null,
      title: e.title || [e.metadata?.type, e.metadata?.value].filter(Boolean).join(": ") || message || "Sentry issue",
      culprit: e.culprit ?? null,
      level: e.level ?? tag("level"),
      platform: e.platform ?? null,
      link: issueLinkFromEventUrl(e.web_url ?? null),
      shortId: null,
      firstSeen: null,
      lastSeen: seen,
      eventCount: null,
      userCount: null,
      release: e.release ?? tag("release"),
      environment: e.environment ?? tag("environment"),
      trace: fromSentryEvent({ exception: e.exception ?? null, threads: e.threads ?? null, message }),
      rule: data.triggered_rule ?? null,
    },
  };
}

function fromIssue(payload: unknown): AlertParse {
  const parsed = issueEvent.safeParse(payload);
  if (!parsed.success) return unusable(parsed.error);
  const { action, data } = parsed.data;
  const issue = data.issue;
  const regressed = action === "unresolved" && (issue.substatus === "regressed" || issue.substatus === "escalating");
  if (action !== "created" && !regressed) return { kind: "ignored", why: `issue action ${action}${issue.substatus ? ` (${issue.substatus})` : ""}` };
  const count = issue.count === null || issue.count === undefined ? null : Number(issue.count);
  const type = issue.metadata?.type;
  const value = issue.metadata?.value;
  return {
    kind: "alert",
    alert: {
      resource: "issue",
      action: regressed ? `unresolved (${issue.substatus})` : action,
      sentryIssueId: issue.id,
      projectSlug: issue.project?.slug ?? null,
      projectId: issue.project?.id ?? null,
      title: issue.title || [type, value].filter(Boolean).join(": ") || "Sentry issue",
      culprit: issue.culprit ?? null,
      level: issue.level ?? null,
      platform: issue.platform ?? null,
      link: issue.web_url ?? issue.permalink ?? null,
      shortId: issue.shortId ?? null,
      firstSeen: date(issue.firstSeen),
      lastSeen: date(issue.lastSeen),
      eventCount: count !== null && Number.isFinite(count) ? count : null,
      userCount: issue.userCount ?? null,
      release: null,
      environment: null,
      trace: type ? { format: "sentry", exceptions: [{ type, message: value ?? "", frames: [] }] } : null,
      rule: null,
    },
  };
}

/** `https://sentry.io/api/0/projects/{org}/{project}/events/{id}/` → the project slug. */
export function projectSlugFromApiUrl(url: string | null): string | null {
  const match = url ? /\/api\/0\/projects\/[^/]+\/([^/]+)\//.exec(url) : null;
  return match?.[1] ? decodeURIComponent(match[1]) : null;
}

/** `https://sentry.io/api/0/issues/1117540176/` or `…/organizations/o/issues/1117540176/events/…` → `1117540176`. */
function issueIdFromUrl(url: string | null | undefined): string | null {
  return (url ? /\/issues\/(\d+)(?:\/|$)/.exec(url)?.[1] : undefined) ?? null;
}

/** The event's page `…/issues/{id}/events/{event}/` → the issue's page `…/issues/{id}/`. */
function issueLinkFromEventUrl(url: string | null): string | null {
  if (!url) return null;
  return url.replace(/(\/issues\/[^/]+\/)events\/[^/]+\/?$/, "$1");
}

function date(value: string | number | null | undefined): Date | null {
  if (value === null || value === undefined) return null;
  const d = typeof value === "number" ? new Date(value * 1000) : new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

function malformed(error: z.ZodError): AlertParse {
  return { kind: "malformed", problem: firstProblem(error) };
}

function unusable(error: z.ZodError): AlertParse {
  return { kind: "unusable", why: `a Sentry webhook Droid cannot use: ${firstProblem(error)}` };
}

function firstProblem(error: z.ZodError): string {
  const first = error.issues[0];
  return first ? `${first.path.join(".") || "(top level)"}: ${first.message}` : "invalid payload";
}
