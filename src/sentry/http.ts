/**
 * The HTTP endpoint for Sentry integration webhooks, on Droid's Probot server.
 * It does cheap work only (Sentry allows one second): bounded read, signature,
 * replay checks, parse, project lookup, then hands the alert to the intake and answers 202.
 *
 *   413  body larger than the limit (refused from Content-Length, or cut off while reading)
 *   401  missing or wrong `Sentry-Hook-Signature`, or a `Sentry-Hook-Timestamp` outside
 *        the replay window (nothing recorded)
 *   400  no `Sentry-Hook-Timestamp`; not JSON, or not a Sentry webhook at all (no `action` and `data`)
 *   422  a Sentry project that is not mapped to a repository
 *   200  a resource or action that starts nothing (installation, metric alerts, resolved…),
 *        a Sentry body Droid cannot use (logged with the reason: a 4xx would make Sentry
 *        retry, then disable the integration), or a body already accepted once (a replay or a redelivery)
 *   202  accepted: the incident issue is opened or updated in the background
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import { answerJson as answer, header, readBoundedBody, refuseTooLarge } from "../http/body.ts";
import type { SentryProject, SentrySettings } from "./config.ts";
import type { AcceptedAlert } from "./intake.ts";
import { readSentryAlert, type SentryAlert } from "./payload.ts";
import { SentryReplayGuard } from "./replay.ts";
import { verifySentrySignature } from "./signature.ts";

export const SENTRY_WEBHOOK_PATH = "/api/sentry/webhooks";

export interface SentryHandlerDeps {
  settings: SentrySettings;
  intake: { accept(accepted: AcceptedAlert): void };
  log: Logger;
  path?: string;
  /** The clock the replay window is measured on (tests). */
  now?: () => number;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export function sentryWebhookHandler(deps: SentryHandlerDeps): Handler {
  const path = deps.path ?? SENTRY_WEBHOOK_PATH;
  const replays = new SentryReplayGuard({ windowSeconds: deps.settings.replayWindowSeconds, ...(deps.now ? { now: deps.now } : {}) });
  return async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname !== path) return false;
    const requestId = header(req, "request-id") ?? header(req, "sentry-hook-request-id") ?? null;
    const log = deps.log.child({ name: "sentry", requestId, resource: header(req, "sentry-hook-resource") ?? null });
    if (req.method !== "POST") {
      answer(res, 405, { error: "Sentry webhooks are POSTed" }, { allow: "POST" });
      return true;
    }
    const body = await readBoundedBody(req, deps.settings.maxBodyBytes);
    if (body === "too-large") {
      log.warn({ limit: deps.settings.maxBodyBytes, contentLength: header(req, "content-length") ?? null }, "Sentry webhook refused: body too large");
      refuseTooLarge(req, res, deps.settings.maxBodyBytes);
      return true;
    }
    if (!verifySentrySignature(body, header(req, "sentry-hook-signature"), deps.settings.clientSecret)) {
      log.warn("Sentry webhook refused: missing or invalid Sentry-Hook-Signature (check DROID_SENTRY_CLIENT_SECRET)");
      answer(res, 401, { error: "invalid signature" });
      return true;
    }
    const sentAt = header(req, "sentry-hook-timestamp");
    const timing = replays.checkTimestamp(sentAt);
    if (timing.kind === "missing" || timing.kind === "malformed") {
      log.warn({ timestamp: sentAt ?? null }, "Sentry webhook refused: no Sentry-Hook-Timestamp in Unix seconds");
      answer(res, 400, { error: "Sentry-Hook-Timestamp (Unix seconds) is missing or malformed" });
      return true;
    }
    if (timing.kind === "outside-window") {
      log.warn(
        { timestamp: sentAt, skewSeconds: timing.skewSeconds, windowSeconds: replays.windowSeconds },
        "Sentry webhook refused: Sentry-Hook-Timestamp outside the replay window (a replayed delivery, or a clock out of sync; DROID_SENTRY_REPLAY_WINDOW_SECONDS)",
      );
      const when = timing.skewSeconds > 0 ? `${timing.skewSeconds} s ago` : `${-timing.skewSeconds} s in the future`;
      answer(res, 401, { error: `stale delivery: Sentry-Hook-Timestamp is ${when}, outside the ${replays.windowSeconds} s replay window` });
      return true;
    }
    let payload: unknown;
    try {
      payload = JSON.parse(body.toString("utf8"));
    } catch {
      log.warn({ bytes: body.length }, "Sentry webhook refused: body is not JSON");
      answer(res, 400, { error: "body is not JSON" });
      return true;
    }
    const parsed = readSentryAlert(header(req, "sentry-hook-resource"), payload);
    switch (parsed.kind) {
      case "malformed":
        log.warn({ problem: parsed.problem }, "Sentry webhook refused: malformed payload");
        answer(res, 400, { error: `malformed payload: ${parsed.problem}` });
        return true;
      case "ignored":
        log.info({ why: parsed.why }, "Sentry webhook starts nothing");
        answer(res, 200, { ignored: parsed.why });
        return true;
      case "unusable":
        log.warn({ why: parsed.why }, "Sentry webhook acknowledged but not used");
        answer(res, 200, { ignored: parsed.why });
        return true;
      case "alert": {
        const project = findProject(deps.settings, parsed.alert);
        if (!project) {
          const named = parsed.alert.projectSlug ?? parsed.alert.projectId ?? "(unnamed)";
          log.warn(
            { project: named, sentryIssueId: parsed.alert.sentryIssueId, known: [...deps.settings.projects.keys()] },
            "Sentry alert for a project not mapped to a repository: add it to DROID_SENTRY_PROJECTS",
          );
          answer(res, 422, { error: `Sentry project ${named} is not mapped to a GitHub repository (DROID_SENTRY_PROJECTS)` });
          return true;
        }
        if (!replays.firstAcceptance(body)) {
          log.warn({ sentryIssueId: parsed.alert.sentryIssueId }, "Sentry webhook ignored: this exact signed body was already accepted (a replay or a redelivery)");
          answer(res, 200, { ignored: "a delivery with this body was already accepted" });
          return true;
        }
        const id = requestId ?? `${parsed.alert.sentryIssueId}:${parsed.alert.lastSeen?.getTime() ?? Date.now()}`;
        deps.intake.accept({ alert: parsed.alert, project, requestId: id });
        log.info({ sentryIssueId: parsed.alert.sentryIssueId, repo: `${project.owner}/${project.repo}` }, "Sentry alert accepted");
        answer(res, 202, { accepted: true });
        return true;
      }
    }
  };
}

/** By slug; by numeric project id when the mapping is keyed by id (issue alerts name only the id when their URL is missing). */
function findProject(settings: SentrySettings, alert: SentryAlert): SentryProject | undefined {
  const bySlug = alert.projectSlug ? settings.projects.get(alert.projectSlug.toLowerCase()) : undefined;
  return bySlug ?? (alert.projectId ? settings.projects.get(alert.projectId) : undefined);
}
