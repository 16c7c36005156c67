import { describe, expect, it } from "vitest";
import { checkConclusion, checkOutput } from "../../src/github/check-run.ts";
import { OUTCOME_KINDS } from "../../src/jobs/types.ts";
import { runPageUrl } from "../../src/config/public-url.ts";
import { PushCheck } from "../../src/runs/pr-check.ts";
import { labeledJob } from "../fixtures/github.ts";
import { TestOctokit, api, silentLog } from "../helpers/github.ts";
import { OWNER, REPO } from "../helpers/payloads.ts";

const figures = { model: "claude-sonnet-4-5", inputTokens: 1200, outputTokens: 300, cachedShare: 0.5, costUsd: 0.0321, durationMs: 65_000, jobId: "job-fix-1" };
const job = labeledJob({ id: "job-fix-1", request: { kind: "fix", instructions: "" }, repo: { owner: OWNER, name: REPO, installationId: 1, defaultBranch: "main" } });
const octokit = new TestOctokit({ auth: "token" });
const nobody = { stoppedBy: null, commandWord: "droid" };

describe("the Droid check run", () => {
  it("maps every outcome to a conclusion GitHub accepts", () => {
    const allowed = ["success", "failure", "neutral", "cancelled", "timed_out"];
    for (const kind of OUTCOME_KINDS) expect(allowed).toContain(checkConclusion(kind));
    expect(checkConclusion("succeeded")).toBe("success");
    expect(checkConclusion("succeeded-with-failing-tests")).toBe("failure");
    expect(checkConclusion("stopped-by-user")).toBe("cancelled");
    expect(checkConclusion("time-limit")).toBe("timed_out");
  });

  it("summarises the outcome, the progress, the tests and the cost", () => {
    const out = checkOutput({ outcome: "turn-limit", progress: { what: "Subtasks done", done: 1, total: 3 }, tests: "❌ 1 failed <script>", figures, ...nobody });
    expect(out.title).toBe("Stopped at the turn limit");
    expect(out.summary).toContain("**Outcome:** Stopped at the turn limit (`turn-limit`)");
    expect(out.summary).toContain("**Subtasks done:** 1 of 3");
    expect(out.summary).not.toContain("<script>");
    expect(out.summary).toContain("**Cost:** $0.03 · 1200 tokens in, 300 out (50 % cached) · 1 min 5 s");
  });

  it("names who stopped a stopped run: bare in the plain-text title, in code in the summary", () => {
    const report = { outcome: "stopped-by-user", progress: null, tests: "The tests were not run.", figures } as const;
    const named = checkOutput({ ...report, stoppedBy: "alice", commandWord: "bot" });
    expect(named.title).toBe("Stopped by alice");
    expect(named.summary).toContain("**Outcome:** Stopped (`stopped-by-user`)\n\nThe run was stopped by `alice` (`/bot stop`).\n\n**Tests:**");
    expect(named.summary).not.toContain("@alice");
    const unnamed = checkOutput({ ...report, ...nobody });
    expect(unnamed.title).toBe("Stopped");
    expect(unnamed.summary).not.toContain("The run was stopped");
    // Only a stop names anyone.
    expect(checkOutput({ ...report, outcome: "budget-reached", stoppedBy: "alice", commandWord: "droid" }).title).toBe("Stopped at the job's budget");
  });

  it("links the run page only when Droid has a public URL", () => {
    expect(runPageUrl("https://droid.example.com", "a b")).toBe("https://droid.example.com/runs/a%20b");
    expect(runPageUrl(null, "job")).toBeNull();
  });

  it("never fails the job: a refused creation is logged, and there is then nothing to complete", async () => {
    const scope = api().post(`/repos/${OWNER}/${REPO}/check-runs`).reply(403, { message: "Resource not accessible by integration" });
    const recorded: unknown[] = [];
    const check = new PushCheck({ octokit, publicUrl: null, log: silentLog }, job, new Date(), async (links) => void recorded.push(links));
    await check.pushed("a".repeat(40));
    await check.ended({ state: "succeeded", kind: "succeeded" }, figures, nobody);
    expect(scope.isDone()).toBe(true);
    expect(recorded).toEqual([]);
  });

  it("completes the check an earlier attempt created, and leaves an interrupted run's in progress", async () => {
    const bodies: Record<string, unknown>[] = [];
    const scope = api()
      .patch(`/repos/${OWNER}/${REPO}/check-runs/77`, (b: Record<string, unknown>) => (bodies.push(b), true))
      .reply(200, { id: 77 });
    const retried = { ...job, links: { checkRunId: 77 } };
    const interrupted = new PushCheck({ octokit, publicUrl: "https://droid.example.com", log: silentLog }, retried, new Date(), async () => {});
    await interrupted.ended({ state: "interrupted", error: "the worker shut down", kind: "interrupted" }, figures, nobody);
    const check = new PushCheck({ octokit, publicUrl: "https://droid.example.com", log: silentLog }, retried, new Date(), async () => {});
    await check.pushed("b".repeat(40));
    await check.ended({ state: "cancelled", kind: "stopped-by-user" }, figures, { stoppedBy: "octo-maintainer", commandWord: "droid" });
    expect(scope.isDone()).toBe(true);
    expect(bodies).toEqual([expect.objectContaining({ status: "completed", conclusion: "cancelled", details_url: "https://droid.example.com/runs/job-fix-1" })]);
    expect(bodies[0]?.output).toMatchObject({ title: "Stopped by octo-maintainer", summary: expect.stringContaining("The run was stopped by `octo-maintainer` (`/droid stop`).") });
  });
});
