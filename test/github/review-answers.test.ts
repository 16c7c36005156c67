import nock from "nock";
import { describe, expect, it } from "vitest";
import { answersMarker, readReviewState, resolveThreads, submitReviewAnswers } from "../../src/github/review-answers.ts";
import { BOT_LOGIN, GITHUB, testOctokit } from "../fixtures/github.ts";
import { silentLog } from "../helpers/github.ts";
import { operationOf, ReviewGraphql, threadNodeId, type GraphqlRequest } from "../helpers/review-graphql.ts";

const REF = { owner: "o", repo: "r", pullNumber: 2 };

/** GitHub's GraphQL endpoint, answered by the fake; each operation declared with how often it must come. */
function expectGraphql(github: ReviewGraphql, calls: Record<string, number>): nock.Scope {
  const scope = nock(GITHUB);
  for (const [op, times] of Object.entries(calls)) {
    scope
      .post("/graphql", (b: GraphqlRequest) => operationOf(b) === op)
      .times(times)
      .reply(200, (_uri, body) => github.answer(body as GraphqlRequest));
  }
  return scope;
}

describe("a review's answers as one submitted review", () => {
  it("puts a reply into each thread of one pending review and submits it once, as a comment, with the job's marker", async () => {
    const github = new ReviewGraphql(BOT_LOGIN).addThreads(2, [{ id: 10 }, { id: 20 }, { id: 30 }, { id: 11, in_reply_to_id: 10 }]);
    const scope = expectGraphql(github, { repository: 1, addPullRequestReview: 1, addPullRequestReviewThreadReply: 3, submitPullRequestReview: 1 });
    const octokit = testOctokit();
    const state = await readReviewState(octokit, REF);
    const posted = await submitReviewAnswers(octokit, state, { jobId: "job-1", botLogin: BOT_LOGIN, body: "Revised.", answers: [10, 20, 30].map((rootId) => ({ rootId, body: `Answer ${rootId}.` })) }, silentLog);

    expect(posted).toEqual({ answered: [10, 20, 30], earlier: false });
    expect(github.reviews).toHaveLength(1);
    expect(github.reviews[0]).toMatchObject({ state: "COMMENTED", body: `Revised.\n\n${answersMarker("job-1")}` });
    expect(github.reviews[0]?.replies.map((r) => [r.threadId, r.body])).toEqual([10, 20, 30].map((id) => [threadNodeId(id), `Answer ${id}.`]));
    expect(scope.pendingMocks()).toEqual([]);
  });

  it("posts nothing when the job's review was already submitted (a retry after a crash)", async () => {
    const github = new ReviewGraphql(BOT_LOGIN).addThreads(2, [{ id: 10 }]);
    github.reviews.push({ id: "PRR_1", databaseId: 1, pullNumber: 2, state: "COMMENTED", body: `Revised.\n\n${answersMarker("job-1")}`, author: "droid-app", replies: [{ threadId: threadNodeId(10), rootId: 10, body: "Answer." }] });
    const scope = expectGraphql(github, { repository: 1 });
    const octokit = testOctokit();
    const posted = await submitReviewAnswers(octokit, await readReviewState(octokit, REF), { jobId: "job-1", botLogin: BOT_LOGIN, body: "Revised.", answers: [{ rootId: 10, body: "Answer." }] }, silentLog);

    expect(posted).toEqual({ answered: [10], earlier: true });
    expect(github.reviews).toHaveLength(1);
    expect(scope.pendingMocks()).toEqual([]);
  });

  it("does not take someone else's review carrying the job's marker for its own", async () => {
    const github = new ReviewGraphql(BOT_LOGIN).addThreads(2, [{ id: 10 }]);
    github.reviews.push({ id: "PRR_1", databaseId: 1, pullNumber: 2, state: "COMMENTED", body: `Looks good ${answersMarker("job-1")}`, author: "mallory", replies: [] });
    const scope = expectGraphql(github, { repository: 1, addPullRequestReview: 1, addPullRequestReviewThreadReply: 1, submitPullRequestReview: 1 });
    const octokit = testOctokit();
    const posted = await submitReviewAnswers(octokit, await readReviewState(octokit, REF), { jobId: "job-1", botLogin: BOT_LOGIN, body: "Revised.", answers: [{ rootId: 10, body: "Answer." }] }, silentLog);
    expect(posted).toEqual({ answered: [10], earlier: false });
    expect(github.reviews.map((r) => [r.author, r.state, r.replies.length])).toEqual([
      ["mallory", "COMMENTED", 0],
      ["droid-app", "COMMENTED", 1],
    ]);
    expect(scope.pendingMocks()).toEqual([]);
  });

  it("deletes a pending review a crashed attempt left (GitHub allows one per author), then answers afresh", async () => {
    const github = new ReviewGraphql(BOT_LOGIN).addThreads(2, [{ id: 10 }, { id: 20 }]);
    github.reviews.push({ id: "PRR_1", databaseId: 1, pullNumber: 2, state: "PENDING", body: `Revised.\n\n${answersMarker("job-1")}`, author: "droid-app", replies: [{ threadId: threadNodeId(10), rootId: 10, body: "Answer." }] });
    const scope = expectGraphql(github, { repository: 1, deletePullRequestReview: 1, addPullRequestReview: 1, addPullRequestReviewThreadReply: 2, submitPullRequestReview: 1 });
    const octokit = testOctokit();
    await submitReviewAnswers(octokit, await readReviewState(octokit, REF), { jobId: "job-1", botLogin: BOT_LOGIN, body: "Revised.", answers: [10, 20].map((rootId) => ({ rootId, body: `Answer ${rootId}.` })) }, silentLog);

    expect(github.reviews.map((r) => [r.state, r.replies.length])).toEqual([["COMMENTED", 2]]);
    expect(scope.pendingMocks()).toEqual([]);
  });

  it("skips a thread GitHub no longer has, and posts no review when no thread is left", async () => {
    const github = new ReviewGraphql(BOT_LOGIN).addThreads(2, [{ id: 10 }]);
    const scope = expectGraphql(github, { repository: 1 });
    const octokit = testOctokit();
    const posted = await submitReviewAnswers(octokit, await readReviewState(octokit, REF), { jobId: "job-1", botLogin: BOT_LOGIN, body: "Revised.", answers: [{ rootId: 99, body: "Answer." }] }, silentLog);
    expect(posted).toEqual({ answered: [], earlier: false });
    expect(github.reviews).toEqual([]);
    expect(scope.pendingMocks()).toEqual([]);
  });

  it("resolves the open threads asked for, by the node ids the same read gave", async () => {
    const github = new ReviewGraphql(BOT_LOGIN).addThreads(2, [{ id: 10 }, { id: 20 }, { id: 30 }]);
    const t20 = github.threads.find((t) => t.rootId === 20);
    if (t20) t20.isResolved = true;
    const scope = expectGraphql(github, { repository: 1, resolveReviewThread: 1 });
    const octokit = testOctokit();
    expect(await resolveThreads(octokit, await readReviewState(octokit, REF), [10, 20])).toBe(1);
    expect(github.threads.map((t) => t.isResolved)).toEqual([true, true, false]);
    expect(scope.pendingMocks()).toEqual([]);
  });
});
