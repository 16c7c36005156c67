import { createHmac } from "node:crypto";
import { request } from "node:http";
import { Writable } from "node:stream";
import { pino } from "pino";
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
import { streamPost } from "../helpers/stream-post.ts";
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

const MB = 1024 * 1024;
const LIMIT = 25 * MB;
const webhookUrl = () => `${running.url}/api/github/webhooks`;
/** The headers of a GitHub delivery, with a signature that matches nothing. */
const unsigned = {
  "content-type": "application/json",
  "x-github-event": "issue_comment",
  "x-github-delivery": "unsigned-1",
  "x-hub-signature-256": `sha256=${"0".repeat(64)}`,
};

describe("the webhook route's body limit, before any buffering", () => {
  it("answers an unsigned 100 MB POST with 413 from its Content-Length, before reading the body, and keeps serving", async () => {
    const result = await streamPost(webhookUrl(), { headers: unsigned, size: 100 * MB, chunked: false });
    expect(result.status).toBe(413);
    expect(result.response).toContain(`{"error":"body larger than ${LIMIT} bytes"}`);
    // Answered from the headers: only what the socket buffers took was sent when the answer came, and the connection was closed.
    expect(result.sentBeforeAnswer).toBeLessThan(16 * MB);
    expect(result.sentBytes).toBeLessThan(100 * MB);
    expect(await rawPost(`${running.url}/ping`, "", {}, "GET")).toBe(200);
    expect(await queue.listForTarget({ owner: OWNER, name: REPO }, { kind: "issue", number: 1 })).toEqual([]);
  });

  it("cuts off an unsigned chunked body as soon as it passes the limit, with 413", async () => {
    const result = await streamPost(webhookUrl(), { headers: unsigned, size: 100 * MB, chunked: true });
    expect(result.status).toBe(413);
    expect(result.sentBeforeAnswer).toBeGreaterThan(LIMIT);
    // Socket buffers and a loaded machine let the sender get some way past the limit before the 413 reaches it; never the whole body.
    expect(result.sentBeforeAnswer).toBeLessThan(LIMIT + 32 * MB);
    expect(result.sentBytes).toBeLessThan(100 * MB);
    expect(await rawPost(`${running.url}/ping`, "", {}, "GET")).toBe(200);
  });

  it("applies the limit to signed deliveries too, and hands a body within it to Probot whole", async () => {
    const small = await startTestServer(new MemoryJobQueue(), { maxBodyBytes: 64 * 1024 });
    try {
      // A bot's comment starts nothing (no GitHub call): 200 means the signature matched the body read in front of Probot.
      const within = issueComment(`/droid help\n${"x".repeat(50 * 1024)}`, { login: "some-bot[bot]", userType: "Bot" });
      expect((await sendWebhook(small.url, "issue_comment", within, { secret: WEBHOOK_SECRET })).status).toBe(200);
      const over = issueComment(`/droid help\n${"x".repeat(70 * 1024)}`, { login: "some-bot[bot]", userType: "Bot" });
      const refused = await sendWebhook(small.url, "issue_comment", over, { secret: WEBHOOK_SECRET });
      expect(refused.status).toBe(413);
      expect(await refused.json()).toEqual({ error: "body larger than 65536 bytes" });
    } finally {
      await small.stop();
    }
  });
});

describe("the webhook secret", () => {
  it("refuses to start without one, with Probot's public default, or with a short one: no forged delivery can be answered", async () => {
    for (const secret of ["", "development", "only-15-chars!!"]) {
      await expect(startTestServer(new MemoryJobQueue(), { secret })).rejects.toThrow(/WEBHOOK_SECRET: .*Set WEBHOOK_SECRET to your GitHub App's webhook secret/s);
    }
  });

  it("starts with a weak one only in development mode, warning that deliveries can be forged", async () => {
    const lines: string[] = [];
    const log = pino({ level: "warn" }, new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }));
    const dev = await startTestServer(new MemoryJobQueue(), { secret: "", devMode: true, log });
    try {
      expect((await fetch(`${dev.url}/ping`)).status).toBe(200);
      expect(lines.join("")).toContain("development mode: the webhook secret is weak, so anyone can forge deliveries");
    } finally {
      await dev.stop();
    }
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
