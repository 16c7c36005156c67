import { describe, expect, it } from "vitest";
import { batchThreads } from "../../src/agent/revision-checklist.ts";
import { ThreadAnswers } from "../../src/agent/thread-answers.ts";
import { ToolRegistry } from "../../src/agent/tools/registry.ts";
import type { ReviewThread } from "../../src/github/review-threads.ts";
import { workerToolContext } from "../helpers/tool-context.ts";

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
    const tools = new ToolRegistry([answers.tool]);
    const context = workerToolContext();
    const reply = (input: Record<string, unknown>) => tools.run("reply_to_comment", input, context);
    expect(await reply({ comment_id: 1, body: "first", changed: false })).toMatchObject({ kind: "answer", text: expect.stringContaining("1 thread(s) still need an answer") });
    expect(await reply({ comment_id: 1, body: "second", changed: true })).toMatchObject({ kind: "answer", text: expect.stringContaining("Replaced") });
    expect(answers.get(thread(1))).toEqual({ body: "second", changed: true });
    expect(answers.unanswered.map((t) => t.replyToId)).toEqual([2]);
    const wrong = await reply({ comment_id: 3, body: "x", changed: false });
    expect(wrong).toMatchObject({ isError: true, text: "No thread with comment 3; the threads are 1, 2." });
    expect(await reply({ comment_id: 2, body: "", changed: false })).toMatchObject({ isError: true });
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
