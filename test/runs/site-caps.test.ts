/**
 * The daily spending caps checked again when a job starts (jobs queued before the cap was
 * reached): the job ends failed with a comment, before any sandbox or model call.
 */
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { readSettings } from "../../src/config/settings.ts";
import { PermissionGate } from "../../src/github/gate.ts";
import { MemoryJobQueue } from "../../src/jobs/memory-queue.ts";
import { siteRunner, type RunnerServices } from "../../src/runs/site.ts";
import { testLlm } from "../fixtures/anthropic.ts";
import { BOT_LOGIN, labeledJob } from "../fixtures/github.ts";
import { docker } from "../helpers/docker.ts";
import { expectComment, expectConfig, expectInstallationToken, testProbot } from "../helpers/github.ts";

describe("a job that would start over a daily cap", () => {
  it("is not started: the issue is told which cap was reached, and the job fails saying so", async () => {
    const queue = new MemoryJobQueue();
    const job = labeledJob();
    // Earlier jobs of the same installation, in another repository, spent $20 today.
    const { job: earlier } = await queue.enqueue({ ...job, deliveryId: "earlier", repo: { ...job.repo, name: "other" } });
    await queue.claim("w", ["plan"]);
    await queue.finish(earlier.id, { state: "succeeded", kind: "succeeded" }, { costUsd: 20 });

    const services: RunnerServices = {
      probot: testProbot(),
      docker,
      platform: { runtime: null, disk: { kind: "none" } },
      secrets: [],
      settings: readSettings({ DROID_DAILY_USD_PER_REPO: "5", DROID_DAILY_USD_PER_INSTALLATION: "20" }),
      jobStore: queue,
      gate: new PermissionGate({ cacheMs: 60_000 }),
      llm: { client: await testLlm() },
      botLogin: async () => BOT_LOGIN,
    };
    const replies: string[] = [];
    const scope = expectInstallationToken();
    expectConfig(scope);
    expectComment(scope, replies);
    let ran = false;
    const runner = siteRunner(services, async () => {
      ran = true;
      return { outcome: { state: "succeeded", kind: "succeeded" }, costUsd: 0 };
    });
    const outcome = await runner(job, { signal: new AbortController().signal, log: pino({ level: "silent" }), progress: async () => {} });
    expect(ran).toBe(false);
    expect(scope.isDone()).toBe(true);
    expect(outcome).toEqual({ state: "failed", error: "daily spending cap of the installation reached", kind: "capped" });
    expect(replies).toEqual([
      "I didn't start this: Droid's jobs for this GitHub App installation (all its repositories) spent $20.00 in the last 24 hours, and this Droid's operators cap that at $20.00 a day. " +
        "Ask again once earlier jobs are more than a day old, or ask the operators to raise the cap (`DROID_DAILY_USD_PER_INSTALLATION`).",
    ]);
    await queue.close();
  });
});
