import { describe, expect, it } from "vitest";
import { MemoryJobQueue } from "../../src/jobs/memory-queue.ts";
import type { JobRequest, NewJob } from "../../src/jobs/types.ts";

const repo = { owner: "Codertocat", name: "Hello-World", installationId: 1, defaultBranch: "main" };

function newJob(deliveryId: string, request: JobRequest, number = 2): NewJob {
  return { deliveryId, repo, target: { kind: "pull_request", number }, requester: "Codertocat", triggerCommentId: null, request };
}

const revise = (reviewId: number, branch = "droid/1-fix"): JobRequest => ({ kind: "revise", branch, reviewId, reviewBody: "", comments: [], instructions: "" });

describe("MemoryJobQueue and revisions", () => {
  it("queues a second review of the same PR instead of refusing it, and runs it only after the first", async () => {
    const queue = new MemoryJobQueue();
    const first = await queue.enqueue(newJob("d1", revise(1)));
    const second = await queue.enqueue(newJob("d2", revise(2)));
    expect(first.status).toBe("created");
    expect(second.status).toBe("created");
    expect((await queue.claim("w", ["revise"]))?.id).toBe(first.job.id);
    expect(await queue.claim("w", ["revise"])).toBeUndefined();
    await queue.finish(first.job.id, { state: "succeeded", kind: "succeeded" });
    expect((await queue.claim("w", ["revise"]))?.id).toBe(second.job.id);
  });

  it("still refuses a second fix for the same target, and a redelivered review", async () => {
    const queue = new MemoryJobQueue();
    await queue.enqueue(newJob("d1", { kind: "fix", instructions: "" }, 1));
    expect((await queue.enqueue(newJob("d2", { kind: "fix", instructions: "" }, 1))).status).toBe("already-active");
    await queue.enqueue(newJob("d3", revise(1)));
    expect((await queue.enqueue(newJob("d3", revise(1)))).status).toBe("duplicate-delivery");
  });

  it("runs revisions of different branches side by side", async () => {
    const queue = new MemoryJobQueue();
    await queue.enqueue(newJob("d1", revise(1, "droid/1-a"), 2));
    await queue.enqueue(newJob("d2", revise(2, "droid/3-b"), 4));
    expect(await queue.claim("w", ["revise"])).toBeDefined();
    expect(await queue.claim("w", ["revise"])).toBeDefined();
  });
});
