/**
 * `/droid stop` while a fix runs, end to end: the stop arrives as a webhook while a
 * long command runs in the real sandbox, or while the model's answer is still in
 * flight. The job ends cancelled within seconds, the command dies with the sandbox,
 * nothing is pushed (the default config), and the closing comment — the one comment the
 * stop produces; the 👀 on the command acknowledges it — says who stopped the run (another writer
 * than the one who asked, named in code so that they are not notified), what was done and what was not.
 */
import type nock from "nock";
import { describe, expect, it } from "vitest";
import { BRANCH, DROID_YML, FIX_EDIT, FIXTURE, containersOf, expectFixJob, sendCommand, useFixHarness, waitForProcess } from "../helpers/fix-harness.ts";
import { OWNER } from "../helpers/payloads.ts";
import { scriptModel } from "../helpers/scripted-model.ts";

const h = useFixHarness("e2e-stop");

/** Another writer of the repository than the one who asked for the fix. */
const MAINTAINER = "octo-maintainer";

/**
 * Sends `/droid stop` (token and permission cached from the fix; by `stopper`, whose permission
 * is asked, when given) and checks what any stop must do: the job cancelled within seconds and
 * naming who stopped it, every declared call made, the sandbox (and the command in it) gone,
 * nothing pushed.
 */
async function stopAndCheck(repo: string, scopes: nock.Scope[], options: { droidYml?: string; pushed?: boolean; stopper?: string } = {}): Promise<void> {
  const stopAt = Date.now();
  const by = options.stopper ? { login: options.stopper } : { askPermission: false };
  const stop = await sendCommand(h, "/droid stop", { commentId: 5002, droidYml: options.droidYml ?? DROID_YML, withToken: false, ...by });
  const [job] = await h.settled();
  const stoppedInMs = Date.now() - stopAt;

  expect(h.crashes).toEqual([]);
  expect(job).toMatchObject({ state: "cancelled", error: null, requester: OWNER, stoppedBy: options.stopper ?? OWNER });
  expect(stoppedInMs).toBeLessThan(10_000);
  for (const s of [stop, ...scopes]) expect(s.pendingMocks()).toEqual([]);
  expect(await containersOf(job?.id)).toEqual([]);
  expect((await h.git.git(repo, "branch", "--list", "droid/*")).trim()).toBe(options.pushed ? BRANCH : "");
}

async function until(what: string, ok: () => boolean, timeoutMs = 60_000): Promise<void> {
  for (const end = Date.now() + timeoutMs; Date.now() < end; ) {
    if (ok()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("/droid stop", () => {
  it("kills a long command, removes the sandbox, pushes nothing and says what was done", async (ctx) => {
    if (!h.available) return ctx.skip();
    await h.git.createRepo("hello-stop", FIXTURE, { defaultBranch: "master" });
    await h.startWorker();
    const { work, planEdits, comments } = expectFixJob({ comments: 1 });
    const model = scriptModel([
      { tool: "update_plan", input: { reason: "Reproducing first", updates: [{ id: "S1", state: "in-progress" }] } },
      { tool: "str_replace_based_edit_tool", input: FIX_EDIT },
      { tool: "bash", input: { command: "sleep 30 && echo slept" } },
    ]);

    const fix = await sendCommand(h, "/droid fix", { commentId: 5001, droidYml: DROID_YML, repo: "hello-stop" });
    const [running] = await h.queue.listForTarget({ owner: "Codertocat", name: "Hello-World" }, { kind: "issue", number: 1 });
    await waitForProcess(running?.id, "sleep 30");

    await stopAndCheck("hello-stop", [fix, work, model.scope], { stopper: MAINTAINER });
    expect(model.requests).toHaveLength(3);

    // What GitHub was told: one comment, the job's own, naming who stopped the run (in code: no notification).
    const [closing] = comments;
    expect(closing).toContain(`The run was stopped by \`${MAINTAINER}\` (\`/droid stop\`).`);
    expect(closing).not.toContain(`@${MAINTAINER}`);
    expect(closing).toContain("Nothing was pushed: the run was stopped and this repository does not push partial work");
    expect(closing).toContain("`src/greet.js` (modified)");
    expect(closing).toContain("**Done:** no subtask yet.");
    // Cut off by the stop: not finished, not failed or skipped.
    expect(closing).toMatch(/\*\*Not finished:\*\* S1 .*; S2 /);
    expect(closing).not.toMatch(/failed|skipped/i);
    expect(closing).toContain("fix.pushPartialWorkOnStop: true");
    expect(closing).toMatch(/^⏹ Stopped by `octo-maintainer` · \d+ s · (\$\d+\.\d\d|< \$0\.01) · job `[0-9a-f]{8}`\n/);
    expect(closing).toContain("**Next:** The changes were not pushed.");
    const plan = planEdits.at(-1) ?? "";
    expect(plan).toMatch(/\n⏹ Stopped by `octo-maintainer` · \d+ s · (\$\d+\.\d\d|< \$0\.01) · job `[0-9a-f]{8}`\n/);
    expect(plan).not.toContain("cancels the run");
    expect(plan).not.toContain("so far");
    expect(plan).toContain("**Next:** The changes were not pushed.");
  }, 180_000);

  it("pushes the work so far as a draft PR when the repository allows it", async (ctx) => {
    if (!h.available) return ctx.skip();
    const yml = `${DROID_YML}fix:\n  pushPartialWorkOnStop: true\n`;
    await h.git.createRepo("hello-stop-push", FIXTURE, { defaultBranch: "master" });
    await h.startWorker();
    const { work, comments, prs, checks } = expectFixJob({ droidYml: yml, pr: true, comments: 1 });
    const model = scriptModel([
      { tool: "str_replace_based_edit_tool", input: FIX_EDIT },
      { tool: "bash", input: { command: "sleep 30" } },
    ]);

    const fix = await sendCommand(h, "/droid fix", { commentId: 5001, droidYml: yml, repo: "hello-stop-push" });
    const [running] = await h.queue.listForTarget({ owner: "Codertocat", name: "Hello-World" }, { kind: "issue", number: 1 });
    await waitForProcess(running?.id, "sleep 30");
    await stopAndCheck("hello-stop-push", [fix, work, model.scope], { droidYml: yml, pushed: true });

    expect(await h.git.git("hello-stop-push", "show", `${BRANCH}:src/greet.js`)).toContain('return "stranger";');
    expect(await h.git.git("hello-stop-push", "log", "-1", "--format=%s", BRANCH)).toContain("(partial)");
    expect(prs[0]).toMatchObject({ head: BRANCH, draft: true });
    const body = String(prs[0]?.body);
    expect(body).toContain("Refs #1 — not complete. The run was stopped by `Codertocat` (`/droid stop`) with 0 of 2 subtasks done; comment `/droid fix` on #1 to continue.");
    expect(body).not.toContain("Closes #1");
    expect(body).toMatch(/^⏹ Stopped by `Codertocat` · /);
    expect(comments[0]).toContain("Opened #7 (a draft).");
    expect(comments[0]).not.toContain("Changed but not pushed");
    // The `Droid` check on the pushed commit says who stopped the run: bare in its plain-text title, in code in its summary.
    expect(checks.completed).toHaveLength(1);
    expect(checks.completed[0]).toMatchObject({
      conclusion: "cancelled",
      output: { title: `Stopped by ${OWNER}`, summary: expect.stringContaining(`The run was stopped by \`${OWNER}\` (\`/droid stop\`).`) },
    });
  }, 180_000);

  it("aborts the model's request in flight", async (ctx) => {
    if (!h.available) return ctx.skip();
    await h.git.createRepo("hello-stop-model", FIXTURE, { defaultBranch: "master" });
    await h.startWorker();
    const { work, planEdits, comments } = expectFixJob({ comments: 1 });
    const model = scriptModel([
      { tool: "update_plan", input: { reason: "Reproducing first", updates: [{ id: "S1", state: "in-progress" }] } },
      { tool: "run_tests", input: {}, delayMs: 60_000 },
    ]);

    const fix = await sendCommand(h, "/droid fix", { commentId: 5001, droidYml: DROID_YML, repo: "hello-stop-model" });
    await until("the second model request", () => model.requests.length === 2);

    await stopAndCheck("hello-stop-model", [fix, work, model.scope]);
    expect(comments[0]).toContain("The run was stopped by `Codertocat` (`/droid stop`).");
    expect(comments[0]).toContain("Nothing was pushed");
    expect(planEdits.at(-1)).toContain("⏹ Stopped by `Codertocat` · ");
    expect(planEdits.at(-1)).toContain("**Next:** Nothing was changed.");
  }, 180_000);
});
