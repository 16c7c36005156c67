import { describe, expect, it } from "vitest";
import { batchThreads } from "../../src/agent/revision-checklist.ts";
import { ThreadAnswers } from "../../src/agent/thread-answers.ts";
import type { ReviewThread } from "../../src/github/review-threads.ts";

const thread = (id: number, path = "a.ts"): ReviewThread => ({
  rootId: id,
  replyToId: id,
  requests: [{ id, author: "Codertocat", body: "x", createdAt: "" }],
  history: [],
  path,
  startLine: null,
  line: 1,
  originalLine: 1,
  outdated: false,
  diffHunk: "",
});

describe("reply_to_comment", () => {
  it("records one answer per thread; a later call replaces it; unknown ids are refused with the valid ones", async () => {
    const answers = new ThreadAnswers([thread(1), thread(2)]);
    expect((await answers.tool.run({ comment_id: 1, body: "first", changed: false })).text).toContain("1 thread(s) still need an answer");
    expect((await answers.tool.run({ comment_id: 1, body: "second", changed: true })).text).toContain("Replaced");
    expect(answers.get(thread(1))).toEqual({ body: "second", changed: true });
    expect(answers.unanswered.map((t) => t.replyToId)).toEqual([2]);
    const wrong = await answers.tool.run({ comment_id: 3, body: "x", changed: false });
    expect(wrong).toEqual({ isError: true, text: "No thread with comment 3; the threads are 1, 2." });
    expect((await answers.tool.run({ comment_id: 2, body: "", changed: false })).isError).toBe(true);
  });
});

describe("batchThreads", () => {
  it("keeps files together in small units and never makes more than the maximum", () => {
    const many = Array.from({ length: 50 }, (_, i) => thread(i, `f${i % 30}.ts`));
    const units = batchThreads(many, 20);
    expect(units.length).toBeLessThanOrEqual(20);
    expect(units.flat()).toHaveLength(50);
    expect(batchThreads([thread(1, "a"), thread(2, "b"), thread(3, "a")], 20).map((u) => u.map((t) => t.replyToId))).toEqual([[1], [3], [2]]);
  });
});
