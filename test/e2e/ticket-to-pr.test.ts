/**
 * Issue 5's "done when", in one run: the `droid` label on an issue → a plan comment
 * (model nocked) → `/droid fix` reads that very comment back from GitHub → the agent
 * fixes the bug in a real sandbox → the branch is pushed to a real git server and a
 * ready pull request opened, with the repository's tests passing.
 */
import nock from "nock";
import { describe, expect, it } from "vitest";
import { parsePlanComment } from "../../src/github/plan-comment.ts";
import { nockContext } from "../fixtures/context.ts";
import { BOT_LOGIN } from "../fixtures/github.ts";
import { bugFixInput } from "../fixtures/plans.ts";
import {
  BRANCH,
  DROID_YML,
  expectDroidYml,
  expectIssueComments,
  expectPeople,
  expectPlanEdits,
  expectPullRequest,
  expectCheckRun,
  expectSteeringPoll,
  FIX_EDIT,
  FIXTURE,
  PLAN_COMMENT_ID,
  REPO_API,
  sendCommand,
  useFixHarness,
} from "../helpers/fix-harness.ts";
import { expectInstallationToken, expectPermission, WEBHOOK_SECRET } from "../helpers/github.ts";
import { issueLabeled, OWNER, REPO } from "../helpers/payloads.ts";
import { scriptModel } from "../helpers/scripted-model.ts";
import { sendWebhook } from "../helpers/webhook.ts";

const harness = useFixHarness("e2e-ticket");

describe("ticket to pull request", () => {
  it("label → plan comment → /droid fix → pushed branch and a ready PR with passing tests", async (ctx) => {
    if (!harness.available) return ctx.skip();
    await harness.git.createRepo("hello-ticket", FIXTURE, { defaultBranch: "master" });
    await harness.startWorker();

    // 1. The label: the webhook is gated and acknowledged; the plan job posts one comment.
    const hook = expectInstallationToken();
    expectPermission(hook, OWNER, "write");
    expectDroidYml(hook, DROID_YML, 1);
    hook.post(`${REPO_API}/issues/1/reactions`, { content: "eyes" }).reply(201, { id: 1 });
    const planning = expectInstallationToken();
    expectDroidYml(planning, DROID_YML, 1);
    const context = nockContext({ labels: ["droid", "bug"] });
    planning.get(`${REPO_API}/issues/1/comments`).query({ per_page: 100 }).reply(200, []);
    const planned: string[] = [];
    planning.post(`${REPO_API}/issues/1/comments`, (b: { body: string }) => (planned.push(b.body), true)).reply(201, { id: PLAN_COMMENT_ID });
    // The fixture's code is JavaScript: the plan names its real files.
    const input = bugFixInput();
    input.subtasks = input.subtasks.map((s) => ({ ...s, files: s.files.map((f) => f.replace(/\.ts$/, ".js")) }));
    const planner = scriptModel([{ tool: "submit_plan", input }]);
    const labeled = issueLabeled("droid");
    harness.git.serve(`${OWNER}/${REPO}`, "hello-ticket");
    expect((await sendWebhook(harness.server.url, "issues", labeled, { secret: WEBHOOK_SECRET })).status).toBe(200);
    const [planJob] = await harness.settled();
    expect(planJob).toMatchObject({ state: "succeeded", links: { planCommentId: PLAN_COMMENT_ID } });
    for (const s of [hook, planning, context, planner.scope]) expect(s.pendingMocks()).toEqual([]);
    const plan = parsePlanComment(planned[0] ?? "");
    expect(plan?.stored.plan.subtasks.map((s) => s.id)).toEqual(["S1", "S2"]);

    // 2. `/droid fix`: the plan is read back from the comment the plan job wrote (the
    // worker's installation token is still cached).
    const work = nock("https://api.github.com");
    expectDroidYml(work, DROID_YML, 1);
    work
      .get(`${REPO_API}/issues/1/comments`)
      .query({ per_page: 100 })
      .reply(200, [{ id: PLAN_COMMENT_ID, body: planned[0], user: { login: BOT_LOGIN } }])
      .get(`${REPO_API}/issues/1`)
      .reply(200, { number: 1, title: "Greeting crashes on an empty name", body: "`greet(\"\")` throws a TypeError.", user: { login: OWNER, type: "User" }, html_url: `https://github.com/${OWNER}/${REPO}/issues/1` })
      .get(`${REPO_API}/pulls`)
      .query({ state: "open", per_page: 100 })
      .reply(200, []);
    expectSteeringPoll(work);
    const edits = expectPlanEdits(work, 2);
    expectPeople(work);
    const checks = expectCheckRun(work);
    const prs = expectPullRequest(work);
    const closing = expectIssueComments(work, 1);
    const fixer = scriptModel([
      { tool: "update_plan", input: { reason: "Reproducing first", updates: [{ id: "S1", state: "in-progress" }] } },
      { tool: "run_tests", input: {} },
      { tool: "str_replace_based_edit_tool", input: FIX_EDIT },
      { tool: "run_tests", input: {} },
      { tool: "update_plan", input: { reason: "Both tests pass", updates: [{ id: "S1", state: "done" }, { id: "S2", state: "done" }] } },
      { tool: "finish", input: { summary: "Return `stranger` for empty names." } },
      { tool: "finish", input: { summary: "`normalizeName` returns `stranger` for empty names, so `greet(\"\")` no longer throws." } },
    ]);
    const hook2 = await sendCommand(harness, "/droid fix", { commentId: 555_001, droidYml: DROID_YML, withToken: false, askPermission: false, repo: "hello-ticket" });
    const jobs = await harness.settled();
    expect(harness.crashes).toEqual([]);
    const fixJob = jobs.find((j) => j.request.kind === "fix");
    expect(fixJob).toMatchObject({ state: "succeeded", links: { pullRequestNumber: 7, branch: BRANCH } });
    for (const s of [hook2, work, fixer.scope]) expect(s.pendingMocks()).toEqual([]);

    // The model worked from the plan the planner wrote.
    expect(JSON.stringify(fixer.requests[0]?.messages[0])).toContain("Reproduce the crash in a test");
    expect(fixer.toolResults(2)[0]).toMatch(/1 failed/);
    expect(fixer.toolResults(4)[0]).toMatch(/0 failed, 2 passed/);

    // What was pushed and opened.
    expect(await harness.git.git("hello-ticket", "show", `${BRANCH}:src/greet.js`)).toContain('return "stranger";');
    expect(prs[0]).toMatchObject({ head: BRANCH, base: "master", draft: false });
    expect(String(prs[0]?.body)).toContain("Closes #1");
    expect(String(prs[0]?.body)).toMatch(/✅ tests \(tap\): 0 failed, 2 passed/);
    expect(edits.bodies.at(-1)).toMatch(/\n✅ Done · .* · PR #7\n/);
    expect(checks.completed).toEqual([expect.objectContaining({ conclusion: "success" })]);
    expect(closing[0]).toContain("Opened #7 (ready for review)");
  }, 180_000);
});
