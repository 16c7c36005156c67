import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { adfToMarkdown, type AdfDoc } from "../../src/jira/adf.ts";
import { jiraIntake, connectJira } from "../../src/jira/setup.ts";
import { MemoryJobQueue } from "../../src/jobs/memory-queue.ts";
import { api, expectInstallationToken, expectPermission, testProbot, WEBHOOK_SECRET } from "../helpers/github.ts";
import { ADA, commentCreated, JIRA_EMAIL, JIRA_TOKEN, jiraSettings, labelAdded, sendJiraWebhook, shopTicket, TICKET_ID, WRITER_LOGIN } from "../helpers/jira.ts";
import { DROID_ACCOUNT, FakeJira } from "../helpers/jira-server.ts";
import { example, OWNER, REPO } from "../helpers/payloads.ts";
import { sendWebhook } from "../helpers/webhook.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { repositoryResponse } from "../helpers/sentry.ts";

const BOB = { accountId: "5c20b3955d31276811fef32h", displayName: "Bob Reader", emailAddress: "bob@acme.example", accountType: "atlassian" };
const EVE = { accountId: "6d31c4a66e42387922a0a43i", displayName: "Eve Stranger", accountType: "atlassian" };

let jira: FakeJira;
let server: TestServer;
let queue: MemoryJobQueue;
let now = Date.now();

beforeEach(async () => {
  now = Date.now();
  jira = await FakeJira.start({ email: JIRA_EMAIL, apiToken: JIRA_TOKEN });
  jira.user(ADA).user(BOB).user(EVE);
  queue = new MemoryJobQueue();
  const settings = jiraSettings(jira.url, { users: new Map([[ADA.emailAddress, WRITER_LOGIN], [BOB.emailAddress, "bob"]]), maxBodyBytes: 4096 });
  const connection = connectJira(settings);
  server = await startTestServer(queue, { jira: ({ queue: q, gate }) => ({ settings, intake: jiraIntake(connection, { queue: q, gate, app: testProbot() }) }) });
});

afterEach(async () => {
  await server.stop();
  await jira.close();
  nock.cleanAll();
});

function expectRepository(scope: nock.Scope): nock.Scope {
  return scope.get(`/repos/${OWNER}/${REPO}`).reply(200, repositoryResponse());
}

describe("POST /api/jira/webhooks", () => {
  it("records a plan job on the ticket when a writer adds the label droid, and answers 202", async () => {
    const scope = expectRepository(expectPermission(expectInstallationToken(api()), WRITER_LOGIN, "write"));
    const answer = await sendJiraWebhook(server.url, labelAdded(now));
    expect(answer.status).toBe(202);
    const jobs = await queue.listForTarget({ owner: OWNER, name: REPO }, { kind: "jira_issue", number: Number(TICKET_ID) });
    expect(jobs.map((j) => ({ kind: j.request, requester: j.requester }))).toEqual([{ kind: { kind: "plan", feedback: "" }, requester: WRITER_LOGIN }]);
    expect(scope.isDone()).toBe(true);
    jira.assertDone();
  });

  it("answers 500 when GitHub fails, and handles Jira's retry of the same delivery", async () => {
    const failing = api().post("/app/installations/1/access_tokens").reply(503, { message: "unavailable" });
    const first = await sendJiraWebhook(server.url, labelAdded(now), { identifier: "b6d1c5e8-0002" });
    expect(first.status).toBe(500);
    expect(failing.isDone()).toBe(true);
    const scope = expectRepository(expectPermission(expectInstallationToken(api()), WRITER_LOGIN, "write"));
    const retry = await sendJiraWebhook(server.url, labelAdded(now), { identifier: "b6d1c5e8-0002" });
    expect(retry.status).toBe(202);
    expect(await queue.listForTarget({ owner: OWNER, name: REPO }, { kind: "jira_issue", number: Number(TICKET_ID) })).toHaveLength(1);
    expect(scope.isDone()).toBe(true);
  });

  it("refuses unsigned and wrongly signed deliveries with 401, and records nothing", async () => {
    expect((await sendJiraWebhook(server.url, labelAdded(now), { secret: null })).status).toBe(401);
    expect((await sendJiraWebhook(server.url, labelAdded(now), { secret: "not-the-secret" })).status).toBe(401);
    expect(await queue.listForTarget({ owner: OWNER, name: REPO }, { kind: "jira_issue", number: Number(TICKET_ID) })).toEqual([]);
    jira.assertDone();
  });

  it("refuses a body over the limit with 413 before reading it", async () => {
    const answer = await sendJiraWebhook(server.url, null, { raw: JSON.stringify({ ...labelAdded(now), padding: "x".repeat(8192) }) });
    expect(answer.status).toBe(413);
    jira.assertDone();
  });

  it("refuses a delivery whose timestamp is outside the replay window, and answers a redelivery once", async () => {
    const stale = await sendJiraWebhook(server.url, labelAdded(now - 3_600_000));
    expect(stale.status).toBe(401);
    expect(String(stale.body["error"])).toMatch(/replay window/);

    const scope = expectRepository(expectPermission(expectInstallationToken(api()), WRITER_LOGIN, "write"));
    const first = await sendJiraWebhook(server.url, labelAdded(now), { identifier: "b6d1c5e8-0001" });
    const again = await sendJiraWebhook(server.url, labelAdded(now), { identifier: "b6d1c5e8-0001" });
    expect([first.status, again.status]).toEqual([202, 200]);
    expect(await queue.listForTarget({ owner: OWNER, name: REPO }, { kind: "jira_issue", number: Number(TICKET_ID) })).toHaveLength(1);
    expect(scope.isDone()).toBe(true);
  });

  it("answers a person who is no writer of the repository once, then stays silent", async () => {
    jira.ticket({ id: TICKET_ID, key: "SHOP-7", fields: {} }).expectWrites({ comment: 1 });
    const scope = expectPermission(expectInstallationToken(api()), "bob", "read");
    const first = await sendJiraWebhook(server.url, commentCreated(now, "/droid fix", BOB, "10101"));
    const second = await sendJiraWebhook(server.url, commentCreated(now, "/droid fix please", BOB, "10102"));
    expect([first.status, second.status]).toEqual([202, 200]);
    const [refusal] = jira.commentsOf(TICKET_ID);
    expect(adfToMarkdown(refusal?.body as AdfDoc)).toMatch(/^Sorry Bob Reader, your GitHub account \(`bob`\) has no write access to `Codertocat\/Hello-World`/);
    expect(await queue.listForTarget({ owner: OWNER, name: REPO }, { kind: "jira_issue", number: Number(TICKET_ID) })).toEqual([]);
    expect(scope.isDone()).toBe(true);
    jira.assertDone();
  });

  it("answers a person mapped to no GitHub login once, without asking GitHub, then stays silent", async () => {
    jira.ticket({ id: TICKET_ID, key: "SHOP-7", fields: {} }).expectWrites({ comment: 1 });
    const first = await sendJiraWebhook(server.url, commentCreated(now, "/droid plan", EVE, "10103"));
    const second = await sendJiraWebhook(server.url, labelAdded(now, EVE));
    expect([first.status, second.status]).toEqual([202, 200]);
    expect(adfToMarkdown(jira.commentsOf(TICKET_ID)[0]?.body as AdfDoc)).toMatch(/does not know who you are on GitHub.*DROID_JIRA_USERS/s);
    jira.assertDone();
  });

  it("records /droid ask with its question, answers a bare /droid ask and /droid rca with what to do", async () => {
    jira.ticket({ id: TICKET_ID, key: "SHOP-7", fields: {} }).expectWrites({ comment: 2 });
    const scope = expectRepository(expectRepository(expectRepository(expectPermission(expectInstallationToken(api()), WRITER_LOGIN, "write"))));
    const asked = await sendJiraWebhook(server.url, commentCreated(now, "/droid ask where is the greeting built?", ADA, "10130"));
    const bare = await sendJiraWebhook(server.url, commentCreated(now, "/droid ask", ADA, "10131"));
    const rca = await sendJiraWebhook(server.url, commentCreated(now, "/droid rca", ADA, "10132"));
    expect([asked.status, bare.status, rca.status]).toEqual([202, 202, 202]);
    const jobs = await queue.listForTarget({ owner: OWNER, name: REPO }, { kind: "jira_issue", number: Number(TICKET_ID) });
    expect(jobs.map((j) => [j.request, j.triggerCommentId])).toEqual([[{ kind: "ask", question: "where is the greeting built?" }, 10130]]);
    const replies = jira.commentsOf(TICKET_ID).map((c) => adfToMarkdown(c.body as AdfDoc));
    expect(replies[0]).toMatch(/^Ask a question after the command, e.g. `\/droid ask where is the retry delay computed\?`/);
    expect(replies[1]).toMatch(/^`\/droid rca` is not available on Jira tickets yet/);
    expect(scope.isDone()).toBe(true);
    jira.assertDone();
  });

  it("stops the ticket's queued job on /droid stop by another writer, and records their GitHub login as who stopped it", async () => {
    jira.ticket({ id: TICKET_ID, key: "SHOP-7", fields: {} }).expectWrites({ comment: 1 });
    const scope = expectRepository(expectRepository(expectPermission(expectPermission(expectInstallationToken(api()), WRITER_LOGIN, "write"), "bob", "write")));
    expect((await sendJiraWebhook(server.url, labelAdded(now))).status).toBe(202);
    expect((await sendJiraWebhook(server.url, commentCreated(now, "/droid stop", BOB, "10150"))).status).toBe(202);
    const [job] = await queue.listForTarget({ owner: OWNER, name: REPO }, { kind: "jira_issue", number: Number(TICKET_ID) });
    expect(job).toMatchObject({ state: "cancelled", outcome: "stopped-by-user", requester: WRITER_LOGIN, stoppedBy: "bob" });
    expect(adfToMarkdown(jira.commentsOf(TICKET_ID)[0]?.body as AdfDoc)).toMatch(/^Removed from the queue/);
    expect(scope.isDone()).toBe(true);
    jira.assertDone();
  });

  it("never acts on events by Droid's own Jira account", async () => {
    const own = await sendJiraWebhook(server.url, commentCreated(now, "/droid fix", DROID_ACCOUNT, "10140"));
    expect(own.status).toBe(200);
    expect(own.body["ignored"]).toMatch(/Droid's own events/);
    jira.assertDone();
  });

  it("starts nothing for a comment without a command, or a label other than droid", async () => {
    const comment = await sendJiraWebhook(server.url, commentCreated(now, "Looks good to me"));
    const other = labelAdded(now);
    const otherLabel = await sendJiraWebhook(server.url, { ...other, changelog: { items: [{ field: "labels", fromString: "", toString: "backend" }] } });
    expect([comment.status, otherLabel.status]).toEqual([200, 200]);
    expect(otherLabel.body["ignored"]).toMatch(/did not add the label droid/);
    jira.assertDone();
  });
});


/** A merged pull request Droid opened (a bot's) from `branch`. */
function mergedDroidPullRequest(number: number, branch: string) {
  const payload = example("pull_request", "closed");
  Object.assign(payload.pull_request, { number, merged: true, merged_at: "2026-11-26T10:00:00Z" });
  payload.pull_request.user.type = "Bot";
  payload.pull_request.head.ref = branch;
  return payload;
}

describe("a merged pull request of a Jira ticket", () => {
  it("moves the ticket by its project's pullRequestMerged transition and is counted as merged; an issue's pull request moves nothing", async () => {
    jira.ticket(shopTicket()).expectWrites({ transition: 1 });
    const jiraPr = await sendWebhook(server.url, "pull_request", mergedDroidPullRequest(7, "droid/shop-7-greeting-crashes-on-an-empty-name"), { secret: WEBHOOK_SECRET });
    const issuePr = await sendWebhook(server.url, "pull_request", mergedDroidPullRequest(8, "droid/1-greeting-crashes-on-an-empty-name"), { secret: WEBHOOK_SECRET });
    expect([jiraPr.status, issuePr.status]).toEqual([200, 200]);
    expect(jira.writes.map((w) => [w.kind, w.ticket, w.target])).toEqual([["transition", "SHOP-7", "41"]]);
    expect((await queue.merges()).map((m) => m.number)).toEqual([7, 8]);
    jira.assertDone();
  });
});
