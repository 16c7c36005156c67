/**
 * End to end, from a Jira ticket to a pull request: a signed Jira webhook (the label
 * `droid` added) into the real server, the plan job through the worker, reading the
 * ticket from a fake Jira site (strict: declared writes, bodies checked against
 * Atlassian's schemas) and writing the plan there as one ADF comment; then `/droid fix`
 * commented on the ticket: the repository cloned from and pushed to the real git server,
 * the work done in a real Docker sandbox by a scripted model, the pull request opened on
 * (nocked) GitHub naming the ticket, the pull request linked on the ticket, the ticket
 * moved "In Progress" then "In Review", and the closing report on the ticket.
 */
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { adfToMarkdown, type AdfDoc } from "../../src/jira/adf.ts";
import { connectJira, type JiraConnection } from "../../src/jira/setup.ts";
import { ANTHROPIC, toolUse } from "../fixtures/anthropic.ts";
import { nockRepositoryContext } from "../fixtures/context.ts";
import { BOT_LOGIN } from "../fixtures/github.ts";
import { bugFixInput } from "../fixtures/plans.ts";
import { DROID_YML, FIXTURE, GREETING_FIX_TURNS, REPO_API, expectCheckRun, expectDroidYml, expectPullRequest, useFixHarness } from "../helpers/fix-harness.ts";
import { expectInstallationToken, expectPermission } from "../helpers/github.ts";
import { ADA, commentCreated, JIRA_EMAIL, JIRA_TOKEN, jiraSettings, labelAdded, sendJiraWebhook, shopTicket, TICKET_ID, TICKET_KEY, WRITER_LOGIN } from "../helpers/jira.ts";
import { FakeJira } from "../helpers/jira-server.ts";
import { OWNER, REPO } from "../helpers/payloads.ts";
import { repositoryResponse } from "../helpers/sentry.ts";
import { scriptModel } from "../helpers/scripted-model.ts";

const BRANCH = "droid/shop-7-greeting-crashes-on-an-empty-name";
const TARGET = { kind: "jira_issue", number: Number(TICKET_ID) } as const;
const usage = { input: 900, output: 1500, cacheWrite: 5200, cacheRead: 0 };
/** The bug-fix plan, naming the fixture repository's files (the planner checks plan paths against the code). */
function greetingPlan(): ReturnType<typeof bugFixInput> {
  const plan = bugFixInput();
  return { ...plan, subtasks: plan.subtasks.map((s) => ({ ...s, files: s.files.map((f) => f.replace(/\.ts$/, ".js")) })) };
}

let jira: FakeJira;
let connection: JiraConnection;
// A fresh Jira site per test, started before the harness's server and worker (hooks run in order).
beforeEach(async () => {
  jira = await FakeJira.start({ email: JIRA_EMAIL, apiToken: JIRA_TOKEN });
  connection = connectJira(jiraSettings(jira.url));
});
afterEach(() => jira.close());

const h = useFixHarness("e2e-jira", () => ({ jira: connection }));

/**
 * The webhook side of a Jira delivery by Ada (octocat on GitHub): the repository; the first
 * time also the installation token and the permission (then cached by the intake's client and the gate).
 */
function expectIntake(first: boolean): nock.Scope {
  const scope = first ? expectPermission(expectInstallationToken(), WRITER_LOGIN, "write") : nock("https://api.github.com");
  return scope.get(`/repos/${OWNER}/${REPO}`).reply(200, repositoryResponse());
}

describe("Jira ticket → plan → /droid fix → pull request", () => {
  it("plans in Jira, fixes on /droid fix, opens a PR naming the ticket, links it and moves the ticket", async (ctx) => {
    if (!h.available) return ctx.skip();
    jira.ticket(shopTicket()).user(ADA).expectWrites({ comment: 2, property: 3, "comment-update": 2, transition: 2, remotelink: 1 });
    await h.git.createRepo("hello-jira", FIXTURE, { defaultBranch: "master" });
    h.git.serve(`${OWNER}/${REPO}`, "hello-jira");
    await h.startWorker();

    // 1. The label: a plan job, one ADF comment on the ticket, its JSON in an issue property.
    const hook = expectIntake(true);
    const planWork = expectDroidYml(expectInstallationToken(), DROID_YML, 1);
    // The mapped repository's README, config and templates, as a GitHub issue's plan reads them.
    const repoContext = nockRepositoryContext({ droidConfig: DROID_YML });
    const asked: string[] = [];
    const planModel = nock(ANTHROPIC)
      .post("/v1/messages", (b: unknown) => (asked.push(JSON.stringify(b)), true))
      .reply(200, toolUse(greetingPlan(), usage));
    const labelled = await sendJiraWebhook(h.server.url, labelAdded(Date.now()));
    expect(labelled.status).toBe(202);
    const [plan] = await h.settled(TARGET);
    expect(h.crashes).toEqual([]);
    expect(plan?.error ?? null).toBeNull();
    expect(plan).toMatchObject({ state: "succeeded", requester: WRITER_LOGIN, links: { planCommentId: 20000 } });
    for (const s of [hook, planWork, repoContext, planModel]) expect(s.pendingMocks()).toEqual([]);
    expect(asked[0]).toContain("A tiny web service that greets people.");
    // The planner read the ticket: its description as Markdown, what it names as data whose authors are not checked.
    expect(asked[0]).toContain("Jira ticket SHOP-7");
    expect(asked[0]).toContain("Calling `greet(\\\"\\\")` throws instead of greeting a stranger.");
    expect(asked[0]).toContain("tickets and files this one names (their titles, not their contents) (author's access not checked)");
    expect(asked[0]).toContain("- Link: blocks SHOP-9 Welcome page for guests (To Do)");
    const planText = adfToMarkdown(jira.commentsOf(TICKET_ID)[0]?.body as AdfDoc);
    expect(planText).toMatch(/^### Droid plan: Bug fix\n/);
    expect(planText).toContain("- **S1 · ⬜ to do** — ");
    expect(planText).toContain("Jira ticket SHOP-7");
    expect(jira.propertyOf(TICKET_ID, "droid.plan")).toMatchObject({ commentId: "20000", stored: { revision: 1 } });

    // 2. `/droid fix` on the ticket.
    const hook2 = expectIntake(false);
    // The worker's installation token is still valid from the plan job.
    const work = expectDroidYml(nock("https://api.github.com"), DROID_YML, 1);
    work.get(`${REPO_API}/pulls`).query({ state: "open", per_page: 100 }).reply(200, []);
    work.get(/\/users\/droid-app/).reply(200, { login: BOT_LOGIN, id: 41898282, name: null });
    work.get(`/users/${WRITER_LOGIN}`).reply(200, { login: WRITER_LOGIN, id: 583231, name: "The Octocat" });
    const checks = expectCheckRun(work);
    const prs = expectPullRequest(work);
    const model = scriptModel(GREETING_FIX_TURNS);
    const commented = await sendJiraWebhook(h.server.url, commentCreated(Date.now(), "/droid fix"));
    expect(commented.status).toBe(202);
    const jobs = await h.settled(TARGET);
    expect(h.crashes).toEqual([]);
    const fix = jobs.find((j) => j.request.kind === "fix");
    expect(fix?.error ?? null).toBeNull();
    expect(fix).toMatchObject({ state: "succeeded", outcome: "succeeded", links: { pullRequestNumber: 7, planCommentId: 20000, branch: BRANCH } });
    for (const s of [hook2, work, model.scope]) expect(s.pendingMocks()).toEqual([]);

    // What was pushed to the real git server.
    expect((await h.git.git("hello-jira", "branch", "--list", "droid/*")).trim()).toBe(BRANCH);
    expect(await h.git.git("hello-jira", "show", `${BRANCH}:src/greet.js`)).toContain('return "stranger";');
    expect(await h.git.git("hello-jira", "log", "-1", "--format=%B", BRANCH)).toContain(`Refs ${TICKET_KEY}.`);

    // The pull request names the ticket with its link.
    expect(prs[0]).toMatchObject({ head: BRANCH, base: "master", draft: false, title: `${TICKET_KEY}: Greeting crashes on an empty name` });
    // The status line, then the ticket's link (no `Closes`: merging closes nothing in Jira; the transitions move the ticket).
    expect(String(prs[0]?.body)).toMatch(new RegExp(`^✅ Done · .*\\n\\nJira: \\[${TICKET_KEY}\\]\\(${jira.url}/browse/${TICKET_KEY}\\)`));
    expect(String(prs[0]?.body)).not.toMatch(/Closes|Refs/);
    expect(checks.completed).toEqual([expect.objectContaining({ conclusion: "success" })]);

    // What the ticket was told: the live plan (start, end with the PR), the remote link, the transitions, the closing report.
    const edits = jira.writes.filter((w) => w.kind === "comment-update").map((w) => adfToMarkdown((w.body as { body: AdfDoc }).body));
    expect(edits[0]).toContain("⏳ Running");
    expect(edits.at(-1)).toContain("✅ Done");
    expect(edits.at(-1)).toMatch(/✅ Done · .* · PR #7/);
    expect(edits.at(-1)).toContain("- **S1 · ✅ done** — ");
    expect(jira.writes.filter((w) => w.kind === "transition").map((w) => w.target)).toEqual(["21", "31"]);
    expect(jira.writes.find((w) => w.kind === "remotelink")?.body).toMatchObject({
      globalId: `droid:${OWNER}/${REPO}#7`,
      object: { url: `https://github.com/${OWNER}/${REPO}/pull/7`, title: `${OWNER}/${REPO}#7: ${TICKET_KEY}: Greeting crashes on an empty name` },
    });
    const report = adfToMarkdown(jira.commentsOf(TICKET_ID).at(-1)?.body as AdfDoc);
    expect(report).toContain("Opened #7 (ready for review)");
    expect(report).not.toContain("<!--");
    expect(jira.propertyOf(TICKET_ID, "droid.plan")).toMatchObject({ stored: { plan: { subtasks: [{ state: "done" }, { state: "done" }] } } });
    jira.assertDone();
  }, 240_000);

  it("answers /droid ask on the ticket in one Jira comment citing the lines of the commit it read", async (ctx) => {
    if (!h.available) return ctx.skip();
    jira.ticket(shopTicket()).user(ADA).expectWrites({ comment: 1 });
    await h.git.createRepo("hello-jira-ask", FIXTURE, { defaultBranch: "master" });
    h.git.serve(`${OWNER}/${REPO}`, "hello-jira-ask");
    await h.startWorker();
    const hook = expectIntake(true);
    const work = expectDroidYml(expectInstallationToken(), DROID_YML, 1);
    const model = scriptModel([
      {
        tool: "submit_answer",
        input: { answer: "`greet` in `src/greet.js` upper-cases what `normalizeName` returns.", citations: [{ path: "src/greet.js", startLine: 5, endLine: 7 }], notFound: [] },
      },
    ]);
    const asked = await sendJiraWebhook(h.server.url, commentCreated(Date.now(), "/droid ask where is the greeting built?", ADA, "10120"));
    expect(asked.status).toBe(202);
    const [job] = (await h.settled(TARGET)).filter((j) => j.request.kind === "ask");
    expect(h.crashes).toEqual([]);
    expect(job?.error ?? null).toBeNull();
    expect(job).toMatchObject({ state: "succeeded", request: { kind: "ask", question: "where is the greeting built?" } });
    for (const s of [hook, work, model.scope]) expect(s.pendingMocks()).toEqual([]);
    expect(JSON.stringify(model.requests[0]?.messages)).toContain("The question was asked on Jira ticket SHOP-7.");
    const answer = adfToMarkdown(jira.commentsOf(TICKET_ID)[0]?.body as AdfDoc);
    expect(answer).toContain("upper-cases what `normalizeName` returns");
    // The link goes to the configured GitHub host (the tests' git server), at the commit that was read.
    expect(answer).toMatch(/\[`src\/greet\.js` lines 5–7\]\(http:\/\/127\.0\.0\.1:\d+\/Codertocat\/Hello-World\/blob\/[0-9a-f]{40}\/src\/greet\.js#L5-L7\)/);
    expect(answer).toContain("**What Droid read**");
    expect(answer).not.toMatch(/<\/?(details|summary|sub)>/);
    jira.assertDone();
  }, 120_000);
});
