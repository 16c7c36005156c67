import nock from "nock";
import { describe, expect, it } from "vitest";
import { loadReviewThreads } from "../../src/github/review-threads.ts";
import { testOctokit } from "../fixtures/github.ts";
import { example } from "../helpers/payloads.ts";

function row(id: number, over: Record<string, unknown>) {
  const c = example("pull_request_review_comment", "created").comment;
  delete c.in_reply_to_id;
  return { ...c, id, ...over };
}

describe("loadReviewThreads", () => {
  it("reads a reply's thread with its history (before the reply, anyone's) and the line range", async () => {
    const rows = [
      row(1, { body: "Why a loop?", pull_request_review_id: 50, created_at: "2026-11-25T09:00:00Z", start_line: 10, line: 12, path: "src/a.ts" }),
      row(2, { body: "Droid: for clarity.", in_reply_to_id: 1, pull_request_review_id: 51, created_at: "2026-11-25T09:05:00Z", user: { login: "droid-app[bot]" } }),
      row(3, { body: "Use map instead.", in_reply_to_id: 1, pull_request_review_id: 52, created_at: "2026-11-25T09:10:00Z" }),
      row(4, { body: "Later reply, not yet seen.", in_reply_to_id: 1, pull_request_review_id: 53, created_at: "2026-11-25T09:20:00Z" }),
      row(5, { body: "Another thread.", pull_request_review_id: 54, created_at: "2026-11-25T09:30:00Z" }),
    ];
    const scope = nock("https://api.github.com").get("/repos/o/r/pulls/2/comments").query({ per_page: 100 }).reply(200, rows);
    const threads = await loadReviewThreads(testOctokit(), {
      owner: "o",
      repo: "r",
      pullNumber: 2,
      reviewId: null,
      comments: [{ id: 3, body: "Use map instead.", path: "src/a.ts", line: 12, diffHunk: "@@", inReplyToId: 1 }],
      requester: "Codertocat",
      botLogin: "droid-app[bot]",
    });
    expect(scope.pendingMocks()).toEqual([]);
    expect(threads).toHaveLength(1);
    expect(threads[0]).toMatchObject({ rootId: 1, replyToId: 3, path: "src/a.ts", startLine: 10, line: 12, outdated: false });
    expect(threads[0]?.history.map((c) => [c.id, c.author])).toEqual([
      [1, "Codertocat"],
      [2, "droid-app[bot]"],
    ]);
    expect(threads[0]?.requests.map((c) => c.body)).toEqual(["Use map instead."]);
  });

  it("one thread per review comment, outdated ones marked; a named comment GitHub no longer lists still gets a thread", async () => {
    const rows = [
      row(11, { pull_request_review_id: 60, line: null, original_line: 7, created_at: "2026-11-25T10:00:00Z" }),
      row(12, { pull_request_review_id: 60, line: 3, created_at: "2026-11-25T10:00:01Z" }),
    ];
    nock("https://api.github.com").get("/repos/o/r/pulls/2/comments").query({ per_page: 100 }).reply(200, rows);
    const threads = await loadReviewThreads(testOctokit(), {
      owner: "o",
      repo: "r",
      pullNumber: 2,
      reviewId: 60,
      comments: [{ id: 99, body: "Gone?", path: "x.ts", line: 1, diffHunk: "@@", inReplyToId: null }],
      requester: "Codertocat",
      botLogin: "droid-app[bot]",
    });
    expect(threads.map((t) => [t.replyToId, t.outdated])).toEqual([
      [11, true],
      [12, false],
      [99, false],
    ]);
  });

  it("skips a thread Droid already answered after the request (the same reply reported as a review and as a comment)", async () => {
    const rows = [
      row(21, { pull_request_review_id: 70, created_at: "2026-11-25T10:00:00Z" }),
      row(22, { pull_request_review_id: 71, in_reply_to_id: 21, created_at: "2026-11-25T10:01:00Z", user: { login: "droid-app[bot]" } }),
      row(23, { pull_request_review_id: 70, created_at: "2026-11-25T10:00:02Z" }),
    ];
    nock("https://api.github.com").get("/repos/o/r/pulls/2/comments").query({ per_page: 100 }).reply(200, rows);
    const threads = await loadReviewThreads(testOctokit(), { owner: "o", repo: "r", pullNumber: 2, reviewId: 70, comments: [], requester: "Codertocat", botLogin: "droid-app[bot]" });
    expect(threads.map((t) => t.replyToId)).toEqual([23]);
  });
});
