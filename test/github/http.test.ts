import { createHmac } from "node:crypto";
import { request } from "node:http";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GitHubOutbox } from "../../src/github/outbox.ts";
import { MemoryJobQueue } from "../../src/jobs/memory-queue.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import {
  expectComment,
  expectConfig,
  expectInstallationToken,
  expectPermission,
  WEBHOOK_SECRET,
} from "../helpers/github.ts";
import { issueComment, OWNER, REPO } from "../helpers/payloads.ts";
import { sendWebhook } from "../helpers/webhook.ts";

let running: TestServer;
let queue: MemoryJobQueue;
let outbox: GitHubOutbox;

beforeEach(async () => {
  queue = new MemoryJobQueue();
  running = await startTestServer(queue, { configTtlMs: 30_000 });
  outbox = running.outbox;
});

afterEach(async () => {
  await running.stop();
});

describe("the real HTTP server", () => {
  it("answers a signed /droid help with 👀 and a help reply", async () => {
    const payload = issueComment("/droid help");
    const replies: string[] = [];
    const scope = expectInstallationToken();
    expectConfig(scope);
    expectPermission(scope, OWNER, "write");
    scope
      .post(`/repos/${OWNER}/${REPO}/issues/comments/${payload.comment.id}/reactions`, { content: "eyes" })
      .reply(201, { id: 1 });
    expectComment(scope, replies);
    const response = await sendWebhook(running.url, "issue_comment", payload, { secret: WEBHOOK_SECRET });
    expect(response.status).toBe(200);
    await outbox.drain();
    expect(scope.isDone()).toBe(true);
    expect(replies[0]).toContain("**Droid commands**");
  });

  it("refuses a non-writer's /droid fix once and records no job", async () => {
    const replies: string[] = [];
    const scope = expectInstallationToken();
    expectConfig(scope);
    expectPermission(scope, "mallory", "read");
    expectComment(scope, replies);
    const response = await sendWebhook(running.url, "issue_comment", issueComment("/droid fix", { login: "mallory" }), {
      secret: WEBHOOK_SECRET,
    });
    expect(response.status).toBe(200);
    await outbox.drain();
    expect(scope.isDone()).toBe(true);
    expect(replies).toHaveLength(1);
    expect(await queue.listForTarget({ owner: OWNER, name: REPO }, { kind: "issue", number: 1 })).toEqual([]);
  });

  it("shares one config read and one permission check across a burst of 20 concurrent triggers", async () => {
    const scope = expectInstallationToken();
    expectConfig(scope);
    expectPermission(scope, OWNER, "write");
    const payloads = Array.from({ length: 20 }, (_, i) => {
      const payload = issueComment("/droid plan");
      payload.issue.number = 100 + i;
      payload.comment.id = 5000 + i;
      scope
        .post(`/repos/${OWNER}/${REPO}/issues/comments/${payload.comment.id}/reactions`, { content: "eyes" })
        .reply(201, { id: i });
      return payload;
    });
    const responses = await Promise.all(
      payloads.map((p) => sendWebhook(running.url, "issue_comment", p, { secret: WEBHOOK_SECRET })),
    );
    expect(responses.map((r) => r.status)).toEqual(payloads.map(() => 200));
    await outbox.drain();
    expect(scope.isDone()).toBe(true);
    for (const p of payloads) {
      const jobs = await queue.listForTarget({ owner: OWNER, name: REPO }, { kind: "issue", number: p.issue.number });
      expect(jobs).toHaveLength(1);
    }
  });

  // Probot 14 (through @octokit/webhooks 14) answers a bad signature with 400, not 401.
  it("rejects an invalid signature and records nothing", async () => {
    const response = await sendWebhook(running.url, "issue_comment", issueComment("/droid fix"), {
      secret: WEBHOOK_SECRET,
      signature: "sha256=0000000000000000000000000000000000000000000000000000000000000000",
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("signature does not match");
    const unsigned = await sendWebhook(running.url, "issue_comment", issueComment("/droid fix"), {
      secret: "another secret",
    });
    expect(unsigned.status).toBe(400);
    expect(await queue.listForTarget({ owner: OWNER, name: REPO }, { kind: "issue", number: 1 })).toEqual([]);
  });

  it("answers malformed JSON with a client error and keeps serving", async () => {
    const body = "{not json";
    const signature = `sha256=${createHmac("sha256", WEBHOOK_SECRET).update(body).digest("hex")}`;
    const status = await rawPost(`${running.url}/api/github/webhooks`, body, {
      "content-type": "application/json",
      "x-github-event": "issue_comment",
      "x-github-delivery": "malformed-1",
      "x-hub-signature-256": signature,
    });
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(500);
    expect(await rawPost(`${running.url}/ping`, "", {}, "GET")).toBe(200);
  });

});

/** One request on a fresh connection (no keep-alive reuse after an error response). */
function rawPost(url: string, body: string, headers: Record<string, string>, method = "POST"): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end(body);
  });
}
