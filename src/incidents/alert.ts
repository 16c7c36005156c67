/** An alert from Sentry as the incident record needs it (parsed at the edge, `sentry/payload.ts`). */
import type { StackTrace } from "./stacktrace/types.ts";

export interface SentryAlert {
  resource: "event_alert" | "issue";
  action: string;
  sentryIssueId: string;
  /** Sentry project slug, when the payload names it. */
  projectSlug: string | null;
  projectId: string | null;
  title: string;
  culprit: string | null;
  level: string | null;
  platform: string | null;
  /** The issue's page on Sentry. */
  link: string | null;
  shortId: string | null;
  firstSeen: Date | null;
  lastSeen: Date | null;
  /** Sentry's own event and user counts (issue payloads carry them; alerts don't). */
  eventCount: number | null;
  userCount: number | null;
  release: string | null;
  environment: string | null;
  trace: StackTrace | null;
  rule: string | null;
}
