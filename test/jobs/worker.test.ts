import { afterEach, describe, expect, it } from "vitest";
import { MemoryJobQueue } from "../../src/jobs/memory-queue.ts";
import type { NewJob } from "../../src/jobs/types.ts";
import { stoppedByOf, Worker, type JobRunner } from "../../src/jobs/worker.ts";
import { silentLog } from "../helpers/github.ts";

const repo = (name: string) => ({
  owner: "o",
  name,
  installationId: 1,
  defaultBranch: "main",
});

let n = 0;
function newJob(repoName = "r", number = 1, kind: "plan" | "fix" = "plan"): NewJob {
  return {
    deliveryId: `d-${++n}`,
    repo: repo(repoName),
    target: { kind: "issue", number },
    requester: "alice",
    triggerCommentId: null,
    request: kind === "plan" ? { kind: "plan", feedback: "" } : { kind: "fix", instructions: "" },
  };
}

const workers: Worker[] = [];
function startWorker(queue: MemoryJobQueue, runner: JobRunner, concurrency = 2, crashes: string[] = []) {
  const worker = new Worker({
    queue,
    runners: { plan: runner, fix: runner },
    concurrency,
    log: silentLog,
    workerId: "w1",
    onCrash: async (job) => void crashes.push(job.id),
  });
  workers.push(worker);
  worker.start();
  return worker;
}

afterEach(async () => {
  for (const w of workers.splice(0)) await w.stop(0);
});

async function until(check: () => Promise<boolean> | boolean, ms = 5000) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("worker", () => {
  it("runs a queued job and records success", async () => {
    const queue = new MemoryJobQueue();
    startWorker(queue, async () => ({ state: "succeeded", kind: "succeeded" }));
    const { job } = await queue.enqueue(newJob());
    await until(async () => (await queue.get(job.id))?.state === "succeeded");
    const done = await queue.get(job.id);
    expect(done?.attempts).toBe(1);
    expect(done?.startedAt).not.toBeNull();
    expect(done?.endedAt).not.toBeNull();
  });

  it("records a crash as failed and tells the human", async () => {
    const queue = new MemoryJobQueue();
    const crashes: string[] = [];
    startWorker(queue, async () => {
      throw new Error("boom");
    }, 1, crashes);
    const { job } = await queue.enqueue(newJob());
    await until(async () => (await queue.get(job.id))?.state === "failed");
    expect((await queue.get(job.id))?.error).toBe(`internal error (job ${job.id})`);
    expect(crashes).toEqual([job.id]);
  });

  it("cancels a running job through its signal within milliseconds", async () => {
    const queue = new MemoryJobQueue();
    let started = false;
    startWorker(queue, (_job, { signal }) => {
      started = true;
      return new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason)));
    });
    const { job } = await queue.enqueue(newJob());
    await until(() => started);
    const t0 = performance.now();
    const cancelled = await queue.cancel(job.repo, job.target);
    expect(cancelled.map((j) => j.state)).toEqual(["running"]);
    await until(async () => (await queue.get(job.id))?.state === "cancelled");
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it("tells the run who stopped it, through its signal", async () => {
    const queue = new MemoryJobQueue();
    const stoppers: (string | null)[] = [];
    startWorker(queue, (_job, { signal }) => {
      return new Promise((_, reject) =>
        signal.addEventListener("abort", () => {
          stoppers.push(stoppedByOf(signal));
          reject(signal.reason);
        }),
      );
    });
    const named = await queue.enqueue(newJob("r", 1));
    const unnamed = await queue.enqueue(newJob("r", 2));
    await until(async () => (await queue.get(unnamed.job.id))?.state === "running");
    await queue.cancel(named.job.repo, named.job.target, "bob");
    await until(() => stoppers.length === 1);
    await queue.cancel(unnamed.job.repo, unnamed.job.target);
    await until(() => stoppers.length === 2);
    expect(stoppers).toEqual(["bob", null]);
    await until(async () => (await queue.get(named.job.id))?.state === "cancelled");
    expect(await queue.get(named.job.id)).toMatchObject({ outcome: "stopped-by-user", stoppedBy: "bob" });
  });

  it("never runs two jobs for one target at once, and keeps the concurrency limit", async () => {
    const queue = new MemoryJobQueue();
    let running = 0;
    let peak = 0;
    const seen = new Set<string>();
    let overlap = false;
    const release: (() => void)[] = [];
    startWorker(queue, async (job) => {
      const key = `${job.repo.name}#${job.target.number}`;
      if (seen.has(key)) overlap = true;
      seen.add(key);
      running++;
      peak = Math.max(peak, running);
      await new Promise<void>((r) => release.push(r));
      running--;
      seen.delete(key);
      return { state: "succeeded", kind: "succeeded" };
    }, 2);
    await queue.enqueue(newJob("r", 1, "plan"));
    await queue.enqueue(newJob("r", 1, "fix"));
    await queue.enqueue(newJob("r", 2, "plan"));
    await queue.enqueue(newJob("r", 3, "plan"));
    for (let i = 0; i < 4; i++) {
      await until(() => release.length > 0);
      release.shift()?.();
    }
    await until(async () => {
      const all = await Promise.all([1, 2, 3].map((k) => queue.listForTarget(repo("r"), { kind: "issue", number: k })));
      return all.flat().every((j) => j.state === "succeeded");
    });
    expect(overlap).toBe(false);
    expect(peak).toBe(2);
  });

  it("is fair across repositories: a busy repository does not starve a quiet one", async () => {
    const queue = new MemoryJobQueue();
    for (let i = 1; i <= 5; i++) await queue.enqueue(newJob("busy", i));
    await queue.enqueue(newJob("quiet", 1));
    const order: string[] = [];
    for (let i = 0; i < 6; i++) {
      const job = await queue.claim("w", ["plan"]);
      order.push(`${job?.repo.name}#${job?.target.number}`);
      if (job) await queue.finish(job.id, { state: "succeeded", kind: "succeeded" });
    }
    expect(order.slice(0, 2)).toEqual(["busy#1", "quiet#1"]);
    expect(order.slice(2)).toEqual(["busy#2", "busy#3", "busy#4", "busy#5"]);
  });

  it("leaves jobs of kinds it cannot run in the queue", async () => {
    const queue = new MemoryJobQueue();
    const worker = new Worker({
      queue,
      runners: { plan: async () => ({ state: "succeeded", kind: "succeeded" }) },
      concurrency: 1,
      log: silentLog,
      workerId: "w",
      onCrash: async () => {},
    });
    workers.push(worker);
    worker.start();
    const { job } = await queue.enqueue(newJob("r", 1, "fix"));
    await worker.pump();
    expect((await queue.get(job.id))?.state).toBe("queued");
  });

  it("marks running jobs interrupted when the worker shuts down past its grace period", async () => {
    const queue = new MemoryJobQueue();
    let started = false;
    const worker = startWorker(queue, (_job, { signal }) => {
      started = true;
      return new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason)));
    });
    const { job } = await queue.enqueue(newJob());
    await until(() => started);
    await worker.stop(50);
    expect(await queue.get(job.id)).toMatchObject({ state: "interrupted", error: "the worker shut down" });
  });
});
