import nock from "nock";
import type { Probot } from "probot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { droidApp } from "../../src/app.ts";
import { PermissionGate } from "../../src/github/gate.ts";
import { GitHubOutbox } from "../../src/github/outbox.ts";
import { DEFAULT_POLICY } from "../../src/config/policy.ts";
import { RepoConfigCache } from "../../src/github/repo-config-loader.ts";
import { MemoryJobQueue } from "../../src/jobs/memory-queue.ts";
import { expectComment, expectConfig, expectInstallationToken, expectPermission, silentLog, testProbot } from "../helpers/github.ts";
import { example, issueComment, OWNER, REPO } from "../helpers/payloads.ts";

const JAVA_ISSUE = `Checkout fails for some users since this morning.

\`\`\`
java.lang.NullPointerException: Cannot invoke "String.length()" because "id" is null
	at com.acme.shop.orders.OrderRepository.find(OrderRepository.java:17)
	at com.acme.shop.orders.OrderService.load(OrderService.java:85)
\`\`\`
`;

let probot: Probot;
let queue: MemoryJobQueue;
let outbox: GitHubOutbox;

beforeEach(() => {
  probot = testProbot();
  queue = new MemoryJobQueue();
  outbox = new GitHubOutbox(silentLog);
  probot.load(droidApp({ queue, gate: new PermissionGate({ cacheMs: 60_000 }), configs: new RepoConfigCache({ ttlMs: 0, policy: DEFAULT_POLICY }), outbox }));
});

afterEach(async () => {
  await queue.close();
});

function writerAsks(body: string, options: { onPullRequest?: boolean } = {}) {
  const payload = issueComment(body, options);
  const scope = expectInstallationToken();
  expectConfig(scope);
  expectPermission(scope, OWNER, "write");
  scope.post(`/repos/${OWNER}/${REPO}/issues/comments/${payload.comment.id}/reactions`, { content: "eyes" }).reply(201, { id: 1 });
  return { payload, scope };
}

function issueWithBody(scope: nock.Scope, body: string): nock.Scope {
  return scope.get(`/repos/${OWNER}/${REPO}/issues/1`).reply(200, { ...example("issues", "opened").issue, number: 1, body });
}

async function deliver(payload: unknown, id: string) {
  await probot.receive({ id, name: "issue_comment", payload } as Parameters<Probot["receive"]>[0]);
  await outbox.drain();
}

describe("/droid rca", () => {
  it("records an rca job from an issue whose description holds a stack trace", async () => {
    const { payload, scope } = writerAsks("/droid rca");
    issueWithBody(scope, JAVA_ISSUE);
    await deliver(payload, "delivery-rca");
    expect(scope.isDone()).toBe(true);
    const jobs = await queue.listForTarget({ owner: OWNER, name: REPO }, { kind: "issue", number: 1 });
    expect(jobs.map((j) => [j.deliveryId, j.request])).toEqual([["delivery-rca", { kind: "rca", source: "issue", sentryIssueId: null }]]);
  });

  it("says there is nothing to analyse when the description holds no stack trace, and records nothing", async () => {
    const replies: string[] = [];
    const { payload, scope } = writerAsks("/droid rca");
    issueWithBody(scope, "The checkout page is slow. Please investigate.");
    expectComment(scope, replies);
    await deliver(payload, "delivery-rca-2");
    expect(scope.isDone()).toBe(true);
    expect(replies).toEqual([expect.stringContaining("I found no stack trace in this issue's description")]);
    expect(await queue.listForTarget({ owner: OWNER, name: REPO }, { kind: "issue", number: 1 })).toEqual([]);
  });

  it("points to issues when asked on a pull request", async () => {
    const replies: string[] = [];
    const { payload, scope } = writerAsks("/droid rca", { onPullRequest: true });
    scope.post(`/repos/${OWNER}/${REPO}/issues/1/comments`, (b: { body: string }) => replies.push(b.body) > 0).reply(201, { id: 5 });
    await deliver(payload, "delivery-rca-3");
    expect(scope.isDone()).toBe(true);
    expect(replies).toEqual([expect.stringContaining("`/droid rca` works on issues")]);
  });

  it("is listed in /droid help", async () => {
    const replies: string[] = [];
    const { payload, scope } = writerAsks("/droid help");
    expectComment(scope, replies);
    await deliver(payload, "delivery-help");
    expect(replies[0]).toContain("| `/droid rca` | Find the root cause of the stack trace in this issue");
  });
});
