/**
 * The `JobQueue` contract, run against every backend. `open` returns handles on ONE
 * store: for durable backends each handle is a separate connection (as separate
 * processes would have), for the in-process queue they are the same object.
 */
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { ciDeliveryId, ciStopNoticeKey, type JobQueue } from "../../src/jobs/queue.ts";
import type { Job } from "../../src/jobs/types.ts";
import { Worker } from "../../src/jobs/worker.ts";
import { eventually, FIX, newJob, PLAN, revise } from "./fixtures.ts";

export interface QueueHarness {
  /** Another handle on the same store (a new connection for durable backends). */
  open(): Promise<JobQueue>;
  /** Tears the store down after the test. */
  dispose(): Promise<void>;
}

const silent = pino({ enabled: false });

/** Another review of pull request 12 at each call (one review is recorded once: the policy contract). */
const reviewOfPr12 = () => ({ targetKind: "pull_request" as const, number: 12, request: revise("droid/12-x") });

/**
 * For a suite: `open()` gives a handle on the test's store (made on first use); after each
 * test every handle is closed and the store torn down.
 */
export function storeHandles(makeHarness: () => Promise<QueueHarness>): () => Promise<JobQueue> {
  let harness: QueueHarness | undefined;
  const opened: JobQueue[] = [];
  afterEach(async () => {
    for (const queue of opened.splice(0).toReversed()) await queue.close();
    await harness?.dispose();
    harness = undefined;
  });
  return async () => {
    harness ??= await makeHarness();
    const queue = await harness.open();
    opened.push(queue);
    return queue;
  };
}

export function describeQueueContract(name: string, makeHarness: () => Promise<QueueHarness>): void {
  describe(`JobQueue contract: ${name}`, () => {
    const open = storeHandles(makeHarness);

    it("records a new job as queued with its request", async () => {
      const queue = await open();
      const input = newJob({ request: FIX, number: 3 });
      const result = await queue.enqueue(input);
      expect(result.status).toBe("created");
      const stored = await queue.get(result.job.id);
      expect(stored).toMatchObject({
        deliveryId: input.deliveryId,
        repo: input.repo,
        target: { kind: "issue", number: 3 },
        request: FIX,
        state: "queued",
        attempts: 0,
        costUsd: 0,
        links: {},
        error: null,
        outcome: null,
        stoppedBy: null,
        startedAt: null,
      });
      expect(stored?.createdAt).toBeInstanceOf(Date);
      expect(await queue.get("no-such-job")).toBeUndefined();
    });

    it("never records a delivery twice", async () => {
      const queue = await open();
      const first = await queue.enqueue(newJob({ deliveryId: "d-1" }));
      const again = await queue.enqueue(newJob({ deliveryId: "d-1", number: 99 }));
      expect(again).toMatchObject({ status: "duplicate-delivery", job: { id: first.job.id } });
      expect((await queue.findByDelivery("d-1"))?.id).toBe(first.job.id);
      expect(await queue.findByDelivery("d-2")).toBeUndefined();
    });

    it("answers a second trigger for an active target with the active job", async () => {
      const queue = await open();
      const first = await queue.enqueue(newJob({ number: 5 }));
      expect(await queue.enqueue(newJob({ number: 5 }))).toMatchObject({
        status: "already-active",
        job: { id: first.job.id },
      });
      // Another kind, another target or another repository is not a duplicate.
      expect((await queue.enqueue(newJob({ number: 5, request: FIX }))).status).toBe("created");
      expect((await queue.enqueue(newJob({ number: 5, targetKind: "pull_request" }))).status).toBe("created");
      expect((await queue.enqueue(newJob({ number: 5, repo: "acme/other" }))).status).toBe("created");
      // Once the job has ended, the target can be asked again.
      const claimed = await queue.claim("w", ["plan"]);
      await queue.finish(claimed?.id ?? "", { state: "succeeded", kind: "succeeded" });
      expect((await queue.enqueue(newJob({ number: 5 }))).status).toBe("created");
    });

    it("creates one job from 100 concurrent redeliveries on several connections", async () => {
      const handles = [await open(), await open(), await open()];
      const results = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          handles[i % handles.length]?.enqueue(newJob({ deliveryId: "burst", number: 8 })),
        ),
      );
      const created = results.filter((r) => r?.status === "created");
      expect(created).toHaveLength(1);
      expect(new Set(results.map((r) => r?.job.id))).toEqual(new Set([created[0]?.job.id]));
      expect(await handles[0]?.listForTarget({ owner: "acme", name: "app" }, { kind: "issue", number: 8 })).toHaveLength(1);
    });

    it("hands out jobs FIFO within a repository, fairly across repositories", async () => {
      const queue = await open();
      for (const number of [1, 2, 3]) await queue.enqueue(newJob({ repo: "acme/busy", number }));
      await queue.enqueue(newJob({ repo: "acme/quiet", number: 1 }));
      const order: string[] = [];
      for (;;) {
        const job = await queue.claim("w", ["plan"]);
        if (!job) break;
        order.push(`${job.repo.name}#${job.target.number}`);
      }
      expect(order).toEqual(["busy#1", "quiet#1", "busy#2", "busy#3"]);
    });

    it("never runs two jobs with the same lock key, and skips past a busy one", async () => {
      const queue = await open();
      const plan = await queue.enqueue(newJob({ number: 1, request: PLAN }));
      const fix = await queue.enqueue(newJob({ number: 1, request: FIX }));
      await queue.enqueue(newJob({ number: 2, request: PLAN }));
      expect((await queue.claim("w", ["plan", "fix"]))?.id).toBe(plan.job.id);
      expect((await queue.claim("w", ["plan", "fix"]))?.target.number).toBe(2);
      expect(await queue.claim("w", ["plan", "fix"])).toBeUndefined();
      await queue.finish(plan.job.id, { state: "succeeded", kind: "succeeded" });
      expect((await queue.claim("w", ["plan", "fix"]))?.id).toBe(fix.job.id);
    });

    it("runs a question alongside a fix of the same issue, one question at a time", async () => {
      const queue = await open();
      const fix = await queue.enqueue(newJob({ number: 4, request: FIX }));
      const ask = await queue.enqueue(newJob({ number: 4, request: { kind: "ask", question: "where is the retry delay computed?" } }));
      expect(ask.status).toBe("created");
      expect(await queue.enqueue(newJob({ number: 4, request: { kind: "ask", question: "another?" } }))).toMatchObject({ status: "already-active", job: { id: ask.job.id } });
      expect((await queue.claim("w", ["fix", "ask"]))?.id).toBe(fix.job.id);
      const claimed = await queue.claim("w", ["fix", "ask"]);
      expect(claimed?.id).toBe(ask.job.id);
      expect(claimed?.request).toEqual({ kind: "ask", question: "where is the retry delay computed?" });
    });

    it("queues revisions of one pull request one after another, and stops them all", async () => {
      const queue = await open();
      const first = await queue.enqueue(newJob(reviewOfPr12()));
      const running = await queue.claim("w", ["revise"]);
      expect(running?.id).toBe(first.job.id);
      // A review arriving during the revision is queued, not refused, and waits for the branch.
      const second = await queue.enqueue(newJob(reviewOfPr12()));
      const third = await queue.enqueue(newJob(reviewOfPr12()));
      expect([second.status, third.status]).toEqual(["created", "created"]);
      expect(await queue.claim("w", ["revise"])).toBeUndefined();
      await queue.finish(first.job.id, { state: "succeeded", kind: "succeeded" });
      expect((await queue.claim("w", ["revise"]))?.id).toBe(second.job.id);
      const stopped = await queue.cancel({ owner: "acme", name: "app" }, { kind: "pull_request", number: 12 });
      expect(stopped.map((j) => [j.id, j.state]).sort()).toEqual(
        [
          [second.job.id, "running"],
          [third.job.id, "queued"],
        ].sort(),
      );
      expect((await queue.get(third.job.id))?.state).toBe("cancelled");
    });

    it("records one CI revision per head commit, even after it ended, and queues a newer commit's on the branch", async () => {
      const queue = await open();
      const repo = { owner: "acme", name: "app" };
      const ci = (sha: string) => newJob({ targetKind: "pull_request", number: 12, deliveryId: ciDeliveryId(repo, sha), request: { kind: "ci-revision", branch: "droid/12-x", headSha: sha, attempt: 1, failing: ["test"] } });
      const first = await queue.enqueue(ci("a".repeat(40)));
      expect(first.status).toBe("created");
      // Duplicate and out-of-order events of the same commit name the same delivery.
      expect((await queue.enqueue(ci("a".repeat(40)))).status).toBe("duplicate-delivery");
      // A human pushed: the new head's failure is recorded, not refused, and waits for the branch.
      const newer = await queue.enqueue(ci("b".repeat(40)));
      expect(newer.status).toBe("created");
      expect((await queue.claim("w", ["ci-revision"]))?.id).toBe(first.job.id);
      expect(await queue.claim("w", ["ci-revision"])).toBeUndefined();
      await queue.finish(first.job.id, { state: "succeeded", kind: "superseded" });
      expect((await queue.enqueue(ci("a".repeat(40)))).status).toBe("duplicate-delivery");
      expect((await queue.claim("w", ["ci-revision"]))?.id).toBe(newer.job.id);
    });

    it("supersedes a queued CI revision at once, never a running one, and the record says so", async () => {
      const [queue, other] = [await open(), await open()];
      const repo = { owner: "acme", name: "app" };
      const ci = (sha: string) => newJob({ targetKind: "pull_request", number: 12, deliveryId: ciDeliveryId(repo, sha), request: { kind: "ci-revision", branch: "droid/12-x", headSha: sha, attempt: 1, failing: ["test"] } });
      const running = await queue.enqueue(ci("a".repeat(40)));
      const queued = await queue.enqueue(ci("b".repeat(40)));
      expect((await queue.claim("w", ["ci-revision"]))?.id).toBe(running.job.id);
      // From another connection (the webhook server): the running one is the worker's to end.
      expect(await other.supersede(running.job.id)).toBeUndefined();
      expect((await queue.get(running.job.id))?.state).toBe("running");
      const ended = await other.supersede(queued.job.id);
      expect(ended).toMatchObject({ id: queued.job.id, state: "succeeded", outcome: "superseded" });
      expect(ended?.endedAt).toBeInstanceOf(Date);
      expect(await other.supersede(queued.job.id)).toBeUndefined();
      expect(await queue.depth()).toEqual({ queued: 0, running: 1 });
      await queue.finish(running.job.id, { state: "succeeded", kind: "superseded" });
      expect(await queue.claim("w", ["ci-revision"])).toBeUndefined();
      expect((await queue.endedSince(new Date(0))).map((j) => j.id).sort()).toEqual([running.job.id, queued.job.id].sort());
      // Its delivery stays recorded: the same commit's CI records nothing again.
      expect((await queue.enqueue(ci("b".repeat(40)))).status).toBe("duplicate-delivery");
    });

    it("either supersedes a queued job or lets one worker claim it, never both, across connections", async () => {
      const [workers, server] = [await open(), await open()];
      const ids: string[] = [];
      for (let i = 0; i < 12; i++) ids.push((await workers.enqueue(newJob({ targetKind: "pull_request", number: 20 + i, request: { kind: "ci-revision", branch: `droid/${20 + i}-x`, headSha: "c".repeat(40), attempt: 1, failing: ["test"] } }))).job.id);
      const claiming = (async () => {
        const claimed: string[] = [];
        for (let job = await workers.claim("w", ["ci-revision"]); job; job = await workers.claim("w", ["ci-revision"])) claimed.push(job.id);
        return claimed;
      })();
      const superseded = (await Promise.all(ids.toReversed().map((id) => server.supersede(id)))).flatMap((job) => (job ? [job.id] : []));
      const claimed = await claiming;
      expect([...claimed, ...superseded].sort()).toEqual([...ids].sort());
      for (const id of claimed) expect((await server.get(id))?.state).toBe("running");
      for (const id of superseded) expect((await server.get(id))?.outcome).toBe("superseded");
    });

    it("hands a one-time notice to one delivery across connections, and again to that delivery only", async () => {
      const [a, b] = [await open(), await open()];
      const key = ciStopNoticeKey({ owner: "Acme", name: "App" }, 12);
      const claims = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? a : b).claimNotice(key, `delivery-${i}`)));
      expect(claims.filter(Boolean)).toHaveLength(1);
      const holder = `delivery-${claims.indexOf(true)}`;
      // A redelivery of the same webhook (after a crash) may finish what it started; no other may.
      expect(await b.claimNotice(key, holder)).toBe(true);
      expect(await a.claimNotice(ciStopNoticeKey({ owner: "acme", name: "app" }, 12), "delivery-late")).toBe(false);
      expect(await a.claimNotice(ciStopNoticeKey({ owner: "acme", name: "app" }, 13), "delivery-late")).toBe(true);
    });

    it("locks revisions by branch across pull requests", async () => {
      const queue = await open();
      await queue.enqueue(newJob({ targetKind: "pull_request", number: 10, request: revise("droid/x") }));
      await queue.enqueue(newJob({ targetKind: "pull_request", number: 11, request: revise("droid/x") }));
      const first = await queue.claim("w", ["revise"]);
      expect(first?.target.number).toBe(10);
      expect(await queue.claim("w", ["revise"])).toBeUndefined();
    });

    it("claims only the kinds the worker runs, and each job once across connections", async () => {
      const [a, b] = [await open(), await open()];
      await a.enqueue(newJob({ number: 1, request: FIX }));
      expect(await a.claim("w", ["plan"])).toBeUndefined();
      for (let n = 2; n <= 21; n++) await a.enqueue(newJob({ number: n }));
      const claims = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).claim(`w${i}`, ["plan"])));
      const ids = claims.filter((j): j is Job => j !== undefined).map((j) => j.id);
      expect(ids).toHaveLength(20);
      expect(new Set(ids).size).toBe(20);
    });

    it("records progress and how a job ended", async () => {
      const queue = await open();
      const { job } = await queue.enqueue(newJob());
      const claimed = await queue.claim("w", ["plan"]);
      expect(claimed).toMatchObject({ id: job.id, state: "running", attempts: 1 });
      expect(claimed?.startedAt).toBeInstanceOf(Date);
      await queue.update(job.id, { costUsd: 0.5, links: { planCommentId: 77 } });
      await queue.update(job.id, { links: { branch: "droid/issue-1" } });
      const ended = await queue.finish(job.id, { state: "failed", error: "budget hit", kind: "budget-reached" }, { costUsd: 1.25 });
      expect(ended).toMatchObject({
        state: "failed",
        error: "budget hit",
        outcome: "budget-reached",
        costUsd: 1.25,
        links: { planCommentId: 77, branch: "droid/issue-1" },
      });
      expect(ended.endedAt).toBeInstanceOf(Date);
      expect(await queue.get(job.id)).toEqual(ended);
    });

    it("lists a target's jobs newest first", async () => {
      const queue = await open();
      const first = await queue.enqueue(newJob({ number: 4, request: PLAN }));
      const second = await queue.enqueue(newJob({ number: 4, request: FIX }));
      await queue.enqueue(newJob({ number: 5 }));
      const listed = await queue.listForTarget({ owner: "ACME", name: "App" }, { kind: "issue", number: 4 });
      expect(listed.map((j) => j.id)).toEqual([second.job.id, first.job.id]);
      expect(await queue.listForTarget({ owner: "acme", name: "app" }, { kind: "issue", number: 4 }, 1)).toHaveLength(1);
    });

    it("cancels queued jobs at once and running ones through the worker, across connections", async () => {
      const [server, workerSide] = [await open(), await open()];
      const running = await server.enqueue(newJob({ number: 6, request: PLAN }));
      const queued = await server.enqueue(newJob({ number: 6, request: FIX }));
      const claimed = await workerSide.claim("w", ["plan"]);
      expect(claimed?.id).toBe(running.job.id);
      const stops: string[] = [];
      workerSide.onCancel((id) => stops.push(id));
      const cancelled = await server.cancel({ owner: "acme", name: "app" }, { kind: "issue", number: 6 });
      // The jobs are returned as they were when the stop arrived.
      expect(cancelled.map((j) => [j.id, j.state])).toEqual([
        [running.job.id, "running"],
        [queued.job.id, "queued"],
      ]);
      expect(await server.get(queued.job.id)).toMatchObject({ state: "cancelled", outcome: "stopped-by-user" });
      expect(await workerSide.claim("w", ["fix"])).toBeUndefined();
      await eventually(() => stops.includes(running.job.id), 3000);
      expect(stops).toEqual([running.job.id]);
      await workerSide.finish(running.job.id, { state: "cancelled", kind: "stopped-by-user" });
      expect(await server.get(running.job.id)).toMatchObject({ state: "cancelled", outcome: "stopped-by-user" });
    });

    it("records who stopped a job, queued or running (the first person who asked), and forgets it when the job runs again", async () => {
      const [server, workerSide] = [await open(), await open()];
      const running = await server.enqueue(newJob({ number: 7, request: PLAN }));
      const queued = await server.enqueue(newJob({ number: 7, request: FIX }));
      const unnamed = await server.enqueue(newJob({ number: 8 }));
      expect(await server.get(running.job.id)).toMatchObject({ stoppedBy: null });
      await workerSide.claim("w", ["plan"]);
      await server.cancel({ owner: "acme", name: "app" }, { kind: "issue", number: 7 }, "alice");
      // Another stop while the worker is still stopping the job does not rename who stopped it.
      await server.cancel({ owner: "acme", name: "app" }, { kind: "issue", number: 7 }, "bob");
      expect(await workerSide.get(running.job.id)).toMatchObject({ state: "running", stoppedBy: "alice" });
      expect(await workerSide.get(queued.job.id)).toMatchObject({ state: "cancelled", outcome: "stopped-by-user", stoppedBy: "alice" });
      await workerSide.finish(running.job.id, { state: "cancelled", kind: "stopped-by-user" });
      expect(await server.get(running.job.id)).toMatchObject({ state: "cancelled", stoppedBy: "alice" });
      // A stop with no person behind it (an operator's) names nobody.
      await server.cancel({ owner: "acme", name: "app" }, { kind: "issue", number: 8 });
      expect(await server.get(unnamed.job.id)).toMatchObject({ state: "cancelled", stoppedBy: null });

      // A stop requested while the worker died: the job ends cancelled, still naming who asked; an
      // interrupted job that runs again starts with nobody named.
      const again = await server.enqueue(newJob({ number: 9 }));
      await workerSide.claim("w", ["plan"]);
      await server.cancel({ owner: "acme", name: "app" }, { kind: "issue", number: 9 }, "carol");
      await workerSide.finish(again.job.id, { state: "interrupted", error: "the worker shut down", kind: "interrupted" });
      expect(await server.get(again.job.id)).toMatchObject({ state: "interrupted", stoppedBy: "carol" });
      await server.collectInterrupted();
      expect(await server.requeue(again.job.id)).toMatchObject({ state: "queued", stoppedBy: null });
      await server.cancel({ owner: "acme", name: "app" }, { kind: "issue", number: 9 }, "dave");
      expect(await server.get(again.job.id)).toMatchObject({ state: "cancelled", stoppedBy: "dave" });
    });

    it("records each outcome kind with the job's state, and clears it when the job runs again", async () => {
      const queue = await open();
      const outcomes = [
        { state: "succeeded", kind: "succeeded-with-failing-tests" },
        { state: "succeeded", kind: "no-change-needed" },
        { state: "failed", error: "limit reached: the turn limit (3 turns)", kind: "turn-limit" },
        { state: "failed", error: "setup failed", kind: "setup-failed" },
        { state: "interrupted", error: "the worker shut down", kind: "interrupted" },
      ] as const;
      for (const [i, outcome] of outcomes.entries()) {
        const { job } = await queue.enqueue(newJob({ number: 40 + i }));
        await queue.claim("w", ["plan"]);
        await queue.finish(job.id, outcome);
        expect(await queue.get(job.id)).toMatchObject({ state: outcome.state, outcome: outcome.kind });
      }
      const [interrupted] = await queue.collectInterrupted();
      expect(interrupted).toMatchObject({ state: "interrupted", outcome: "interrupted" });
      expect(await queue.requeue(interrupted?.id ?? "")).toMatchObject({ state: "queued", outcome: null });
      expect(await queue.claim("w", ["plan"])).toMatchObject({ state: "running", outcome: null });
    });

    it("counts queued and running jobs, lists ended ones by repository, and keeps merges once", async () => {
      const [a, b] = [await open(), await open()];
      expect(await a.depth()).toEqual({ queued: 0, running: 0 });
      const before = new Date(Date.now() - 1000);
      const ended = await a.enqueue(newJob({ number: 50 }));
      await a.enqueue(newJob({ number: 51 }));
      await a.enqueue(newJob({ number: 52, repo: "other/lib" }));
      await a.claim("w", ["plan"]);
      expect(await b.depth()).toEqual({ queued: 2, running: 1 });
      await a.finish(ended.job.id, { state: "succeeded", kind: "succeeded" }, { links: { pullRequestNumber: 7 } });
      await b.cancel({ owner: "other", name: "lib" }, { kind: "issue", number: 52 });
      expect(await b.depth()).toEqual({ queued: 1, running: 0 });
      // Jobs that end in the same millisecond may come in either order: the contract says which, not in what order.
      const all = await b.endedSince(before);
      expect(all.map((j) => [j.target.number, j.outcome]).toSorted((x, y) => Number(x[0]) - Number(y[0]))).toEqual([
        [50, "succeeded"],
        [52, "stopped-by-user"],
      ]);
      expect((await b.endedSince(before, { owner: "ACME", name: "App" })).map((j) => j.id)).toEqual([ended.job.id]);
      expect(await b.endedSince(new Date(Date.now() + 60_000))).toEqual([]);

      const mergedAt = new Date("2026-11-26T10:00:00Z");
      await a.recordMerge({ repo: "ACME/App", number: 7, mergedAt });
      await b.recordMerge({ repo: "acme/app", number: 7, mergedAt: new Date("2026-11-27T10:00:00Z") });
      await a.recordMerge({ repo: "other/lib", number: 3, mergedAt });
      expect(await b.merges({ owner: "acme", name: "APP" })).toEqual([{ repo: "acme/app", number: 7, mergedAt }]);
      expect(await a.merges()).toHaveLength(2);
    });

    it("wakes workers on other connections when a job is recorded", async () => {
      const [server, workerSide] = [await open(), await open()];
      let woken = 0;
      workerSide.onRunnable(() => woken++);
      await server.enqueue(newJob());
      await eventually(() => woken > 0, 3000);
      expect(woken).toBeGreaterThan(0);
    });

    it("hands each interrupted job to one collector, and re-queues it in place", async () => {
      const [a, b] = [await open(), await open()];
      const { job } = await a.enqueue(newJob({ number: 1 }));
      await a.enqueue(newJob({ number: 2 }));
      await a.claim("w", ["plan"]);
      await a.finish(job.id, { state: "interrupted", error: "the worker shut down", kind: "interrupted" });
      const [fromA, fromB] = await Promise.all([a.collectInterrupted(), b.collectInterrupted()]);
      expect([...fromA, ...fromB].map((j) => j.id)).toEqual([job.id]);
      expect(await a.collectInterrupted()).toEqual([]);
      expect((await b.requeue(job.id))?.state).toBe("queued");
      expect(await b.requeue(job.id)).toBeUndefined();
      const again = await a.claim("w", ["plan"]);
      expect(again).toMatchObject({ id: job.id, attempts: 2, error: null });
    });

    it("does not re-queue an interrupted job when its target has a new active job", async () => {
      const queue = await open();
      const { job } = await queue.enqueue(newJob({ number: 3 }));
      await queue.claim("w", ["plan"]);
      await queue.finish(job.id, { state: "interrupted", error: "the worker shut down", kind: "interrupted" });
      await queue.enqueue(newJob({ number: 3 }));
      expect(await queue.requeue(job.id)).toBeUndefined();
      expect((await queue.get(job.id))?.state).toBe("interrupted");
    });

    it("runs a job with the worker and stops it with /droid stop from another connection", async () => {
      const [server, workerSide] = [await open(), await open()];
      const worker = new Worker({
        queue: workerSide,
        concurrency: 2,
        log: silent,
        workerId: "w1",
        pollMs: 100,
        onCrash: async () => {},
        runners: {
          plan: async () => ({ state: "succeeded", kind: "succeeded" }),
          fix: (_job, { signal }) =>
            new Promise((_resolve, reject) => signal.addEventListener("abort", () => reject(signal.reason))),
        },
      });
      worker.start();
      try {
        const plan = await server.enqueue(newJob({ number: 1 }));
        const fix = await server.enqueue(newJob({ number: 2, request: FIX }));
        await eventually(async () => (await server.get(plan.job.id))?.state === "succeeded");
        await eventually(async () => (await server.get(fix.job.id))?.state === "running");
        const asked = Date.now();
        await server.cancel({ owner: "acme", name: "app" }, { kind: "issue", number: 2 });
        await eventually(async () => (await server.get(fix.job.id))?.state === "cancelled", 3000);
        expect(Date.now() - asked).toBeLessThan(3000);
      } finally {
        await worker.stop(1000);
      }
    });
  });
}

/** What only durable backends promise: jobs outlive the process that claimed them. */
export function describeDurableQueueContract(name: string, makeHarness: () => Promise<QueueHarness>): void {
  describe(`durable JobQueue contract: ${name}`, () => {
    it("recovers a running job whose connection died without finishing it", async () => {
      const harness = await makeHarness();
      const survivor = await harness.open();
      try {
        const doomed = await harness.open();
        const { job } = await survivor.enqueue(newJob({ number: 9 }));
        await doomed.claim("w", ["plan"]);
        await doomed.close();
        const collected = await eventually(async () => (await survivor.collectInterrupted())[0], 5000);
        expect(collected).toMatchObject({ id: job.id, state: "interrupted", attempts: 1 });
        expect(collected.error).toMatch(/stopped/);
        // A stop requested before the process died ends the job cancelled, not interrupted.
        const stopped = await survivor.enqueue(newJob({ number: 10 }));
        const doomedAgain = await harness.open();
        await doomedAgain.claim("w", ["plan"]);
        await survivor.cancel({ owner: "acme", name: "app" }, { kind: "issue", number: 10 });
        await doomedAgain.close();
        await eventually(async () => {
          expect(await survivor.collectInterrupted()).toEqual([]);
          return (await survivor.get(stopped.job.id))?.state === "cancelled";
        }, 5000);
        expect((await survivor.get(stopped.job.id))?.state).toBe("cancelled");
      } finally {
        await survivor.close();
        await harness.dispose();
      }
    });
  });
}
