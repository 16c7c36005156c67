/**
 * Human steering mid-run, end to end: a writer comments on the issue while the fix
 * runs; a later look for new comments finds it, Droid reacts 👀, the model is shown
 * the comment as HUMAN STEERING and revises the plan, and the plan comment's last edit
 * shows the revision with its reason.
 */
import { describe, expect, it } from "vitest";
import { DROID_YML, FIX_EDIT, FIXTURE, REPO_API, containersOf, expectFixJob, expectSteeringPoll, sendCommand, useFixHarness } from "../helpers/fix-harness.ts";
import { expectPermission } from "../helpers/github.ts";
import { scriptModel } from "../helpers/scripted-model.ts";

const h = useFixHarness("e2e-steering");

const STEERING = { id: 7777, login: "octocat", body: "Also greet names made only of spaces as a stranger, and add a test for that." };
const REASON = "@octocat asked to cover blank names too";

describe("steering a running fix", () => {
  it("hands a writer's comment to the model, which revises the plan; the plan comment shows why", async (ctx) => {
    if (!h.available) return ctx.skip();
    await h.git.createRepo("hello-steer", FIXTURE, { defaultBranch: "master" });
    await h.startWorker({ steeringPollMs: 0 });

    // Turn 1: nothing new. Turn 2: the comment (checked, acknowledged). Later turns: listed again, not repeated.
    const { work, planEdits, prs, comments } = expectFixJob({
      pr: true,
      steering: (scope) => {
        expectSteeringPoll(scope);
        expectSteeringPoll(scope, [STEERING]);
        expectPermission(scope, STEERING.login, "write");
        scope.post(`${REPO_API}/issues/comments/${STEERING.id}/reactions`, { content: "eyes" }).reply(201, { id: 2 });
        for (let i = 0; i < 4; i++) expectSteeringPoll(scope, [STEERING]);
      },
    });

    const model = scriptModel([
      { tool: "update_plan", input: { reason: "Starting", updates: [{ id: "S1", state: "in-progress" }] } },
      { tool: "run_tests", input: {} },
      {
        tool: "update_plan",
        input: {
          reason: REASON,
          updates: [{ id: "S2", change: "Make `normalizeName` return `stranger` for empty and blank input." }],
          add: [{ title: "Cover blank names", change: "Add a test greeting `\"   \"`.", verification: "The new test passes." }],
        },
      },
      { tool: "str_replace_based_edit_tool", input: FIX_EDIT },
      { tool: "update_plan", input: { reason: "Fixed", updates: [{ id: "S1", state: "done" }, { id: "S2", state: "done" }, { id: "S3", state: "done" }] } },
      { tool: "finish", input: { summary: "Empty and blank names greet a stranger." } },
      { tool: "finish", input: { summary: "`normalizeName` returns `stranger` for empty and blank names." } },
    ]);

    const hook = await sendCommand(h, "/droid fix", { commentId: 5001, droidYml: DROID_YML, repo: "hello-steer" });
    const [job] = await h.settled();
    expect(h.crashes).toEqual([]);
    expect(job).toMatchObject({ state: "succeeded", error: null });
    for (const s of [hook, work, model.scope]) expect(s.pendingMocks()).toEqual([]);

    // The model saw the comment once, at the turn after it was found, as steering.
    const shown = model.requests.map((r) => JSON.stringify(r.messages.at(-1)));
    const steered = shown.map((text, i) => (text.includes("HUMAN STEERING") ? i : -1)).filter((i) => i >= 0);
    expect(steered).toEqual([2]);
    expect(shown[2]).toContain(`HUMAN STEERING — @${STEERING.login} (write access)`);
    expect(shown[2]).toContain(STEERING.body);
    expect(model.toolResults(3)[0]).toContain("S3: added (Cover blank names)");

    // The plan comment's last edit shows the revised plan and why (the model's words: no one is mentioned).
    const last = planEdits.at(-1) ?? "";
    expect(last).toContain(`Plan revised: ${REASON.replace("@", "@\u200b")} (S2: change changed; S3: added (Cover blank names))`);
    expect(last).toContain("**S3**");
    expect(last).toContain("✅ Done");
    expect(prs[0]).toMatchObject({ draft: false });
    expect(String(prs[0]?.body)).toContain("**S3** Cover blank names");
    expect(comments[0]).toContain("Opened #7 (ready for review)");
    expect(await containersOf(job?.id)).toEqual([]);
  }, 180_000);

  it("hands over a comment made while the job waited in the queue", async (ctx) => {
    if (!h.available) return ctx.skip();
    await h.git.createRepo("hello-queued", FIXTURE, { defaultBranch: "master" });
    await h.startWorker({ steeringPollMs: 0 });
    let queuedAt = new Date(0);
    // Made when the job was recorded: before it started.
    const early = { ...STEERING, at: () => queuedAt };
    const { work, comments } = expectFixJob({
      steering: (scope) => {
        expectSteeringPoll(scope, [early]);
        expectPermission(scope, STEERING.login, "write");
        scope.post(`${REPO_API}/issues/comments/${STEERING.id}/reactions`, { content: "eyes" }).reply(201, { id: 2 });
        expectSteeringPoll(scope, [early]);
      },
    });
    const model = scriptModel([
      { tool: "update_plan", input: { reason: "Starting", updates: [{ id: "S1", state: "in-progress" }] } },
      { tool: "finish", input: { summary: "Nothing to change." } },
      { tool: "finish", input: { summary: "Nothing to change." } },
    ]);

    const hook = await sendCommand(h, "/droid fix", { commentId: 5001, droidYml: DROID_YML, repo: "hello-queued" });
    const [queued] = await h.queue.listForTarget({ owner: "Codertocat", name: "Hello-World" }, { kind: "issue", number: 1 });
    queuedAt = queued?.createdAt ?? queuedAt;
    const [job] = await h.settled();
    expect(h.crashes).toEqual([]);
    for (const s of [hook, work, model.scope]) expect(s.pendingMocks()).toEqual([]);
    expect(job?.state).toBe("succeeded");
    expect(JSON.stringify(model.requests[1]?.messages.at(-1))).toContain(`HUMAN STEERING — @${STEERING.login}`);
    expect(comments[0]).toContain("Nothing was pushed: the agent changed no files.");
  }, 180_000);
});
