import { afterEach, beforeEach, describe, expect, it } from "vitest";
import nock from "nock";
import type { Probot } from "probot";
import { droidApp } from "../../src/app.ts";
import { PermissionGate } from "../../src/github/gate.ts";
import { GitHubOutbox } from "../../src/github/outbox.ts";
import { DEFAULT_POLICY } from "../../src/config/policy.ts";
import { RepoConfigCache } from "../../src/github/repo-config-loader.ts";
import { MemoryJobQueue } from "../../src/jobs/memory-queue.ts";
import {
  api,
  expectComment,
  expectConfig,
  expectInstallationToken,
  expectPermission,
  silentLog,
  testProbot,
} from "../helpers/github.ts";
import {
  example,
  issueComment,
  issueLabeled,
  OWNER,
  REPO,
  reviewComment,
  reviewSubmitted,
} from "../helpers/payloads.ts";

const repo = { owner: OWNER, name: REPO };
const issue1 = { kind: "issue", number: 1 } as const;

let probot: Probot;
let queue: MemoryJobQueue;
let outbox: GitHubOutbox;
let delivery = 0;

beforeEach(() => {
  probot = testProbot();
  queue = new MemoryJobQueue();
  outbox = new GitHubOutbox(silentLog);
  // Config is not cached here, so each delivery declares its own config read.
  const configs = new RepoConfigCache({ ttlMs: 0, policy: DEFAULT_POLICY });
  probot.load(droidApp({ queue, gate: new PermissionGate({ cacheMs: 60_000 }), configs, outbox }));
});

afterEach(async () => {
  await queue.close();
});

async function deliver(name: string, payload: unknown, id = `delivery-${++delivery}`) {
  await probot.receive({ id, name, payload } as Parameters<Probot["receive"]>[0]);
  await outbox.drain();
}

/** A writer's comment: token, config, permission and 👀 declared, plus `replies` comments. */
function expectWriterComment(body: string, options: { replies?: number; permission?: string } = {}) {
  const payload = issueComment(body);
  const replies: string[] = [];
  const scope = expectInstallationToken();
  expectConfig(scope);
  expectPermission(scope, OWNER, options.permission ?? "admin");
  eyesOnComment(scope, payload.comment.id);
  for (let i = 0; i < (options.replies ?? 0); i++) expectComment(scope, replies);
  return { payload, replies, scope };
}

function eyesOnComment(scope: nock.Scope, commentId: number) {
  return scope
    .post(`/repos/${OWNER}/${REPO}/issues/comments/${commentId}/reactions`, { content: "eyes" })
    .reply(201, { id: 1, content: "eyes" });
}

describe("comments", () => {
  it("answers /droid help with 👀 and the command list", async () => {
    const { payload, replies, scope } = expectWriterComment("/droid help", { replies: 1 });
    await deliver("issue_comment", payload);
    expect(scope.isDone()).toBe(true);
    expect(replies).toHaveLength(1);
    expect(replies[0]).toContain("`/droid plan [feedback]`");
    expect(replies[0]).toContain("`/droid stop`");
  });

  it("records a plan job for /droid plan with feedback, reacting 👀 and posting nothing else", async () => {
    const { payload, scope } = expectWriterComment("Thanks!\n/droid plan use Postgres instead\nand keep it small", { permission: "write" });
    await deliver("issue_comment", payload, "delivery-plan");
    expect(scope.isDone()).toBe(true);
    const jobs = await queue.listForTarget(repo, issue1);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({
      state: "queued",
      deliveryId: "delivery-plan",
      requester: OWNER,
      triggerCommentId: payload.comment.id,
      request: { kind: "plan", feedback: "use Postgres instead\nand keep it small" },
      repo: { owner: OWNER, name: REPO, installationId: 1, defaultBranch: "master" },
    });
  });

  it("records an ask job for /droid ask <question>, on an issue and on a pull request", async () => {
    const { payload, scope } = expectWriterComment("/droid ask where is the greeting built?\nand who calls it?", { permission: "write" });
    await deliver("issue_comment", payload, "delivery-ask");
    expect(scope.isDone()).toBe(true);
    const [job] = await queue.listForTarget(repo, issue1);
    expect(job).toMatchObject({ state: "queued", triggerCommentId: payload.comment.id, request: { kind: "ask", question: "where is the greeting built?\nand who calls it?" } });

    const onPr = issueComment("/droid ask what does this PR's helper replace?", { onPullRequest: true });
    const prScope = expectConfig(api());
    eyesOnComment(prScope, onPr.comment.id);
    await deliver("issue_comment", onPr, "delivery-ask-pr");
    expect(prScope.isDone()).toBe(true);
    const [prJob] = await queue.listForTarget(repo, { kind: "pull_request", number: 1 });
    expect(prJob?.request).toEqual({ kind: "ask", question: "what does this PR's helper replace?" });
  });

  it("answers /droid ask without a question with how to ask, and records nothing", async () => {
    const { payload, replies, scope } = expectWriterComment("/droid ask", { replies: 1 });
    await deliver("issue_comment", payload);
    expect(scope.isDone()).toBe(true);
    expect(replies[0]).toContain("Ask a question after the command, e.g. `/droid ask where is the retry delay computed?`");
    expect(await queue.listForTarget(repo, issue1)).toEqual([]);
  });

  it("refuses a non-writer once, then stays silent, and records no job", async () => {
    const replies: string[] = [];
    const scope = expectInstallationToken();
    expectConfig(scope);
    expectPermission(scope, "stranger", "read");
    expectComment(scope, replies);
    await deliver("issue_comment", issueComment("/droid fix", { login: "stranger" }));
    expect(scope.isDone()).toBe(true);
    expect(replies).toEqual([expect.stringContaining("only people with write access")]);

    const again = expectConfig(api());
    await deliver("issue_comment", issueComment("/droid fix please", { login: "stranger" }));
    expect(again.isDone()).toBe(true);
    expect(await queue.listForTarget(repo, issue1)).toEqual([]);
  });

  it("treats triage as not enough and maintain as enough", async () => {
    const replies: string[] = [];
    const scope = expectInstallationToken();
    expectConfig(scope);
    expectPermission(scope, "triager", "read", "triage");
    expectComment(scope, replies);
    await deliver("issue_comment", issueComment("/droid plan", { login: "triager" }));
    expect(replies).toHaveLength(1);

    const payload = issueComment("/droid plan", { login: "maintainer" });
    const second = expectConfig(api());
    expectPermission(second, "maintainer", "write", "maintain");
    eyesOnComment(second, payload.comment.id);
    await deliver("issue_comment", payload);
    expect(second.isDone()).toBe(true);
    expect(await queue.listForTarget(repo, issue1)).toHaveLength(1);
  });

  it("asks GitHub for a permission once while it is cached", async () => {
    const first = issueComment("/droid status");
    const scope = expectInstallationToken();
    expectConfig(scope);
    expectPermission(scope, OWNER, "admin");
    eyesOnComment(scope, first.comment.id);
    expectComment(scope, []);
    expectConfig(scope);
    eyesOnComment(scope, first.comment.id);
    expectComment(scope, []);
    await deliver("issue_comment", first);
    await deliver("issue_comment", first);
    expect(scope.isDone()).toBe(true);
  });

  it("never answers bots, Droid included, and makes no API call", async () => {
    await deliver("issue_comment", issueComment("/droid fix", { login: "droid[bot]", userType: "Bot" }));
    await deliver("issue_comment", issueComment("/droid help", { login: "dependabot[bot]", userType: "Bot" }));
    expect(await queue.listForTarget(repo, issue1)).toEqual([]);
  });

  it("ignores edited and deleted comments", async () => {
    const edited = example("issue_comment", "edited");
    edited.comment.body = "/droid fix";
    await deliver("issue_comment", edited);
    const deleted = example("issue_comment", "deleted");
    deleted.comment.body = "/droid fix";
    await deliver("issue_comment", deleted);
    expect(await queue.listForTarget(repo, issue1)).toEqual([]);
  });

  it("ignores /droid in a fenced code block", async () => {
    const scope = expectConfig(expectInstallationToken());
    await deliver("issue_comment", issueComment("```sh\n/droid fix\n```\n~~~\n/droid plan\n~~~"));
    expect(scope.isDone()).toBe(true);
    expect(await queue.listForTarget(repo, issue1)).toEqual([]);
  });

  it("ignores /droid in the middle of a sentence, in quotes and indented code, without calling GitHub", async () => {
    for (const body of [
      "you could try /droid fix here",
      "> /droid fix",
      "    /droid fix",
      "`/droid fix`",
    ]) {
      await deliver("issue_comment", issueComment(body));
    }
    expect(await queue.listForTarget(repo, issue1)).toEqual([]);
  });

  it("runs only the first of several commands and says so", async () => {
    const { payload, replies, scope } = expectWriterComment("/droid plan\n/droid fix now\n/droid stop", { replies: 1 });
    await deliver("issue_comment", payload);
    expect(scope.isDone()).toBe(true);
    expect(replies[0]).toContain("I run only the first one, `/droid plan`");
    expect(replies[0]).toContain("`/droid fix now`");
    expect(replies[0]).toContain("`/droid stop`");
    const jobs = await queue.listForTarget(repo, issue1);
    expect(jobs.map((j) => j.request.kind)).toEqual(["plan"]);
  });

  it("answers an unknown command with the command list", async () => {
    const { payload, replies, scope } = expectWriterComment("/droid deploy to prod", { replies: 1 });
    await deliver("issue_comment", payload);
    expect(scope.isDone()).toBe(true);
    expect(replies[0]).toContain("I don't know the command `/droid deploy`");
    expect(replies[0]).toContain("`/droid help`");
  });

  it.each([
    { command: "/droid plan", reply: "A `plan` job" },
    // "An" before a kind starting with a vowel.
    { command: "/droid ask where is the greeting built?", reply: "An `ask` job" },
  ])("points a second $command at the job already queued instead of duplicating it", async ({ command, reply }) => {
    const payload = issueComment(command);
    const replies: string[] = [];
    const scope = expectInstallationToken();
    expectConfig(scope);
    expectPermission(scope, OWNER, "admin");
    eyesOnComment(scope, payload.comment.id);
    expectConfig(scope);
    eyesOnComment(scope, payload.comment.id);
    expectComment(scope, replies);
    await deliver("issue_comment", payload);
    await deliver("issue_comment", payload);
    expect(scope.isDone()).toBe(true);
    const [job] = await queue.listForTarget(repo, issue1);
    expect(replies).toEqual([expect.stringContaining(`${reply} (\`${job?.id.slice(0, 8)}\`) is already queued here, so I did not take this request: what it asked is dropped, not queued.`)]);
    expect(replies[0]).toContain("Ask again once that job has posted its result, or `/droid stop` it and ask again now.");
    expect(await queue.listForTarget(repo, issue1)).toHaveLength(1);
  });

  it("records one job and answers once when GitHub redelivers the same delivery", async () => {
    const { payload, scope } = expectWriterComment("/droid fix");
    await deliver("issue_comment", payload, "same-delivery");
    await deliver("issue_comment", payload, "same-delivery");
    expect(scope.isDone()).toBe(true);
    expect(await queue.listForTarget(repo, issue1)).toHaveLength(1);
  });

  it("answers a redelivered /droid help once", async () => {
    const { payload, scope } = expectWriterComment("/droid help", { replies: 1 });
    expectConfig(scope);
    await deliver("issue_comment", payload, "help-delivery");
    await deliver("issue_comment", payload, "help-delivery");
    expect(scope.isDone()).toBe(true);
  });


  it("shows job status and stops a queued job", async () => {
    const plan = issueComment("/droid plan");
    const scope = expectInstallationToken();
    expectConfig(scope);
    expectPermission(scope, OWNER, "admin");
    eyesOnComment(scope, plan.comment.id);
    await deliver("issue_comment", plan);

    const replies: string[] = [];
    for (let i = 0; i < 3; i++) {
      expectConfig(scope);
      eyesOnComment(scope, plan.comment.id);
      expectComment(scope, replies);
    }
    await deliver("issue_comment", issueComment("/droid status"));
    await deliver("issue_comment", issueComment("/droid stop"));
    await deliver("issue_comment", issueComment("/droid stop"));
    expect(scope.isDone()).toBe(true);
    const [job] = await queue.listForTarget(repo, issue1);
    // The status: a short list, one line a job, naming who asked without @-mentioning them.
    expect(replies[0]).toContain(`- \`${job?.id.slice(0, 8)}\` plan · **queued** · $0.00 · queued `);
    expect(replies[0]).toContain("asked by `Codertocat`");
    expect(replies[0]).not.toContain("@");
    expect(replies[0]).not.toContain("|");
    // A queued job never runs, so the stop's reply is all that is said of it.
    expect(replies[1]).toBe(`Removed from the queue (it will not run):\n- \`plan\` job \`${job?.id.slice(0, 8)}\``);
    expect(replies[2]).toContain("Nothing to stop");
    // The job records who stopped it: the writer whose command was accepted.
    expect(job).toMatchObject({ state: "cancelled", stoppedBy: "Codertocat" });
  });

  it("help, status and stop speak the repository's command word (`command: bot`)", async () => {
    const bot = "command: bot\n";
    const plan = issueComment("/bot plan");
    const scope = expectInstallationToken();
    expectConfig(scope, bot);
    expectPermission(scope, OWNER, "admin");
    eyesOnComment(scope, plan.comment.id);
    await deliver("issue_comment", plan);
    const replies: string[] = [];
    for (let i = 0; i < 4; i++) {
      expectConfig(scope, bot);
      eyesOnComment(scope, plan.comment.id);
      expectComment(scope, replies);
    }
    for (const command of ["/bot help", "/bot status", "/bot plan again", "/bot stop"]) await deliver("issue_comment", issueComment(command));
    expect(scope.isDone()).toBe(true);
    const [help, status, already, stop] = replies;
    expect(help).toContain("`/bot plan [feedback]`");
    expect(status).toContain("plan · **queued**");
    expect(already).toContain("`/bot status`");
    expect(stop).toContain("Removed from the queue");
    for (const reply of replies) expect(reply).not.toMatch(/`\/droid /);
  });

  it("finds a command at the end of a 65,536-character comment with non-ASCII and zero-width characters", async () => {
    const filler = "Ünïcödé 日本語 😀 text\u200B ".repeat(3000).slice(0, 65_536 - 40);
    const body = `${filler}\n/dr\u200Boid help`;
    expect(body.length).toBeLessThanOrEqual(65_536);
    const payload = issueComment(body);
    const scope = expectInstallationToken();
    expectConfig(scope);
    expectPermission(scope, OWNER, "admin");
    eyesOnComment(scope, payload.comment.id);
    expectComment(scope, []);
    await deliver("issue_comment", payload);
    expect(scope.isDone()).toBe(true);
  });

  it("uses the repo's own command word and label", async () => {
    const payload = issueComment("/bot plan");
    const scope = expectInstallationToken();
    expectConfig(scope, "command: bot\nlabel: ai-plan\n");
    expectPermission(scope, OWNER, "admin");
    eyesOnComment(scope, payload.comment.id);
    await deliver("issue_comment", payload);
    expectConfig(scope, "command: bot\nlabel: ai-plan\n");
    await deliver("issue_comment", issueComment("/droid plan"));
    expect(scope.isDone()).toBe(true);
    expect(await queue.listForTarget(repo, issue1)).toHaveLength(1);
  });
});

describe("repository configuration", () => {
  it("quotes the exact problem in an invalid droid.yml and starts no job", async () => {
    const replies: string[] = [];
    const scope = expectInstallationToken();
    expectConfig(scope, "label: 3\ncomand: droid\n");
    expectPermission(scope, OWNER, "admin");
    expectComment(scope, replies);
    await deliver("issue_comment", issueComment("/droid fix"));
    expect(scope.isDone()).toBe(true);
    expect(replies[0]).toContain("`.github/droid.yml` is not valid");
    expect(replies[0]).toContain("| `label` | string | number 3 |");
    expect(replies[0]).toContain("| `comand` |");
    expect(await queue.listForTarget(repo, issue1)).toEqual([]);
  });

  it("reports a droid.yml that is not YAML", async () => {
    const replies: string[] = [];
    const scope = expectInstallationToken();
    expectConfig(scope, "label: [unclosed\n");
    expectPermission(scope, OWNER, "admin");
    expectComment(scope, replies);
    await deliver("issue_comment", issueComment("/droid plan"));
    expect(scope.isDone()).toBe(true);
    expect(replies[0]).toContain("invalid YAML");
    expect(await queue.listForTarget(repo, issue1)).toEqual([]);
  });

  it("falls back to the organisation's .github repository", async () => {
    const payload = issueComment("/org plan");
    const scope = expectInstallationToken()
      .get(`/repos/${OWNER}/${REPO}/contents/.github%2Fdroid.yml`)
      .reply(404, { message: "Not Found" })
      .get(`/repos/${OWNER}/.github/contents/.github%2Fdroid.yml`)
      .reply(200, "command: org\n", { "content-type": "application/vnd.github.v3.raw; charset=utf-8" });
    expectPermission(scope, OWNER, "admin");
    eyesOnComment(scope, payload.comment.id);
    await deliver("issue_comment", payload);
    expect(scope.isDone()).toBe(true);
    expect(await queue.listForTarget(repo, issue1)).toHaveLength(1);
  });
});

describe("labels", () => {
  it("plans when a writer adds the droid label, reacting 👀 on the issue", async () => {
    const scope = expectInstallationToken();
    expectConfig(scope);
    expectPermission(scope, OWNER, "write");
    scope.post(`/repos/${OWNER}/${REPO}/issues/1/reactions`, { content: "eyes" }).reply(201, { id: 2 });
    await deliver("issues", issueLabeled("droid"));
    expect(scope.isDone()).toBe(true);
    const jobs = await queue.listForTarget(repo, issue1);
    expect(jobs[0]?.request).toEqual({ kind: "plan", feedback: "" });
    expect(jobs[0]?.triggerCommentId).toBeNull();
  });

  it("ignores other labels", async () => {
    const scope = expectInstallationToken();
    expectConfig(scope);
    await deliver("issues", issueLabeled("bug"));
    expect(scope.isDone()).toBe(true);
    expect(await queue.listForTarget(repo, issue1)).toEqual([]);
  });
});

/** `/droid fix` on PR #1 whose head is changed by `fork`; returns the replies. */
async function fixOnPullRequest(fork: (pr: Record<string, any>) => void): Promise<string[]> {
  const payload = issueComment("/droid fix", { onPullRequest: true });
  const pr = example("pull_request_review", "submitted").pull_request;
  pr.state = "open";
  fork(pr);
  const replies: string[] = [];
  const scope = expectInstallationToken();
  expectConfig(scope);
  expectPermission(scope, OWNER, "admin");
  eyesOnComment(scope, payload.comment.id);
  scope.get(`/repos/${OWNER}/${REPO}/pulls/1`).reply(200, pr);
  expectComment(scope, replies);
  await deliver("issue_comment", payload);
  expect(scope.isDone()).toBe(true);
  return replies;
}

describe("pull requests", () => {
  it("turns /droid fix on a PR into a revision of its branch", async () => {
    const payload = issueComment("/droid fix rename the helper", { onPullRequest: true });
    const pr = example("pull_request_review", "submitted").pull_request;
    pr.state = "open";
    pr.head.ref = "feature/x";
    const scope = expectInstallationToken();
    expectConfig(scope);
    expectPermission(scope, OWNER, "admin");
    eyesOnComment(scope, payload.comment.id);
    scope.get(`/repos/${OWNER}/${REPO}/pulls/1`).reply(200, pr);
    await deliver("issue_comment", payload);
    expect(scope.isDone()).toBe(true);
    const jobs = await queue.listForTarget(repo, { kind: "pull_request", number: 1 });
    expect(jobs[0]?.request).toMatchObject({ kind: "revise", branch: "feature/x", instructions: "rename the helper" });
  });

  it("revises a fork's pull request as a patch, saying why it is not pushed", async () => {
    const replies = await fixOnPullRequest((pr) => void (pr.head.repo.full_name = "someone/Hello-World"));
    expect(replies[0]).toContain("lives in a fork");
    expect(replies[0]).toContain("post it here as a patch");
    const jobs = await queue.listForTarget(repo, { kind: "pull_request", number: 1 });
    expect(jobs[0]?.request).toMatchObject({ kind: "revise", branch: "changes" });
  });

  it("says so when the fork behind a pull request is gone", async () => {
    const replies = await fixOnPullRequest((pr) => void (pr.head.repo = null));
    expect(replies[0]).toContain("no longer exists");
    expect(await queue.listForTarget(repo, { kind: "pull_request", number: 1 })).toEqual([]);
  });



  it("routes a review on a Droid PR to one revision job", async () => {
    const payload = reviewSubmitted({ state: "changes_requested" });
    payload.pull_request.state = "open";
    const scope = expectInstallationToken();
    expectConfig(scope);
    expectPermission(scope, OWNER, "admin");
    await deliver("pull_request_review", payload);
    expect(scope.isDone()).toBe(true);
    const jobs = await queue.listForTarget(repo, { kind: "pull_request", number: payload.pull_request.number });
    expect(jobs[0]?.request).toMatchObject({ kind: "revise", branch: "droid/1-fix-the-readme", reviewId: payload.review.id });
  });

  it("ignores approvals, reviews on PRs Droid did not open, and review comments that belong to a review", async () => {
    const approved = reviewSubmitted({ state: "approved" });
    approved.pull_request.state = "open";
    await deliver("pull_request_review", approved);
    const other = reviewSubmitted({ branch: "feature/x" });
    other.pull_request.state = "open";
    await deliver("pull_request_review", other);
    const partOfReview = reviewComment();
    partOfReview.pull_request.state = "open";
    await deliver("pull_request_review_comment", partOfReview);
    expect(await queue.listForTarget(repo, { kind: "pull_request", number: 1 })).toEqual([]);
  });

  it("routes a reply in a review thread on a Droid PR to a revision for that thread", async () => {
    const payload = reviewComment({ inReplyTo: 2001 });
    payload.pull_request.state = "open";
    const scope = expectInstallationToken();
    expectConfig(scope);
    expectPermission(scope, OWNER, "admin");
    scope
      .post(`/repos/${OWNER}/${REPO}/pulls/comments/${payload.comment.id}/reactions`, { content: "eyes" })
      .reply(201, { id: 3 });
    await deliver("pull_request_review_comment", payload);
    expect(scope.isDone()).toBe(true);
    const jobs = await queue.listForTarget(repo, { kind: "pull_request", number: payload.pull_request.number });
    expect(jobs[0]?.request).toMatchObject({ kind: "revise", comments: [{ id: payload.comment.id, inReplyToId: 2001 }] });
  });
});

describe("bad input", () => {
  it("ignores malformed payloads and payloads without an installation, calling nothing", async () => {
    const broken = issueComment("/droid fix");
    delete broken.repository;
    await deliver("issue_comment", broken);
    const noInstallation = issueComment("/droid fix");
    delete noInstallation.installation;
    await deliver("issue_comment", noInstallation);
    const wrongType = issueComment("/droid fix");
    wrongType.comment.id = "not a number";
    await deliver("issue_comment", wrongType);
    expect(await queue.listForTarget(repo, issue1)).toEqual([]);
  });

  it("ignores events and actions it does not handle", async () => {
    await deliver("issues", example("issues", "opened"));
    await deliver("star", { action: "created", repository: example("issues", "opened").repository });
    expect(await queue.listForTarget(repo, issue1)).toEqual([]);
  });
});
