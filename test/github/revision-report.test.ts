import { describe, expect, it } from "vitest";
import type { ReviewThread } from "../../src/github/review-threads.ts";
import { patchBlock } from "../../src/github/push-refusal.ts";
import { readRevisions, reviewAnswersBody, threadReply, withRevision } from "../../src/github/revision-report.ts";

const thread = (over: Partial<ReviewThread> = {}): ReviewThread => ({
  rootId: 10,
  replyToId: 12,
  requests: [{ id: 12, author: "Codertocat", body: "Rename it.", createdAt: "2026-11-25T10:00:00Z" }],
  history: [],
  path: "src/a.ts",
  startLine: null,
  line: 4,
  originalLine: 4,
  outdated: false,
  diffHunk: "@@ -1 +1 @@",
  ...over,
});
const pushed = { kind: "pushed" as const, sha: "0123456789abcdef0123456789abcdef01234567", url: "https://github.com/o/r/commit/0123456789abcdef0123456789abcdef01234567", replayedOnto: null };
const base = { runEnded: "The agent finished the plan.", fileMissing: false, secrets: ["ghs_supersecrettoken123"] };

describe("thread replies", () => {
  it("adds the commit link to a change, and nothing to an answer", () => {
    expect(threadReply({ ...base, thread: thread(), answer: { body: "Renamed.", changed: true }, delivery: pushed })).toContain("Renamed.\n\nChanged in [`0123456`](https://github.com/o/r/commit/0123456789abcdef0123456789abcdef01234567).");
    expect(threadReply({ ...base, thread: thread(), answer: { body: "Because X.", changed: false }, delivery: pushed })).not.toContain("Changed in");
  });

  it("says why a change was not pushed", () => {
    const body = threadReply({ ...base, thread: thread(), answer: { body: "Renamed.", changed: true }, delivery: { kind: "not-pushed", reason: "this pull request comes from a fork" } });
    expect(body).toContain("⚠️ This change was not pushed: this pull request comes from a fork.");
    const refused = threadReply({
      ...base,
      thread: thread(),
      answer: { body: "Updated the workflow.", changed: true },
      delivery: { kind: "refused", refusal: { workflows: [{ path: ".github/workflows/ci.yml", status: "modified" }], secrets: [] } },
    });
    expect(refused).toContain("⚠️ This change was not pushed: the changes touch `.github/workflows/`, which Droid's GitHub App is not allowed to push.");
  });

  it("writes a fallback when the model gave no answer", () => {
    expect(threadReply({ ...base, thread: thread(), answer: undefined, delivery: pushed })).toContain("gave no specific answer for this thread");
    expect(threadReply({ ...base, thread: thread(), answer: undefined, delivery: { kind: "not-pushed", reason: "no files were changed" } })).toContain(
      "I did not change anything for this thread. The agent finished the plan.",
    );
  });

  it("carries no footer: the review that holds the replies has the one footer", () => {
    const body = threadReply({ ...base, thread: thread(), answer: { body: "Renamed.", changed: true }, delivery: pushed });
    expect(body).not.toContain("<sub>");
    expect(body).not.toContain("job");
  });

  it("says when it went by the diff hunk, neutralises mentions and markers, and scrubs secrets", () => {
    const body = threadReply({ ...base, thread: thread({ outdated: true }), answer: { body: "@octocat <!-- x --> token ghs_supersecrettoken123", changed: false }, delivery: pushed });
    expect(body).toContain("have changed since; I went by its diff hunk");
    expect(body).not.toContain("ghs_supersecrettoken123");
    expect(body).not.toContain("<!--");
    expect(body).not.toMatch(/(^|\s)@octocat/);
  });
});

describe("the body of the review holding the answers", () => {
  it("says what the revision did in one line, then the one footer with cost and job", () => {
    expect(reviewAnswersBody({ delivery: pushed, threads: 3, changed: 2, notice: null, costUsd: 0.12, job: "job `job-1`" })).toBe(
      "Revised in [`0123456`](https://github.com/o/r/commit/0123456789abcdef0123456789abcdef01234567): 2 of 3 threads changed code; each thread has its answer.\n\n<sub>Droid · revision $0.12 · job `job-1`</sub>",
    );
    // What no thread says (the patch, how the run ended) sits between the line and the footer: one notification, not a second comment.
    expect(reviewAnswersBody({ delivery: { kind: "not-pushed", reason: "no files were changed" }, threads: 1, changed: 0, notice: "The run hit its turn limit.", costUsd: 0.12, job: "job `job-1`" })).toBe(
      "Nothing was pushed: no files were changed. Each thread has its answer.\n\nThe run hit its turn limit.\n\n<sub>Droid · revision $0.12 · job `job-1`</sub>",
    );
  });
});

describe("the PR body's Revisions section", () => {
  it("appends lines and reads them back, keeping the rest of the body", () => {
    const once = withRevision("Closes #1\n\nSummary.", "first");
    const twice = withRevision(once, "second");
    expect(twice.startsWith("Closes #1\n\nSummary.\n\n")).toBe(true);
    expect(readRevisions(twice)).toEqual(["first", "second"]);
    expect(twice.match(/### Revisions/g)).toHaveLength(1);
    expect(readRevisions(null)).toEqual([]);
  });
});

describe("patchBlock", () => {
  it("collapses a small patch and refuses a large or cut one", () => {
    expect(patchBlock("--- a/x\n+++ b/x\n")).toContain("<details><summary>The patch");
    expect(patchBlock("x".repeat(30_000))).toBeNull();
    expect(patchBlock("… diff cut at 24000 characters")).toBeNull();
    expect(patchBlock("")).toBeNull();
  });

  it("fences the patch with more backticks than any line of it holds, so no line can close the block", () => {
    const diff = "--- a/README.md\n+++ b/README.md\n@@ -1,2 +1,3 @@\n `````\n+@org/everyone <img src=x>\n `````\n";
    expect(patchBlock(diff)).toContain("``````diff\n--- a/README.md");
  });
});
