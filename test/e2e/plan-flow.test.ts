/**
 * End to end: a signed webhook into the real server, the job through the queue and
 * the worker, the plan runner against GitHub and Anthropic (both nocked strictly) and
 * the repository's code cloned from a real git server (the configured `GHE_HOST`),
 * one plan comment that round-trips, then `/droid plan <feedback>` editing it in place.
 */
import nock from "nock";
import { describe, expect, it } from "vitest";
import { parsePlanComment } from "../../src/github/plan-comment.ts";
import { ANTHROPIC, toolUse } from "../fixtures/anthropic.ts";
import { nockContext } from "../fixtures/context.ts";
import { BOT_LOGIN } from "../fixtures/github.ts";
import { HELLO_REPO } from "../fixtures/hello-repo.ts";
import { bugFixInput } from "../fixtures/plans.ts";
import { expectLabelledPlan, useCodeServer } from "../helpers/code-server.ts";
import { expectConfig, WEBHOOK_SECRET } from "../helpers/github.ts";
import { issueComment, issueLabeled, OWNER, REPO } from "../helpers/payloads.ts";
import { sendWebhook } from "../helpers/webhook.ts";

const COMMENTS = `/repos/${OWNER}/${REPO}/issues/1/comments`;
const usage = { input: 900, output: 1500, cacheWrite: 5200, cacheRead: 0 };

const h = useCodeServer("hello-plan", () => HELLO_REPO);

describe("label → plan → /droid plan <feedback>", () => {
  it("posts one plan comment whose JSON round-trips, then revises it in place", async () => {
    // The webhook side (token, config, permission, 👀) and the worker's (token, config, context, no plan comment yet); the model, the new comment.
    const { hook, work, context } = expectLabelledPlan({ labels: ["droid", "bug"] });
    const model = nock(ANTHROPIC).post("/v1/messages").reply(200, toolUse(bugFixInput(), usage));
    const posted: string[] = [];
    work.post(COMMENTS, (b: { body: string }) => (posted.push(b.body), true)).reply(201, { id: 777 });

    const labeled = await sendWebhook(h.server.url, "issues", issueLabeled("droid"), { secret: WEBHOOK_SECRET });
    expect(labeled.status).toBe(200);
    const [job] = await h.settled();
    for (const s of [hook, work, context, model]) expect(s.isDone()).toBe(true);
    expect(job).toMatchObject({ state: "succeeded", links: { planCommentId: 777 } });
    expect(job?.costUsd).toBeGreaterThan(0);
    const first = parsePlanComment(posted[0] ?? "");
    expect(first?.stored.plan.subtasks.map((s) => s.id)).toEqual(["S1", "S2"]);
    expect(first?.stored.revision).toBe(1);
    expect(posted[0]).toContain("<sub>Droid · model `claude-sonnet-5-5` · ");
    expect(posted[0]).toMatch(/\n📋 Plan ready · \d+ s · (\$0\.\d\d|< \$0\.01) · job `[0-9a-f]{8}`\n/);
    // The code was cloned from the configured host with the installation token, and read.
    expect(h.git.requests.some((r) => r.path === `/${OWNER}/${REPO}.git/git-upload-pack` && r.status === 200 && r.user === "x-access-token")).toBe(true);
    expect(posted[0]).toMatch(/Relevant code, matched by localization: `src\/greet\.ts`/);

    // `/droid plan use Postgres instead`: the same comment is edited, not duplicated.
    const feedback = issueComment("/droid plan use Postgres instead");
    const hook2 = expectConfig(nock("https://api.github.com"));
    hook2.post(`/repos/${OWNER}/${REPO}/issues/comments/${feedback.comment.id}/reactions`, { content: "eyes" }).reply(201, { id: 2 });
    const work2 = expectConfig(nock("https://api.github.com"));
    const context2 = nockContext({ labels: ["droid", "bug"] });
    work2.get(COMMENTS).query({ per_page: 100 }).reply(200, [{ id: 777, body: posted[0], user: { login: BOT_LOGIN } }]);
    const revised = { ...bugFixInput(), summary: "Store names in Postgres instead of memory, and return a default for empty names." };
    const seen: string[] = [];
    const model2 = nock(ANTHROPIC)
      .post("/v1/messages", (b: unknown) => (seen.push(JSON.stringify(b)), true))
      .reply(200, toolUse(revised, usage));
    const edited: string[] = [];
    work2.patch(`/repos/${OWNER}/${REPO}/issues/comments/777`, (b: { body: string }) => (edited.push(b.body), true)).reply(200, { id: 777 });

    const commented = await sendWebhook(h.server.url, "issue_comment", feedback, { secret: WEBHOOK_SECRET, deliveryId: "d-feedback" });
    expect(commented.status).toBe(200);
    await h.settled();
    for (const s of [hook2, work2, context2, model2]) expect(s.isDone()).toBe(true);
    expect(seen[0]).toContain("use Postgres instead");
    expect(seen[0]).toContain("Reproduce the crash in a test"); // the model saw the previous plan
    const second = parsePlanComment(edited[0] ?? "");
    expect(second?.stored.revision).toBe(2);
    expect(second?.stored.plan.summary).toContain("Postgres");
    const jobs = await h.queue.listForTarget({ owner: OWNER, name: REPO }, { kind: "issue", number: 1 });
    expect(jobs.map((j) => j.state)).toEqual(["succeeded", "succeeded"]);
  });
});
