/**
 * The HTTP endpoint for Sentry integration webhooks, on Droid's Probot server.
 * It does cheap work only (Sentry allows one second): bounded read, signature,
 * parse, project lookup, then hands the alert to the intake and answers 202.
 *
 *   413  body larger than the limit (refused from Content-Length, or cut off while reading)
 *   401  missing or wrong `Sentry-Hook-Signature` (nothing recorded)
 *   400  not JSON, or not the shape Sentry documents for the resource
 *   422  a Sentry project that is not mapped to a repository
 *   200  a resource or action that starts nothing (installation, metric alerts, resolved…)
 *   202  accepted: the incident issue is opened or updated in the background
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { SentryProject, SentrySettings } from "./config.ts";
import type { AcceptedAlert } from "./intake.ts";
import { readSentryAlert, type SentryAlert } from "./payload.ts";
import { verifySentrySignature } from "./signature.ts";

export const SENTRY_WEBHOOK_PATH = "/api/sentry/webhooks";

export interface SentryHandlerDeps {
  settings: SentrySettings;
  intake: { accept(accepted: AcceptedAlert): void };
  log: Logger;
  path?: string;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export function sentryWebhookHandler(deps: SentryHandlerDeps): Handler {
  const path = deps.path ?? SENTRY_WEBHOOK_PATH;
  return async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname !== path) return false;
    const requestId = header(req, "request-id") ?? header(req, "sentry-hook-request-id") ?? null;
    const log = deps.log.child({ name: "sentry", requestId, resource: header(req, "sentry-hook-resource") ?? null });
    if (req.method !== "POST") {
      answer(res, 405, { error: "Sentry webhooks are POSTed" }, { allow: "POST" });
      return true;
    }
    const body = await readBounded(req, deps.settings.maxBodyBytes);
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

/** The whole body, or "too-large" as soon as it exceeds `limit` (never buffering more than the limit). */
function readBounded(req: IncomingMessage, limit: number): Promise<Buffer | "too-large"> {
  const declared = Number(header(req, "content-length") ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve("too-large");
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        chunks.length = 0;
        resolve("too-large");
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const cleanup = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
  });
}

/**
 * Answers 413 and closes the connection. The rest of the body is discarded as it
 * arrives (so the client can read the answer), up to the limit again; a sender
 * that keeps going after that is cut off.
 */
function refuseTooLarge(req: IncomingMessage, res: ServerResponse, limit: number): void {
  let discarded = 0;
  req.on("data", (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > limit * 4) req.socket.destroy();
  });
  req.resume();
  answer(res, 413, { error: `body larger than ${limit} bytes` }, { connection: "close" });
}

function answer(res: ServerResponse, status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
