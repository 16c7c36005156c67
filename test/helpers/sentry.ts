/**
 * Sentry deliveries for tests: the documented payloads (test/fixtures/sentry),
 * signed the way Sentry signs them, and the adjustments tests make to them.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import type { SentrySettings } from "../../src/sentry/config.ts";
import { installationClients } from "../../src/sentry/installations.ts";
import { IncidentIntake } from "../../src/sentry/intake.ts";
import { MemoryIncidentStore } from "../../src/sentry/store.ts";
import { MemoryJobQueue } from "../../src/jobs/memory-queue.ts";
import { silentLog, testProbot } from "./github.ts";
import { SENTRY_WEBHOOK_PATH } from "../../src/sentry/http.ts";
import { signSentryBody } from "../../src/sentry/signature.ts";
import { example, INSTALLATION_ID, OWNER, REPO } from "./payloads.ts";
import { startTestServer, type TestServer } from "./server.ts";

export const SENTRY_SECRET = "test-sentry-client-secret-0123456789";

export function sentrySettings(overrides: Partial<SentrySettings> = {}): SentrySettings {
  return {
    clientSecret: SENTRY_SECRET,
    projects: new Map([["front-end", { slug: "front-end", owner: OWNER, repo: REPO, installationId: INSTALLATION_ID, sourceRoots: [] }]]),
    maxBodyBytes: 2 * 1024 * 1024,
    replayWindowSeconds: 300,
    historyDays: 14,
    ...overrides,
  };
}

/** A deep copy of a documented payload. */
export function sentryPayload(name: "event-alert" | "issue-created"): Record<string, any> {
  return JSON.parse(readFileSync(new URL(`../fixtures/sentry/${name}.json`, import.meta.url), "utf8"));
}

export const DEPLOYED_SHA = "6dcb09b5b57875f334f61aebed695e2e4193db5e";

/**
 * The documented issue alert with a Python backend's exception instead of the
 * documented browser one (its frames are all library code of a minified bundle).
 */
export function pythonEventAlert(): Record<string, any> {
  const payload = sentryPayload("event-alert");
  const event = payload.data.event;
  event.platform = "python";
  event.title = "ZeroDivisionError: division by zero";
  event.culprit = "shop.orders.service in total";
  event.release = DEPLOYED_SHA;
  event.metadata = { type: "ZeroDivisionError", value: "division by zero", filename: "shop/orders/service.py" };
  event.exception.values[0].type = "ZeroDivisionError";
  event.exception.values[0].value = "division by zero";
  event.exception.values[0].stacktrace.frames = [
    { abs_path: "/usr/local/lib/python3.12/site-packages/flask/app.py", filename: "flask/app.py", function: "wsgi_app", lineno: 1473, in_app: false },
    { abs_path: "/app/shop/views.py", filename: "shop/views.py", function: "place_order", lineno: 27, in_app: true },
    { abs_path: "/app/shop/orders/service.py", filename: "shop/orders/service.py", function: "total", lineno: 45, in_app: true },
  ];
  return payload;
}

export async function sendSentryWebhook(
  url: string,
  resource: string,
  payload: unknown,
  options: { secret?: string; signature?: string | null; requestId?: string; body?: string; timestamp?: string | null } = {},
): Promise<Response> {
  const body = options.body ?? JSON.stringify(payload);
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "request-id": options.requestId ?? randomUUID().replace(/-/g, ""),
    "sentry-hook-resource": resource,
  };
  // Unix seconds at sending, as Sentry sends it (and not covered by the signature).
  const timestamp = options.timestamp === undefined ? String(Math.floor(Date.now() / 1000)) : options.timestamp;
  if (timestamp !== null) headers["sentry-hook-timestamp"] = timestamp;
  const signature = options.signature === undefined ? signSentryBody(body, options.secret ?? SENTRY_SECRET) : options.signature;
  if (signature !== null) headers["sentry-hook-signature"] = signature;
  return fetch(`${url}${SENTRY_WEBHOOK_PATH}`, { method: "POST", headers, body });
}

/** `GET /repos/{owner}/{repo}`, from a real webhook's repository object. */
export function repositoryResponse(): Record<string, any> {
  return example("issues", "labeled").repository;
}

export interface IncidentServer {
  running: TestServer;
  queue: MemoryJobQueue;
  store: MemoryIncidentStore;
  intake: IncidentIntake;
}

/** Droid's real HTTP server with the Sentry intake on, GitHub reached through nock. */
export async function startIncidentServer(now = new Date("2026-11-25T10:00:00Z")): Promise<IncidentServer> {
  const queue = new MemoryJobQueue();
  const store = new MemoryIncidentStore();
  const intake = new IncidentIntake({ queue, store, github: installationClients(testProbot()), log: silentLog, now: () => now });
  const running = await startTestServer(queue, { incidents: { settings: sentrySettings(), intake } });
  return { running, queue, store, intake };
}
