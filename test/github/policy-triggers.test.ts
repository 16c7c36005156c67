/**
 * The operator's caps on the webhook path, and a review recorded once: real payloads, the
 * real app, GitHub nocked (every call declared, nothing else made).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import nock from "nock";
import type { Probot } from "probot";
import { droidApp } from "../../src/app.ts";
import { DEFAULT_CAPS, DEFAULT_POLICY, type JobCaps } from "../../src/config/policy.ts";
import { PermissionGate } from "../../src/github/gate.ts";
import { GitHubOutbox } from "../../src/github/outbox.ts";
import { RepoConfigCache } from "../../src/github/repo-config-loader.ts";
import { MemoryJobQueue } from "../../src/jobs/memory-queue.ts";
import { expectComment, expectConfig, expectInstallationToken, expectPermission, silentLog, testProbot } from "../helpers/github.ts";
import { issueComment, OWNER, REPO, reviewComment, reviewSubmitted } from "../helpers/payloads.ts";

const repo = { owner: OWNER, name: REPO };

let probot: Probot;
let queue: MemoryJobQueue;
let outbox: GitHubOutbox;
let delivery = 0;
let unmatched: string[] = [];
const noMatch = (req: { method?: string; path?: string }) => void unmatched.push(`${req.method} ${req.path}`);

function start(caps: JobCaps): void {
  probot = testProbot();
  queue = new MemoryJobQueue();
  outbox = new GitHubOutbox(silentLog);
  const configs = new RepoConfigCache({ ttlMs: 0, policy: DEFAULT_POLICY });
  probot.load(droidApp({ queue, gate: new PermissionGate({ cacheMs: 60_000 }), configs, outbox, caps }));
}

beforeEach(() => {
  unmatched = [];
  nock.emitter.on("no match", noMatch);
});

afterEach(async () => {
  nock.emitter.removeListener("no match", noMatch);
  await queue.close();
  if (unmatched.length > 0) throw new Error(`GitHub calls nobody declared:\n${unmatched.join("\n")}`);
});

async function deliver(name: string, payload: unknown) {
  await probot.receive({ id: `policy-delivery-${++delivery}`, name, payload } as Parameters<Probot["receive"]>[0]);
  await outbox.drain();
}

/**
 * A writer's `/droid …` on issue `number`: config, 👀 and `replies` comments declared; the token
 * and the permission on the first delivery only (both are cached).
 */
function writerComment(body: string, number: number, replies: string[], expectReplies: number, first: boolean) {
  const payload = issueComment(body);
  payload.issue.number = number;
  payload.comment.id = 5000 + number;
  const scope = first ? expectInstallationToken() : nock("https://api.github.com");
  expectConfig(scope);
  if (first) expectPermission(scope, OWNER, "write");
  scope.post(`/repos/${OWNER}/${REPO}/issues/comments/${payload.comment.id}/reactions`, { content: "eyes" }).reply(201, { id: 1 });
  for (let i = 0; i < expectReplies; i++) expectComment(scope, replies, number);
  return { payload, scope };
}

/** A finished job of the repository that cost `usd`. */
async function spent(usd: number, number: number): Promise<void> {
  const { job } = await queue.enqueue({
    deliveryId: `spent-${number}`,
    repo: { owner: OWNER, name: REPO, installationId: 1, defaultBranch: "main" },
    target: { kind: "issue", number },
    requester: OWNER,
    triggerCommentId: null,
    request: { kind: "plan", feedback: "" },
  });
  await queue.claim("w", ["plan"]);
  await queue.finish(job.id, { state: "succeeded", kind: "succeeded" }, { costUsd: usd });
}

describe("the per-repository queue cap", () => {
  beforeEach(() => start({ ...DEFAULT_CAPS, maxQueuedPerRepo: 2 }));

  it("answers a request beyond it with a clear message and records nothing", async () => {
    const replies: string[] = [];
    for (const number of [1, 2]) {
      const { payload } = writerComment("/droid plan", number, replies, 0, number === 1);
      await deliver("issue_comment", payload);
    }
    const { payload, scope } = writerComment("/droid plan", 3, replies, 1, false);
    await deliver("issue_comment", payload);
    expect(scope.isDone()).toBe(true);
    expect(replies).toEqual([
      "This repository already has 2 Droid jobs waiting, the most this Droid queues per repository, so I didn't record this request. " +
        "Ask again when some have run: `/droid status` on an issue or pull request shows its jobs, `/droid stop` cancels them.",
    ]);
    expect(await queue.listForTarget(repo, { kind: "issue", number: 3 })).toEqual([]);
    expect(await queue.listForTarget(repo, { kind: "issue", number: 2 })).toHaveLength(1);
  });
});

describe("the daily spending caps", () => {
  beforeEach(() => start({ ...DEFAULT_CAPS, dailyUsdPerRepo: 5, dailyUsdPerInstallation: 50 }));

  it("refuse a request once the repository's jobs spent the cap, and /droid status shows what is left", async () => {
    await spent(3.5, 10);
    const replies: string[] = [];
    const status = writerComment("/droid status", 1, replies, 1, true);
    await deliver("issue_comment", status.payload);
    expect(replies[0]).toContain("Spent in the last 24 h: this repository $3.50 of $5.00 ($1.50 left); this installation $3.50 of $50.00 ($46.50 left).");

    await spent(1.5, 11);
    const refused = writerComment("/droid plan", 2, replies, 1, false);
    await deliver("issue_comment", refused.payload);
    expect(refused.scope.isDone()).toBe(true);
    expect(replies[1]).toBe(
      "I didn't start this: Droid's jobs for this repository spent $5.00 in the last 24 hours, and this Droid's operators cap that at $5.00 a day. " +
        "Ask again once earlier jobs are more than a day old, or ask the operators to raise the cap (`DROID_DAILY_USD_PER_REPO`).",
    );
    expect(await queue.listForTarget(repo, { kind: "issue", number: 2 })).toEqual([]);
  });
});

describe("a reply in a review thread", () => {
  beforeEach(() => start(DEFAULT_CAPS));

  it("is one revision with its review: the review's own event is answered by the reply's job, without a comment", async () => {
    const reply = reviewComment({ inReplyTo: 2001 });
    reply.pull_request.state = "open";
    const review = reviewSubmitted({ state: "commented" });
    review.pull_request.state = "open";
    review.review.body = null;
    review.review.id = reply.comment.pull_request_review_id;

    const scope = expectInstallationToken();
    expectConfig(scope);
    expectPermission(scope, OWNER, "write");
    scope.post(`/repos/${OWNER}/${REPO}/pulls/comments/${reply.comment.id}/reactions`, { content: "eyes" }).reply(201, { id: 3 });
    expectConfig(scope);
    await deliver("pull_request_review_comment", reply);
    await deliver("pull_request_review", review);
    expect(scope.isDone()).toBe(true);
    const jobs = await queue.listForTarget(repo, { kind: "pull_request", number: reply.pull_request.number });
    expect(jobs).toHaveLength(1);
    expect(jobs[0]?.request).toMatchObject({ kind: "revise", reviewId: review.review.id, comments: [{ id: reply.comment.id }] });
  });
});
