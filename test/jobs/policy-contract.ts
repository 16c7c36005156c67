/**
 * The operator-policy part of the `JobQueue` contract, run against every backend: reviews
 * recorded once, the per-repository queue cap, spending sums, retention and the incident map.
 */
import { describe, expect, it } from "vitest";
import { JobStoreIncidents } from "../../src/sentry/store.ts";
import type { NewJob } from "../../src/jobs/types.ts";
import { FIX, newJob, PLAN, revise, type JobSpec } from "./fixtures.ts";
import { storeHandles, type QueueHarness } from "./queue-contract.ts";

const HOUR = 3_600_000;
const app = { owner: "acme", name: "app" };

/** A job of another installation. */
function inInstallation(installationId: number, spec: JobSpec): NewJob {
  const job = newJob(spec);
  return { ...job, repo: { ...job.repo, installationId } };
}

/** A reply in a thread of review `reviewId`, as the review-comment event records it. */
function reply(reviewId: number, commentId: number): NewJob {
  return newJob({
    targetKind: "pull_request",
    number: 30,
    request: {
      kind: "revise",
      branch: "droid/30-x",
      reviewId,
      reviewBody: "",
      comments: [{ id: commentId, body: "and here", path: "a.ts", line: 1, diffHunk: "@@", inReplyToId: 1 }],
      instructions: "",
    },
  });
}

export function describePolicyContract(name: string, makeHarness: () => Promise<QueueHarness>): void {
  describe(`JobQueue policy contract: ${name}`, () => {
    const open = storeHandles(makeHarness);

    it("records a review once while a revise job for it is active, whichever of its events comes first", async () => {
      const [a, b] = [await open(), await open()];
      const review = newJob({ targetKind: "pull_request", number: 30, request: revise("droid/30-x", 501, "please rename") });
      const first = await a.enqueue(review);
      expect(first.status).toBe("created");
      // The reply's own event, on another connection, names the same review: answered by the first job.
      expect(await b.enqueue(reply(501, 9001))).toMatchObject({ status: "covered", job: { id: first.job.id } });
      // Still covered while it runs.
      expect((await a.claim("w", ["revise"]))?.id).toBe(first.job.id);
      expect(await b.enqueue(reply(501, 9002))).toMatchObject({ status: "covered", job: { id: first.job.id } });
      // Another review, or the same review with text the active job lacks, or instructions: queued behind it.
      expect((await b.enqueue(reply(502, 9003))).status).toBe("created");
      expect((await a.enqueue(newJob({ targetKind: "pull_request", number: 30, request: revise("droid/30-x", 501, "and rename the tests") }))).status).toBe("created");
      const commanded = { kind: "revise" as const, branch: "droid/30-x", reviewId: null, reviewBody: "", comments: [], instructions: "use tabs" };
      expect((await a.enqueue(newJob({ targetKind: "pull_request", number: 30, request: commanded }))).status).toBe("created");
      // The same review on another pull request is another matter.
      expect((await a.enqueue(newJob({ targetKind: "pull_request", number: 31, request: revise("droid/31-y", 501, "") }))).status).toBe("created");
      // Once nothing active answers the review, a late event is recorded (the run skips threads already answered).
      await a.finish(first.job.id, { state: "succeeded", kind: "succeeded" });
      await a.cancel(app, { kind: "pull_request", number: 30 });
      expect((await b.enqueue(reply(501, 9004))).status).toBe("created");
    });

    it("records the review first when its reply came first, unless the review adds no text", async () => {
      const queue = await open();
      const first = await queue.enqueue(reply(601, 9101));
      expect(first.status).toBe("created");
      expect(await queue.enqueue(newJob({ targetKind: "pull_request", number: 30, request: revise("droid/30-x", 601, "") }))).toMatchObject({
        status: "covered",
        job: { id: first.job.id },
      });
      expect((await queue.enqueue(newJob({ targetKind: "pull_request", number: 30, request: revise("droid/30-x", 601, "summary") }))).status).toBe("created");
    });

    it("refuses a job beyond the repository's queue cap, counting only its queued jobs", async () => {
      const [a, b] = [await open(), await open()];
      const limits = { maxQueuedInRepo: 3 };
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).enqueue(newJob({ number: i + 1 }), limits)));
      expect(results.filter((r) => r.status === "created")).toHaveLength(3);
      expect(results.filter((r) => r.status === "queue-full")).toEqual(Array.from({ length: 5 }, () => ({ status: "queue-full", queued: 3 })));
      const created = results.flatMap((r) => (r.status === "created" ? [r.job] : []));
      // A redelivery is still answered with its job; another repository has its own queue.
      expect((await a.enqueue({ ...newJob({ number: 99 }), deliveryId: created[0]?.deliveryId ?? "" }, limits)).status).toBe("duplicate-delivery");
      expect((await a.enqueue(newJob({ repo: "acme/other" }), limits)).status).toBe("created");
      // A running job does not count.
      await a.claim("w", ["plan"]);
      expect((await b.enqueue(newJob({ number: 50 }), limits)).status).toBe("created");
      expect((await b.enqueue(newJob({ number: 51 }), limits)).status).toBe("queue-full");
      expect((await a.usage({ repo: app, installationId: 42, since: new Date(0) })).queuedInRepo).toBe(3);
    });

    it("sums what a repository and an installation spent since a moment", async () => {
      const [a, b] = [await open(), await open()];
      const spend = async (job: NewJob, costUsd: number, finish: boolean) => {
        await a.enqueue(job);
        const claimed = await a.claim("w", ["plan", "fix"]);
        if (!claimed) throw new Error("nothing to claim");
        if (finish) await a.finish(claimed.id, { state: "succeeded", kind: "succeeded" }, { costUsd });
        else await a.update(claimed.id, { costUsd });
      };
      await spend(newJob({ number: 1 }), 1.25, true);
      await spend(newJob({ number: 2, request: FIX }), 0.5, false); // still running: its cost so far counts
      await spend(newJob({ repo: "acme/other", number: 1 }), 2, true);
      await spend(inInstallation(7, { repo: "globex/app", number: 1 }), 10, true);
      await b.enqueue(newJob({ number: 3, request: PLAN }));
      const since = new Date(Date.now() - HOUR);
      expect(await b.usage({ repo: app, installationId: 42, since })).toEqual({ repoUsd: 1.75, installationUsd: 3.75, queuedInRepo: 1 });
      expect(await b.usage({ repo: { owner: "Globex", name: "App" }, installationId: 7, since })).toEqual({ repoUsd: 10, installationUsd: 10, queuedInRepo: 0 });
      expect(await b.usage({ repo: app, installationId: 42, since: new Date(Date.now() + HOUR) })).toEqual({ repoUsd: 0, installationUsd: 0, queuedInRepo: 1 });
    });

    it("prunes jobs that ended before the cut-off, never a queued, running or uncollected interrupted one", async () => {
      const [a, b] = [await open(), await open()];
      const done = await a.enqueue(newJob({ number: 1 }));
      await a.claim("w", ["plan"]);
      await a.finish(done.job.id, { state: "failed", error: "boom", kind: "internal-error" }, { costUsd: 3 });
      const cancelled = await a.enqueue(newJob({ number: 2 }));
      await a.cancel(app, { kind: "issue", number: 2 });
      const interrupted = await a.enqueue(newJob({ number: 3 }));
      await a.claim("w", ["plan"]);
      await a.finish(interrupted.job.id, { state: "interrupted", error: "the worker shut down", kind: "interrupted" });
      const running = await a.enqueue(newJob({ number: 4 }));
      await a.claim("w", ["plan"]);
      const queued = await a.enqueue(newJob({ number: 5 }));

      expect(await b.prune(new Date(Date.now() - HOUR))).toEqual([]);
      const later = new Date(Date.now() + HOUR);
      expect((await b.prune(later)).sort()).toEqual([done.job.id, cancelled.job.id].sort());
      expect(await b.get(done.job.id)).toBeUndefined();
      expect(await b.findByDelivery(done.job.deliveryId)).toBeUndefined();
      expect(await b.listForTarget(app, { kind: "issue", number: 1 })).toEqual([]);
      expect((await b.usage({ repo: app, installationId: 42, since: new Date(0) })).repoUsd).toBe(0);
      for (const kept of [interrupted, running, queued]) expect((await b.get(kept.job.id))?.id).toBe(kept.job.id);
      // Once recovery has seen the interrupted job (and not re-queued it), it can go too.
      expect((await b.collectInterrupted()).map((j) => j.id)).toEqual([interrupted.job.id]);
      expect(await b.prune(later)).toEqual([interrupted.job.id]);
      expect((await b.get(running.job.id))?.state).toBe("running");
      expect((await b.get(queued.job.id))?.state).toBe("queued");
    });

    it("keeps the Sentry → GitHub issue map, shared by every connection", async () => {
      const [a, b] = [await open(), await open()];
      expect(await a.incidentIssue({ repo: "acme/app", sentryIssueId: "42" })).toBeUndefined();
      await a.recordIncidentIssue({ repo: "Acme/App", sentryIssueId: "42" }, 7);
      expect(await b.incidentIssue({ repo: "acme/app", sentryIssueId: "42" })).toBe(7);
      await b.recordIncidentIssue({ repo: "acme/app", sentryIssueId: "42" }, 8);
      expect(await a.incidentIssue({ repo: "acme/app", sentryIssueId: "42" })).toBe(8);
      expect(await a.incidentIssue({ repo: "acme/other", sentryIssueId: "42" })).toBeUndefined();
    });
  });
}

/** What only durable stores promise: the incident map outlives the process. */
export function describeDurablePolicyContract(name: string, makeHarness: () => Promise<QueueHarness>): void {
  describe(`durable JobQueue policy contract: ${name}`, () => {
    it("keeps the incident map across a restart", async () => {
      const harness = await makeHarness();
      try {
        // Through the store the Sentry intake is given (`src/cli.ts`).
        const before = await harness.open();
        await new JobStoreIncidents(before).set({ repo: "acme/app", sentryIssueId: "sentry-1" }, 12);
        await before.close();
        const after = await harness.open();
        expect(await new JobStoreIncidents(after).get({ repo: "acme/app", sentryIssueId: "sentry-1" })).toBe(12);
        await after.close();
      } finally {
        await harness.dispose();
      }
    });
  });
}
