/**
 * The CI events of a Droid pull request through the real webhook server, with the job store
 * shared as separate processes would share it (two servers on one SQLite file, or on one
 * Redis), and GitHub nocked strictly:
 *
 * - past the attempt limit, two failing events at once post exactly one stop comment, and a
 *   redelivery after a crash neither loses it nor posts it twice;
 * - a push to the branch ends the CI revision still queued for the replaced commit at once
 *   (`superseded`), and leaves a running one to its worker.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CI_STOPPED_MARKER } from "../../src/github/messages.ts";
import { ciDeliveryId, type JobQueue } from "../../src/jobs/queue.ts";
import { RedisJobQueue } from "../../src/jobs/redis-queue.ts";
import { SqliteJobQueue } from "../../src/jobs/sqlite-queue.ts";
import type { JobRequest, NewJob } from "../../src/jobs/types.ts";
import { BOT_LOGIN } from "../fixtures/github.ts";
import { expectInstallationToken, silentLog, WEBHOOK_SECRET } from "../helpers/github.ts";
import { checkSuiteFailed, example, INSTALLATION_ID, OWNER, REPO } from "../helpers/payloads.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { sendWebhook } from "../helpers/webhook.ts";
import { startRedisServer, type RedisServer } from "../jobs/redis-server.ts";

const BRANCH = "droid/1-greeting-crashes-on-an-empty-name";
const PR = 2;
const HEAD = "b".repeat(40);
const REPO_API = `/repos/${OWNER}/${REPO}`;
const REPO_REF = { owner: OWNER, name: REPO, installationId: INSTALLATION_ID, defaultBranch: "master" };
const TARGET = { kind: "pull_request" as const, number: PR };
const MAX_ONE = "ci:\n  maxAttempts: 1\n";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).toReversed()) await cleanup();
});

/** Requests to GitHub nock had no interceptor for (each would also fail its webhook); loopback to the servers passes. */
const unmatched: string[] = [];
const onNoMatch = (req: { method?: string; path?: string; hostname?: string; host?: string }) => {
  if (!/^(127\.0\.0\.1|localhost)$/.test(req.hostname ?? req.host ?? "")) unmatched.push(`${req.method} ${req.host ?? req.hostname}${req.path}`);
};
beforeAll(() => void nock.emitter.on("no match", onNoMatch));
afterAll(() => void nock.emitter.off("no match", onNoMatch));
afterEach(() => void unmatched.splice(0));

async function sqliteStore(): Promise<() => Promise<JobQueue>> {
  const dataDir = await mkdtemp(join(tmpdir(), "droid-ci-events-"));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  return async () => {
    const queue = new SqliteJobQueue({ dataDir, pollMs: 50 });
    cleanups.push(() => queue.close());
    return queue;
  };
}

async function server(queue: JobQueue): Promise<TestServer> {
  const running = await startTestServer(queue);
  cleanups.push(() => running.stop());
  return running;
}

function ciRevision(headSha: string, attempt = 1): NewJob {
  const request: JobRequest = { kind: "ci-revision", branch: BRANCH, headSha, attempt, failing: ["test (node 24)"] };
  return { deliveryId: ciDeliveryId(REPO_REF, headSha), repo: REPO_REF, target: TARGET, requester: BOT_LOGIN, triggerCommentId: null, request };
}

/** `pull_request.synchronize` (the real example): someone pushed `after` on top of `before`. */
function pushed(before: string, after: string) {
  const payload = example("pull_request", "synchronize");
  payload.number = PR;
  payload.pull_request.number = PR;
  payload.pull_request.head.ref = BRANCH;
  payload.pull_request.head.sha = after;
  payload.before = before;
  payload.after = after;
  return payload;
}

/** What one server reads for a CI event of `HEAD`: its token (cached after its first event), the commit's PR, the config, the checks. */
function expectCiReads(scope: nock.Scope, options: { token?: boolean } = {}): nock.Scope {
  const run = example("check_run", "completed").check_run;
  Object.assign(run, { id: 11, name: "test (node 24)", head_sha: HEAD, status: "completed", conclusion: "failure", html_url: `https://github.com/${OWNER}/${REPO}/runs/11` });
  run.app.slug = "github-actions";
  const pr = { number: PR, state: "open", user: { login: BOT_LOGIN, type: "Bot" }, head: { ref: BRANCH, sha: HEAD, repo: { full_name: `${OWNER}/${REPO}` } }, base: { ref: "master", repo: { full_name: `${OWNER}/${REPO}` } } };
  return (options.token === false ? scope : expectInstallationToken(scope))
    .get(`${REPO_API}/commits/${HEAD}/pulls`)
    .reply(200, [pr])
    .get(`${REPO_API}/contents/.github%2Fdroid.yml`)
    .reply(200, MAX_ONE, { "content-type": "application/vnd.github.v3.raw; charset=utf-8" })
    .get(`${REPO_API}/commits/${HEAD}/check-runs`)
    .query({ filter: "latest", per_page: 100 })
    .reply(200, { total_count: 1, check_runs: [run] })
    .get(`${REPO_API}/commits/${HEAD}/status`)
    .query({ per_page: 100 })
    .reply(200, { state: "failure", statuses: [] });
}

/** The one attempt `MAX_ONE` allows, already made on an earlier commit. */
async function lastAttemptMade(queue: JobQueue): Promise<void> {
  const { job } = await queue.enqueue(ciRevision("a".repeat(40)));
  expect((await queue.claim("w", ["ci-revision"]))?.id).toBe(job.id);
  await queue.finish(job.id, { state: "succeeded", kind: "succeeded" });
}

describe("the stop comment after the last attempt", () => {
  it("two failing events at once, on two servers sharing the store: exactly one comment", async () => {
    const open = await sqliteStore();
    const [queueA, queueB] = [await open(), await open()];
    await lastAttemptMade(queueA);
    const [a, b] = [await server(queueA), await server(queueB)];
    // Each server reads the commit's CI on its own; only the one holding the notice lists comments and posts.
    const scope = expectCiReads(expectCiReads(nock("https://api.github.com")));
    scope.get(`${REPO_API}/issues/${PR}/comments`).query({ per_page: 100 }).reply(200, []);
    const comments: string[] = [];
    scope.post(`${REPO_API}/issues/${PR}/comments`, (body: { body: string }) => (comments.push(body.body), true)).reply(201, { id: 9 });

    const answers = await Promise.all([
      sendWebhook(a.url, "check_suite", checkSuiteFailed(HEAD, BRANCH), { secret: WEBHOOK_SECRET }),
      sendWebhook(b.url, "check_suite", checkSuiteFailed(HEAD, BRANCH), { secret: WEBHOOK_SECRET }),
    ]);
    await Promise.all([a.outbox.drain(), b.outbox.drain()]);

    expect(answers.map((r) => r.status)).toEqual([200, 200]);
    expect(scope.pendingMocks()).toEqual([]);
    expect(unmatched).toEqual([]);
    expect(comments).toHaveLength(1);
    expect(comments[0]).toContain("CI still fails");
    expect(comments[0]).toContain(CI_STOPPED_MARKER);
    // No further job: only the earlier attempt is recorded.
    expect((await queueA.listForTarget(REPO_REF, TARGET)).map((j) => j.request.kind === "ci-revision" && j.request.headSha)).toEqual(["a".repeat(40)]);
  });

  it("a delivery whose post failed is redelivered and posts; a redelivery after it posted, or another event, posts nothing", async () => {
    const open = await sqliteStore();
    const queue = await open();
    await lastAttemptMade(queue);
    const droid = await server(queue);
    const delivery = randomUUID();
    const send = (deliveryId: string) => sendWebhook(droid.url, "check_suite", checkSuiteFailed(HEAD, BRANCH), { secret: WEBHOOK_SECRET, deliveryId });

    // GitHub fails the post: the delivery fails (GitHub records it; Droid redelivers failed ones at start-up).
    const failing = expectCiReads(nock("https://api.github.com"));
    failing.get(`${REPO_API}/issues/${PR}/comments`).query({ per_page: 100 }).reply(200, []);
    failing.post(`${REPO_API}/issues/${PR}/comments`).reply(502, { message: "Server Error" });
    expect((await send(delivery)).status).toBeGreaterThanOrEqual(500);
    expect(failing.pendingMocks()).toEqual([]);

    // Meanwhile another event of the commit: the notice is the first delivery's, so nothing is posted.
    const otherReads = expectCiReads(nock("https://api.github.com"), { token: false });
    expect((await send(randomUUID())).status).toBe(200);
    expect(otherReads.pendingMocks()).toEqual([]);

    // The redelivery of the failed delivery posts the comment.
    const comments: string[] = [];
    const retry = expectCiReads(nock("https://api.github.com"), { token: false });
    retry.get(`${REPO_API}/issues/${PR}/comments`).query({ per_page: 100 }).reply(200, []);
    retry.post(`${REPO_API}/issues/${PR}/comments`, (body: { body: string }) => (comments.push(body.body), true)).reply(201, { id: 9 });
    expect((await send(delivery)).status).toBe(200);
    expect(retry.pendingMocks()).toEqual([]);
    expect(comments).toHaveLength(1);

    // Redelivered once more (its answer was lost): the comment is found, nothing is posted again.
    const again = expectCiReads(nock("https://api.github.com"), { token: false });
    again.get(`${REPO_API}/issues/${PR}/comments`).query({ per_page: 100 }).reply(200, [{ id: 9, body: comments[0], user: { login: BOT_LOGIN, type: "Bot" } }]);
    expect((await send(delivery)).status).toBe(200);
    expect(again.pendingMocks()).toEqual([]);
    expect(unmatched).toEqual([]);
  });
});

let redis: RedisServer | undefined;
afterAll(async () => {
  await redis?.stop();
});

const STORES: [string, () => Promise<() => Promise<JobQueue>>][] = [
  ["SQLite", sqliteStore],
  [
    "Redis",
    async () => {
      redis ??= await startRedisServer();
      const { url } = redis;
      const prefix = `droid-test-${randomUUID()}:`;
      return async () => {
        const queue = new RedisJobQueue({ url, prefix, log: silentLog });
        cleanups.push(() => queue.close());
        return queue;
      };
    },
  ],
];

describe.each(STORES)("a push to the branch (%s store)", (_name, store) => {
  it("ends the CI revision queued for the replaced commit at once; one a worker runs is left to it", async () => {
    const open = await store();
    const [worker, webhooks] = [await open(), await open()];
    const [older, replaced, newer] = ["1".repeat(40), "2".repeat(40), "3".repeat(40)];
    // The worker runs the older commit's revision (it holds the branch); the replaced commit's waits behind it.
    const running = await worker.enqueue(ciRevision(older));
    expect((await worker.claim("w", ["ci-revision"]))?.id).toBe(running.job.id);
    const queued = await worker.enqueue(ciRevision(replaced, 2));
    const droid = await server(webhooks);

    // Someone pushes on top of the replaced commit: no GitHub call is needed.
    const answer = await sendWebhook(droid.url, "pull_request", pushed(replaced, newer), { secret: WEBHOOK_SECRET });
    expect(answer.status).toBe(200);
    expect(unmatched).toEqual([]);

    expect(await worker.get(queued.job.id)).toMatchObject({ state: "succeeded", outcome: "superseded", startedAt: null });
    expect((await worker.get(queued.job.id))?.endedAt).toBeInstanceOf(Date);
    expect(await worker.get(running.job.id)).toMatchObject({ state: "running", outcome: null });
    // When the running one ends, nothing is left to claim.
    await worker.finish(running.job.id, { state: "succeeded", kind: "superseded" });
    expect(await worker.claim("w", ["ci-revision"])).toBeUndefined();

    // A push that replaced the running job's commit leaves a running job alone.
    const current = await worker.enqueue(ciRevision(newer, 2));
    expect((await worker.claim("w", ["ci-revision"]))?.id).toBe(current.job.id);
    expect((await sendWebhook(droid.url, "pull_request", pushed(newer, "4".repeat(40)), { secret: WEBHOOK_SECRET })).status).toBe(200);
    expect(await worker.get(current.job.id)).toMatchObject({ state: "running" });
  });
});
