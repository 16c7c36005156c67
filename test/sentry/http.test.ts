import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { newRecord } from "../../src/incidents/build-record.ts";
import type { IncidentIntake } from "../../src/sentry/intake.ts";
import { readIncidentRecord } from "../../src/incidents/record.ts";
import { renderIncidentReport } from "../../src/github/incident-report.ts";
import { SENTRY_WEBHOOK_PATH } from "../../src/sentry/http.ts";
import type { MemoryIncidentStore } from "../../src/sentry/store.ts";
import { signSentryBody } from "../../src/sentry/signature.ts";
import { readSentryAlert } from "../../src/sentry/payload.ts";
import type { MemoryJobQueue } from "../../src/jobs/memory-queue.ts";
import type { RunningServer } from "../../src/server.ts";
import { expectInstallationToken } from "../helpers/github.ts";
import { example, OWNER, REPO } from "../helpers/payloads.ts";
import { streamPost } from "../helpers/stream-post.ts";
import {
  DEPLOYED_SHA,
  pythonEventAlert,
  repositoryResponse,
  sendSentryWebhook,
  SENTRY_SECRET,
  sentryPayload,
  sentrySettings,
  startIncidentServer,
} from "../helpers/sentry.ts";

const SENTRY_ISSUE = "1117540176";
const ISSUES = `/repos/${OWNER}/${REPO}/issues`;

let running: RunningServer;
let queue: MemoryJobQueue;
let store: MemoryIncidentStore;
let intake: IncidentIntake;
let unmatched: string[];
/** Requests nock let through or refused, other than to the servers tests start (loopback). */
const onNoMatch = (req: { method?: string; hostname?: string; host?: string; path?: string }) => {
  const host = req.hostname ?? req.host ?? "";
  if (!/^(127\.0\.0\.1|localhost|\[?::1\]?)(:\d+)?$/.test(host)) unmatched.push(`${req.method} ${host}${req.path}`);
};

beforeEach(async () => {
  unmatched = [];
  nock.emitter.on("no match", onNoMatch);
  ({ running, queue, store, intake } = await startIncidentServer());
});

afterEach(async () => {
  await running.stop();
  nock.emitter.removeListener("no match", onNoMatch);
  if (unmatched.length > 0) throw new Error(`GitHub calls nobody declared:\n${unmatched.join("\n")}`);
});

/** The lookups for an incident issue the store does not know: search, then the `incident` list. */
function expectNoExistingIssue(scope: nock.Scope, sentryIssueId = SENTRY_ISSUE): nock.Scope {
  return scope
    .get("/search/issues")
    .query((q) => q.q === `repo:${OWNER}/${REPO} is:issue label:incident "${sentryIssueId}" in:body`)
    .reply(200, { total_count: 0, incomplete_results: false, items: [] })
    .get(ISSUES)
    .query({ labels: "incident", state: "all", sort: "created", direction: "desc", per_page: "100", page: "1" })
    .reply(200, []);
}

function expectCreate(scope: nock.Scope, created: Record<string, any>[], number = 42): nock.Scope {
  return scope
    .post(ISSUES, (body: Record<string, any>) => {
      created.push(body);
      return true;
    })
    .reply(201, () => ({ ...example("issues", "opened").issue, number, body: created.at(-1)?.body }));
}

/**
 * A new incident: token, repository (read once per alert), no existing issue, the
 * issue created as #number. With `updatedBy`, a second alert reads #number back and
 * updates it; its body lands in `updates`.
 */
function expectNewIncident(
  created: Record<string, any>[],
  options: { number?: number; sentryIssueId?: string; updates?: Record<string, any>[] } = {},
): nock.Scope {
  const number = options.number ?? 42;
  const scope = expectInstallationToken();
  scope.get(`/repos/${OWNER}/${REPO}`).times(options.updates ? 2 : 1).reply(200, repositoryResponse());
  expectNoExistingIssue(scope, options.sentryIssueId);
  expectCreate(scope, created, number);
  const updates = options.updates;
  if (updates) {
    scope
      .get(`${ISSUES}/${number}`)
      .reply(200, () => ({ ...example("issues", "opened").issue, number, state: "open", body: created[0]?.body }))
      .patch(`${ISSUES}/${number}`, (body: Record<string, any>) => updates.push(body) > 0)
      .reply(200, () => ({ ...example("issues", "opened").issue, number, body: updates[0]?.body }));
  }
  return scope;
}

async function jobsOn(number: number) {
  return queue.listForTarget({ owner: OWNER, name: REPO }, { kind: "issue", number });
}

describe("a signed Sentry issue alert", () => {
  it("opens an incident issue labelled droid and incident, then records an rca job on it", async () => {
    const created: Record<string, any>[] = [];
    const scope = expectNewIncident(created);

    const response = await sendSentryWebhook(running.url, "event_alert", pythonEventAlert(), { requestId: "req-1" });
    expect(response.status).toBe(202);
    await intake.drain();
    expect(scope.isDone()).toBe(true);

    const [issue] = created;
    expect(issue?.title).toBe("Incident: ZeroDivisionError: division by zero");
    expect(issue?.labels).toEqual(["droid", "incident"]);
    const body: string = issue?.body;
    expect(body).toContain("ZeroDivisionError: division by zero");
    expect(body).toContain("(https://sentry.io/organizations/test-org/issues/1117540176/)");
    expect(body).toContain("1. `total` at `/app/shop/orders/service.py:45` → not looked up yet");
    expect(body).toContain("- **First seen:** 2019-08-19 21:06 UTC");
    expect(body).toContain("- **Alerts received:** 1\n");
    expect(body).toContain("Root-cause analysis is queued");
    expect(readIncidentRecord(body)).toMatchObject({ sentryIssueId: SENTRY_ISSUE, project: "front-end", deployedCommit: DEPLOYED_SHA, alerts: 1 });

    const jobs = await jobsOn(42);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({
      deliveryId: "sentry:req-1",
      requester: "sentry",
      target: { kind: "issue", number: 42 },
      repo: { owner: OWNER, name: REPO, installationId: 1, defaultBranch: "master" },
      request: { kind: "rca", source: "sentry", sentryIssueId: SENTRY_ISSUE },
    });
  });

  it("updates the same issue on a second alert for the same Sentry issue instead of opening another", async () => {
    const created: Record<string, any>[] = [];
    const updates: Record<string, any>[] = [];
    const scope = expectNewIncident(created, { updates });

    const first = pythonEventAlert();
    const second = pythonEventAlert();
    second.data.event.datetime = "2019-08-20T08:30:00.000000Z";
    second.data.event.event_id = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";
    expect((await sendSentryWebhook(running.url, "event_alert", first, { requestId: "req-1" })).status).toBe(202);
    expect((await sendSentryWebhook(running.url, "event_alert", second, { requestId: "req-2" })).status).toBe(202);
    await intake.drain();
    expect(scope.isDone()).toBe(true);

    expect(created).toHaveLength(1);
    expect(updates).toHaveLength(1);
    expect(updates[0]?.state).toBeUndefined();
    const body: string = updates[0]?.body;
    expect(body).toContain("- **Alerts received:** 2\n");
    expect(body).toContain("- **First seen:** 2019-08-19 21:06 UTC");
    expect(body).toContain("- **Last seen:** 2019-08-20 08:30 UTC");
    expect(body).toContain('alert rule "Very Important Alert Rule!" fired again');
    expect(await jobsOn(42)).toHaveLength(1);
  });

  it("does nothing more for a signed body already accepted: a redelivery, or a captured delivery resent with a rewritten timestamp and request id (neither is signed)", async () => {
    const created: Record<string, any>[] = [];
    const scope = expectNewIncident(created);
    const body = JSON.stringify(pythonEventAlert());
    const sent = String(Math.floor(Date.now() / 1000) - 100);
    expect((await sendSentryWebhook(running.url, "event_alert", null, { body, timestamp: sent, requestId: "req-same" })).status).toBe(202);
    await intake.drain();
    for (const again of [{ timestamp: sent, requestId: "req-same" }, { timestamp: String(Math.floor(Date.now() / 1000)), requestId: "req-forged" }]) {
      const answer = await sendSentryWebhook(running.url, "event_alert", null, { body, ...again });
      expect(answer.status).toBe(200);
      expect(await answer.json()).toEqual({ ignored: "a delivery with this body was already accepted" });
    }
    await intake.drain();
    expect(scope.isDone()).toBe(true);
    expect(created).toHaveLength(1);
    expect(await jobsOn(42)).toHaveLength(1);
  });

  it("opens one issue when two alerts for the same Sentry issue arrive at once", async () => {
    const created: Record<string, any>[] = [];
    const updates: Record<string, any>[] = [];
    const scope = expectNewIncident(created, { updates });
    const second = pythonEventAlert();
    second.data.event.event_id = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";
    const responses = await Promise.all([
      sendSentryWebhook(running.url, "event_alert", pythonEventAlert(), { requestId: "req-a" }),
      sendSentryWebhook(running.url, "event_alert", second, { requestId: "req-b" }),
    ]);
    expect(responses.map((r) => r.status)).toEqual([202, 202]);
    await intake.drain();
    expect(scope.isDone()).toBe(true);
    expect(created).toHaveLength(1);
    expect(updates[0]?.body).toContain("- **Alerts received:** 2\n");
    expect(await jobsOn(42)).toHaveLength(1);
  });

  it("finds its issue by the hidden marker when the store does not know it, and reopens it if closed", async () => {
    const alert = readSentryAlert("event_alert", pythonEventAlert());
    if (alert.kind !== "alert") throw new Error("fixture is not an alert");
    const earlier = newRecord(alert.alert, sentrySettings().projects.get("front-end")!, { htmlUrl: "https://github.com/Codertocat/Hello-World", defaultBranch: "master" }, new Date("2019-08-19T21:07:00Z"));
    const existing = { ...example("issues", "opened").issue, number: 7, state: "closed", body: renderIncidentReport(earlier) };
    const other = { ...example("issues", "opened").issue, number: 6, state: "open", body: renderIncidentReport({ ...earlier, sentryIssueId: "999" }) };
    const updates: Record<string, any>[] = [];
    const scope = expectInstallationToken();
    scope
      .get(`/repos/${OWNER}/${REPO}`)
      .reply(200, repositoryResponse())
      .get("/search/issues")
      .query(true)
      .reply(403, { message: "API rate limit exceeded for installation." })
      .get(ISSUES)
      .query({ labels: "incident", state: "all", sort: "created", direction: "desc", per_page: "100", page: "1" })
      .reply(200, [other, existing])
      .patch(`${ISSUES}/7`, (body: Record<string, any>) => {
        updates.push(body);
        return true;
      })
      .reply(200, existing);

    expect((await sendSentryWebhook(running.url, "event_alert", pythonEventAlert(), { requestId: "req-9" })).status).toBe(202);
    await intake.drain();
    expect(scope.isDone()).toBe(true);
    expect(updates[0]?.state).toBe("open");
    expect(updates[0]?.body).toContain("- **Alerts received:** 2\n");
    expect(updates[0]?.body).toContain("Droid reopened this issue");
    expect(await store.get({ repo: `${OWNER}/${REPO}`, sentryIssueId: SENTRY_ISSUE })).toBe(7);
    // No rca job was ever recorded for it here (a restart lost the in-process queue): one is recorded now.
    expect((await jobsOn(7)).map((j) => j.request)).toEqual([{ kind: "rca", source: "sentry", sentryIssueId: SENTRY_ISSUE }]);
  });

  it("opens an issue from Sentry's documented `issue.created` payload with its counts", async () => {
    const created: Record<string, any>[] = [];
    const scope = expectNewIncident(created, { number: 43, sentryIssueId: "1170820242" });
    expect((await sendSentryWebhook(running.url, "issue", sentryPayload("issue-created"))).status).toBe(202);
    await intake.drain();
    expect(scope.isDone()).toBe(true);
    const body: string = created[0]?.body;
    expect(body).toContain("> Sentry FRONT-END-9 · Sentry issue id 1170820242 · project `front-end`");
    expect(body).toContain("- **Events (Sentry):** 1\n- **Users affected:** 1\n");
    expect(body).toContain("- **First seen:** 2019-08-19 20:58 UTC");
    expect(body).toContain("ReferenceError: blooopy is not defined");
    expect(await jobsOn(43)).toHaveLength(1);
  });

  it("keeps the frames the SDK called in-app in the documented alert (in_app false, orig_in_app 1)", async () => {
    const created: Record<string, any>[] = [];
    const scope = expectNewIncident(created);
    expect((await sendSentryWebhook(running.url, "event_alert", sentryPayload("event-alert"))).status).toBe(202);
    await intake.drain();
    expect(scope.isDone()).toBe(true);
    expect(created[0]?.body).toContain("runner-4.1.7.min.js:1");
    expect(created[0]?.body).not.toContain("every frame of the stack trace is library or runtime code");
  });
});

describe("bad Sentry deliveries", () => {
  it("refuses a wrong or missing signature with 401 and records nothing", async () => {
    const wrong = await sendSentryWebhook(running.url, "event_alert", pythonEventAlert(), { secret: "not-the-client-secret" });
    expect(wrong.status).toBe(401);
    const missing = await sendSentryWebhook(running.url, "event_alert", pythonEventAlert(), { signature: null });
    expect(missing.status).toBe(401);
    const garbage = await sendSentryWebhook(running.url, "event_alert", pythonEventAlert(), { signature: "sha256=abc" });
    expect(garbage.status).toBe(401);
    await intake.drain();
    expect(await store.get({ repo: `${OWNER}/${REPO}`, sentryIssueId: SENTRY_ISSUE })).toBeUndefined();
  });

  it("refuses a signed delivery whose Sentry-Hook-Timestamp is outside the replay window (401) or missing (400), recording nothing", async () => {
    const now = Math.floor(Date.now() / 1000);
    const captured = await sendSentryWebhook(running.url, "event_alert", pythonEventAlert(), { timestamp: String(now - 3600) });
    expect(captured.status).toBe(401);
    expect(((await captured.json()) as { error: string }).error).toMatch(/^stale delivery: Sentry-Hook-Timestamp is 3(599|60\d) s ago, outside the 300 s replay window$/);
    const future = await sendSentryWebhook(running.url, "event_alert", pythonEventAlert(), { timestamp: String(now + 3600) });
    expect(future.status).toBe(401);
    expect(((await future.json()) as { error: string }).error).toMatch(/^stale delivery: Sentry-Hook-Timestamp is 3(599|60\d) s in the future, outside the 300 s replay window$/);
    const missing = await sendSentryWebhook(running.url, "event_alert", pythonEventAlert(), { timestamp: null });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({ error: "Sentry-Hook-Timestamp (Unix seconds) is missing or malformed" });
    expect((await sendSentryWebhook(running.url, "event_alert", pythonEventAlert(), { timestamp: "2019-08-19T21:06:17Z" })).status).toBe(400);
    // Just inside the window is fine (a little clock skew either way).
    const scope = expectNewIncident([]);
    expect((await sendSentryWebhook(running.url, "event_alert", pythonEventAlert(), { timestamp: String(now - 290) })).status).toBe(202);
    await intake.drain();
    expect(scope.isDone()).toBe(true);
    expect(await jobsOn(42)).toHaveLength(1);
  });

  it("answers a 5 MB body with 413 from its Content-Length, and keeps serving", async () => {
    const huge = JSON.stringify({ action: "triggered", data: { padding: "x".repeat(5 * 1024 * 1024) } });
    const response = await sendSentryWebhook(running.url, "event_alert", null, { body: huge });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ error: "body larger than 2097152 bytes" });
    expect((await fetch(`${running.url}/ping`)).status).toBe(200);
  });

  it("cuts off a chunked body that never ends, after answering 413", async () => {
    const result = await streamPost(`${running.url}${SENTRY_WEBHOOK_PATH}`, {
      headers: { "content-type": "application/json", "sentry-hook-resource": "event_alert" },
      size: 64 * 1024 * 1024,
      chunked: true,
    });
    expect(result.status).toBe(413);
    // The server stopped reading (closed the connection) long before the sender gave up at 64 MB.
    expect(result.sentBytes).toBeLessThan(32 * 1024 * 1024);
    expect((await fetch(`${running.url}/ping`)).status).toBe(200);
  });

  it("answers malformed JSON and bodies that are not Sentry webhooks with 400, a Sentry body it cannot use with 200 and the reason", async () => {
    const notJson = await sendSentryWebhook(running.url, "event_alert", null, { body: "{not json" });
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toEqual({ error: "body is not JSON" });
    const notSentry = await sendSentryWebhook(running.url, "event_alert", { hello: "world" });
    expect(notSentry.status).toBe(400);
    expect(((await notSentry.json()) as { error: string }).error).toBe("malformed payload: action: Invalid input: expected string, received undefined");
    const noEvent = await sendSentryWebhook(running.url, "event_alert", { action: "triggered", data: {} });
    expect(noEvent.status).toBe(200);
    expect(await noEvent.json()).toEqual({ ignored: "a Sentry webhook Droid cannot use: data.event: Invalid input: expected object, received undefined" });
    const noResource = await fetch(`${running.url}${SENTRY_WEBHOOK_PATH}`, {
      method: "POST",
      headers: { "content-type": "application/json", "sentry-hook-signature": signSentryBody("{}", SENTRY_SECRET) },
      body: "{}",
    });
    expect(noResource.status).toBe(400);
  });

  it("answers an alert for an unmapped project with 422 and a reason", async () => {
    const payload = pythonEventAlert();
    payload.data.event.url = "https://sentry.io/api/0/projects/test-org/billing/events/e4874d664c3540c1a32eab185f12c5ab/";
    const response = await sendSentryWebhook(running.url, "event_alert", payload);
    expect(response.status).toBe(422);
    expect(await response.json()).toEqual({ error: "Sentry project billing is not mapped to a GitHub repository (DROID_SENTRY_PROJECTS)" });
    await intake.drain();
  });

  it("acknowledges resources and actions that start nothing", async () => {
    const installation = await sendSentryWebhook(running.url, "installation", { action: "created", data: {}, installation: { uuid: "a8e5d37a" } });
    expect(installation.status).toBe(200);
    const resolved = sentryPayload("issue-created");
    resolved.action = "resolved";
    const response = await sendSentryWebhook(running.url, "issue", resolved);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ignored: "issue action resolved (escalating)" });
    expect((await fetch(`${running.url}${SENTRY_WEBHOOK_PATH}`)).status).toBe(405);
  });
});
