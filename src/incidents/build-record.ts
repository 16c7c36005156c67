/**
 * Builds and updates the incident record (record.ts) from what arrives: a Sentry
 * alert, a later alert for the same Sentry issue, or a stack trace in an issue
 * (`/droid rca`). Text from outside is clipped to sizes an issue body can hold.
 */
import type { SentryAlert } from "./alert.ts";
import type { ExceptionChain, IncidentFrame, IncidentRecord } from "./record.ts";
import { analysedException, type StackTrace } from "./stacktrace/types.ts";

const MAX_TIMELINE = 30;
const MAX_FRAMES = 50;
const MAX_TEXT = 2_000;
const MAX_CHAIN = 10;

/** Where the repository lives on the web, for permalinks. */
export interface RepoWeb {
  htmlUrl: string;
  defaultBranch: string;
}

/** A release named by a full commit SHA tells which code was running. */
function commitOf(release: string | null): string | null {
  const sha = release ? /(?:^|[@+-])([0-9a-f]{40})$/i.exec(release)?.[1] : undefined;
  return sha ? sha.toLowerCase() : null;
}

export function newRecord(alert: SentryAlert, project: { slug: string }, repo: RepoWeb, now: Date): IncidentRecord {
  const main = alert.trace ? analysedException(alert.trace)?.exception : undefined;
  const seen = (alert.lastSeen ?? now).toISOString();
  const timeline = [
    ...(alert.firstSeen ? [{ at: alert.firstSeen.toISOString(), what: "first seen in Sentry" }] : []),
    { at: seen, what: alertDescription(alert, true) },
    { at: now.toISOString(), what: "Droid opened this incident issue" },
  ];
  return {
    version: 1,
    source: "sentry",
    sentryIssueId: alert.sentryIssueId,
    project: project.slug,
    title: clip(alert.title, 500),
    link: alert.link,
    shortId: alert.shortId,
    level: alert.level,
    environment: alert.environment,
    release: alert.release,
    culprit: alert.culprit,
    alerts: 1,
    eventCount: alert.eventCount,
    userCount: alert.userCount,
    firstSeen: (alert.firstSeen ?? alert.lastSeen ?? now).toISOString(),
    lastSeen: seen,
    exception: main ? exceptionOf(main) : null,
    chain: chainOf(alert.trace),
    frames: framesOf(alert.trace),
    repoUrl: repo.htmlUrl,
    defaultBranch: repo.defaultBranch,
    deployedCommit: commitOf(alert.release),
    timeline,
    suspects: [],
    analysis: null,
  };
}

export function mergeAlert(record: IncidentRecord, alert: SentryAlert, now: Date, reopening: boolean): IncidentRecord {
  const seen = (alert.lastSeen ?? now).toISOString();
  const firstSeen = [record.firstSeen, alert.firstSeen?.toISOString() ?? null].filter((t): t is string => t !== null).sort()[0] ?? seen;
  const lastSeen = [record.lastSeen ?? seen, seen].sort().at(-1) ?? seen;
  const events = [{ at: seen, what: alertDescription(alert, false) }];
  if (reopening) events.push({ at: now.toISOString(), what: "Droid reopened this issue: the error happened again" });
  const main = alert.trace ? analysedException(alert.trace)?.exception : undefined;
  const frames = framesOf(alert.trace);
  return {
    ...record,
    alerts: record.alerts + 1,
    eventCount: alert.eventCount ?? record.eventCount,
    userCount: alert.userCount ?? record.userCount,
    firstSeen,
    lastSeen,
    link: record.link ?? alert.link,
    shortId: record.shortId ?? alert.shortId,
    environment: alert.environment ?? record.environment,
    release: alert.release ?? record.release,
    deployedCommit: commitOf(alert.release) ?? record.deployedCommit,
    exception: record.exception ?? (main ? exceptionOf(main) : null),
    chain: record.frames.length > 0 ? record.chain : chainOf(alert.trace),
    frames: record.frames.length > 0 ? record.frames : frames,
    timeline: capTimeline([...record.timeline, ...events]),
  };
}

function alertDescription(alert: SentryAlert, first: boolean): string {
  const where = [alert.release ? `release ${alert.release}` : null, alert.environment ? `environment ${alert.environment}` : null].filter(Boolean).join(", ");
  const what =
    alert.resource === "event_alert"
      ? `alert rule "${alert.rule ?? "unnamed"}" fired${first ? "" : " again"}`
      : `Sentry issue ${alert.action}`;
  return where ? `${what} (${where})` : what;
}

/** Keeps the first entries (how it started) and the latest ones. */
function capTimeline(entries: IncidentRecord["timeline"]): IncidentRecord["timeline"] {
  if (entries.length <= MAX_TIMELINE) return entries;
  return [...entries.slice(0, 3), ...entries.slice(entries.length - (MAX_TIMELINE - 3))];
}

function exceptionOf(exception: { type: string; message: string }): { type: string; message: string } {
  return { type: clip(exception.type, 200), message: clip(exception.message, MAX_TEXT) };
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

/** Which exception of a chain the frames are from, and why; null for a single exception. */
function chainOf(trace: StackTrace | null): ExceptionChain | null {
  const analysed = trace ? analysedException(trace) : undefined;
  if (!trace || !analysed || analysed.why === "single") return null;
  const kept = trace.exceptions.slice(0, MAX_CHAIN);
  return {
    exceptions: kept.map((e) => ({ ...exceptionOf({ type: e.type, message: clip(e.message, 300) }), inAppFrames: e.frames.filter((f) => f.inApp).length })),
    analysed: Math.min(analysed.index, kept.length - 1),
    why: analysed.why,
  };
}

function framesOf(trace: StackTrace | null): IncidentFrame[] {
  const main = trace ? analysedException(trace)?.exception : undefined;
  return (main?.frames ?? []).slice(0, MAX_FRAMES).map((f) => ({
    file: clip(f.file, 500),
    line: f.line,
    column: f.column,
    function: f.function === null ? null : clip(f.function, 300),
    inApp: f.inApp,
    repoPath: null,
    note: null,
  }));
}

/** The record for `/droid rca` on an issue whose description holds `trace`. */
export function recordFromIssueTrace(trace: StackTrace, issue: { title: string; createdAt: Date }, repo: RepoWeb, now: Date): IncidentRecord {
  const main = analysedException(trace)?.exception;
  return {
    version: 1,
    source: "issue",
    sentryIssueId: null,
    project: null,
    title: clip(issue.title, 500),
    link: null,
    shortId: null,
    level: null,
    environment: null,
    release: null,
    culprit: null,
    alerts: 0,
    eventCount: null,
    userCount: null,
    firstSeen: issue.createdAt.toISOString(),
    lastSeen: null,
    exception: main ? exceptionOf(main) : null,
    chain: chainOf(trace),
    frames: framesOf(trace),
    repoUrl: repo.htmlUrl,
    defaultBranch: repo.defaultBranch,
    deployedCommit: null,
    timeline: [
      { at: issue.createdAt.toISOString(), what: "issue opened with the stack trace" },
      { at: now.toISOString(), what: "root-cause analysis requested" },
    ],
    suspects: [],
    analysis: null,
  };
}
