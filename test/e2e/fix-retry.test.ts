/**
 * The retry of a fix whose process was killed (the reported bug): the first attempt's process
 * died with the job's folder on the worker (a clone with the job's branch already created) and
 * its sandbox still running. Restart recovery re-queues the job, and the retry starts clean:
 * the leftovers are removed, the agent runs again from the plan, one PR is opened, and no
 * "internal error" is posted.
 *
 * What a `kill -9` leaves is made for real, in this process: the first attempt's claim, then its
 * workbench opened (clone, branch, sandbox) and never closed, as a killed process never closes it.
 * A worker shut down mid-run (its grace period over) aborts the job like a stop, but the job ends
 * `interrupted`, says nothing, and runs again after the restart.
 */
import { stat } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { readSettings } from "../../src/config/settings.ts";
import { DEFAULT_REPO_CONFIG, repoConfigSchema } from "../../src/config/repo-config.ts";
import { recoverInterruptedJobs } from "../../src/jobs/recovery.ts";
import { resumeBlocker } from "../../src/runs/registry.ts";
import { WorkbenchSite } from "../../src/runs/workbench.ts";
import { BRANCH, DROID_YML, FIX_EDIT, FIXTURE, PLAN_COMMENT_ID, containersOf, expectDroidYml, expectFixJob, expectFixJobReads, expectPlanEdits, sendCommand, useFixHarness } from "../helpers/fix-harness.ts";
import { expectInstallationToken } from "../helpers/github.ts";
import { docker } from "../helpers/docker.ts";
import { E2E_DATA_DIR } from "../helpers/e2e-worker.ts";
import { INSTALLATION_TOKEN, silentLog } from "../helpers/github.ts";
import { OWNER, REPO } from "../helpers/payloads.ts";
import { scriptModel } from "../helpers/scripted-model.ts";

const h = useFixHarness("e2e-retry");

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

/** The retry, by a new worker: the agent fixes the bug and finishes; one PR, one closing comment. */
async function retryToTheEnd() {
  await h.startWorker();
  const calls = expectFixJob({ pr: true });
  const model = scriptModel([
    { tool: "str_replace_based_edit_tool", input: FIX_EDIT },
    { tool: "run_tests", input: {} },
    { tool: "update_plan", input: { reason: "Both tests pass", updates: [{ id: "S1", state: "done" }, { id: "S2", state: "done" }] } },
    { tool: "finish", input: { summary: "Return `stranger` for empty names." } },
    { tool: "finish", input: { summary: "`normalizeName` returns `stranger` for empty names." } },
  ]);
  const [job] = await h.settled();
  return { ...calls, model, job };
}

describe("/droid fix interrupted by a killed process", () => {
  it("re-runs from a clean folder and sandbox: one PR, no internal error, nothing left behind", async (ctx) => {
    if (!h.available) return ctx.skip();
    await h.git.createRepo("hello-retry", FIXTURE, { defaultBranch: "master" });
    const hook = await sendCommand(h, "/droid fix", { commentId: 5001, droidYml: DROID_YML, repo: "hello-retry" });

    // The first attempt, in a process about to die: it claimed the job, cloned, created the branch, started the sandbox.
    const first = await h.queue.claim("dead-worker", ["fix"]);
    if (!first) throw new Error("the fix job was not recorded");
    const deadSite = new WorkbenchSite(
      {
        docker,
        platform: { runtime: null, disk: { kind: "tmpfs", sizeMb: 1024 } },
        config: { ...DEFAULT_REPO_CONFIG, ...repoConfigSchema.parse({ setup: [], test: "node --test" }) },
        token: async () => INSTALLATION_TOKEN,
        secrets: [],
        dataDir: E2E_DATA_DIR,
        instance: "e2e-retry-dead",
        githubHost: readSettings(h.git.env).githubHost,
        log: silentLog,
      },
      first,
    );
    const opened = await deadSite.open({ kind: "new-branch", name: BRANCH }, new AbortController().signal);
    expect(opened.kind).toBe("ready");
    expect(await containersOf(first.id)).toHaveLength(1);
    expect(await exists(`${E2E_DATA_DIR}/jobs/${first.id}/tree`)).toBe(true);
    // The process is killed here: `close()` never runs. The next process's recovery finds the job interrupted.
    await h.queue.finish(first.id, { state: "interrupted", error: "the process running it stopped", kind: "interrupted" });
    const recovered = await recoverInterruptedJobs(h.queue, { maxAttempts: 3, resumeBlocker, log: silentLog });
    expect(recovered.requeued.map((j) => j.id)).toEqual([first.id]);

    // The retry, by a new worker.
    const { work, prs, comments, model, job } = await retryToTheEnd();

    expect(h.crashes).toEqual([]);
    expect(job).toMatchObject({ id: first.id, state: "succeeded", attempts: 2, error: null, links: { pullRequestNumber: 7, planCommentId: PLAN_COMMENT_ID } });
    for (const s of [hook, work, model.scope]) expect(s.pendingMocks()).toEqual([]);
    expect(prs).toHaveLength(1);
    expect(prs[0]).toMatchObject({ head: BRANCH });
    expect(comments).toHaveLength(1);
    expect(comments[0]).not.toMatch(/internal error/i);
    expect(comments[0]).toContain("Opened #7");
    expect(comments[0]).toContain("I restarted after an interruption (the process running this job stopped) and started the agent over from the plan.");
    expect(await h.git.git("hello-retry", "show", `${BRANCH}:src/greet.js`)).toContain('return "stranger";');
    expect(await h.queue.listForTarget({ owner: OWNER, name: REPO }, { kind: "issue", number: 1 })).toHaveLength(1);

    // Nothing of either attempt is left.
    expect(await containersOf(first.id)).toEqual([]);
    expect(await exists(`${E2E_DATA_DIR}/jobs/${first.id}`)).toBe(false);
  }, 180_000);

  it("a worker shut down while the model answers: the job ends interrupted without a word, then runs again to one PR", async (ctx) => {
    if (!h.available) return ctx.skip();
    await h.git.createRepo("hello-shutdown", FIXTURE, { defaultBranch: "master" });
    const hook = await sendCommand(h, "/droid fix", { commentId: 5001, droidYml: DROID_YML, repo: "hello-shutdown" });

    // The first attempt: everything up to the model's first answer, which never comes before the shutdown.
    const first = expectInstallationToken();
    expectDroidYml(first, DROID_YML, 1);
    expectFixJobReads(first);
    const firstEdits = expectPlanEdits(first, 1);
    const slow = scriptModel([{ tool: "str_replace_based_edit_tool", input: FIX_EDIT, delayMs: 30_000 }]);
    const worker = await h.startWorker();
    for (let i = 0; i < 600 && slow.requests.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(slow.requests).toHaveLength(1);
    const [running] = await h.queue.listForTarget({ owner: OWNER, name: REPO }, { kind: "issue", number: 1 });
    const shutdownAt = Date.now();
    await worker.stop(0);
    const stoppedMs = Date.now() - shutdownAt;
    const interrupted = await h.queue.get(running?.id ?? "");
    expect(interrupted).toMatchObject({ state: "interrupted", error: "the worker shut down" });
    expect(firstEdits.bodies).toHaveLength(1);
    for (const s of [hook, first]) expect(s.pendingMocks()).toEqual([]);
    expect(await containersOf(running?.id)).toEqual([]);
    expect(stoppedMs).toBeLessThan(5_000);

    // Recovery re-queues it; the next worker runs it to its end.
    const recovered = await recoverInterruptedJobs(h.queue, { maxAttempts: 3, resumeBlocker, log: silentLog });
    expect(recovered.requeued.map((j) => j.id)).toEqual([running?.id]);
    const { work, prs, comments, model, job } = await retryToTheEnd();
    expect(h.crashes).toEqual([]);
    expect(job).toMatchObject({ state: "succeeded", attempts: 2, links: { pullRequestNumber: 7 } });
    for (const s of [work, model.scope]) expect(s.pendingMocks()).toEqual([]);
    expect(prs).toHaveLength(1);
    expect(comments).toHaveLength(1);
    expect(comments[0]).toContain("I restarted after an interruption");
    expect(await containersOf(running?.id)).toEqual([]);
    expect(await exists(`${E2E_DATA_DIR}/jobs/${running?.id}`)).toBe(false);
  }, 180_000);
});
