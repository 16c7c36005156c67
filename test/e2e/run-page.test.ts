/**
 * The run page in a real browser (Debian's Chromium driven by playwright-core): a real
 * `/droid fix` run (the e2e fix harness: real server, worker, git server and Docker
 * sandbox, a scripted model) records its transcript; a reader signs in through the App's
 * OAuth flow and sees its plan, tool calls, a digest, the diff and the outcome; an outsider
 * signed in gets 404; nobody signed in gets the sign-in page; a `<script>` in the issue body
 * is text. GitHub's side of the sign-in is nocked strictly (the code exchange, the user, the
 * access check); GitHub's authorize page is the only thing faked for the browser: a
 * loopback server standing in for a GitHub Enterprise host (`http://127.0.0.1:<port>`),
 * which redirects back with the code. (Playwright's routes do not see the requests a
 * redirect makes, so the authorize page is a real server, not a browser route.) The success rates page (`/runs/stats`) shows a reader the
 * repositories they can read, an operator (`DROID_OPERATORS`) every one without asking GitHub.
 * Screenshots go to `test-results/`.
 */
import { mkdirSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import nock from "nock";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SqliteTranscriptStore } from "../../src/jobs/sqlite-transcripts.ts";
import { runPagesRoute } from "../../src/pages/index.ts";
import type { GitHubHost } from "../../src/config/github-host.ts";
import { freePort } from "../../src/server.ts";
import { DROID_YML, FIXTURE, GREETING_FIX_TURNS, ISSUE, expectFixJob, sendCommand, useFixHarness } from "../helpers/fix-harness.ts";
import { silentLog } from "../helpers/github.ts";
import { OWNER, REPO } from "../helpers/payloads.ts";
import { FIX, newJob } from "../jobs/fixtures.ts";
import type { JobQueue } from "../../src/jobs/queue.ts";
import { scriptModel } from "../helpers/scripted-model.ts";

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = path.resolve("test-results");
const CLIENT = { id: "Iv1.runpagestest", secret: "run-pages-client-secret-0123456789" };
const dataDir = path.join(tmpdir(), `droid-run-pages-${process.pid}`);
let port = 0;
let publicUrl = "";
let transcripts: SqliteTranscriptStore | undefined;
let browser: Browser | undefined;
/** The GitHub host of the sign-in: a loopback server whose only page is the authorize page. */
let githubHost: GitHubHost = { protocol: "http", host: "127.0.0.1:0" };
let githubWeb = "";
let authorizePage: Server | undefined;
/** Every authorize request the browser made (checked by the test). */
const authorizations: URL[] = [];

const h = useFixHarness("e2e-run-page", () => ({
  port,
  publicUrl,
  ...(transcripts ? { transcripts } : {}),
  runPages: (queue) =>
    runPagesRoute({
      settings: { enabled: true, clientId: CLIENT.id, clientSecret: CLIENT.secret, sessionSecret: null, sessionMs: 3_600_000 },
      publicUrl,
      githubHost,
      accessCacheMs: 60_000,
      queue,
      transcripts: need(transcripts),
      operators: ["Octo-Operator"],
      log: silentLog,
    }),
}));

beforeAll(async () => {
  port = await freePort();
  publicUrl = `http://127.0.0.1:${port}`;
  authorizePage = await startAuthorizePage();
  githubWeb = `${githubHost.protocol}://${githubHost.host}`;
  rmSync(dataDir, { recursive: true, force: true });
  transcripts = new SqliteTranscriptStore({ dataDir });
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    // Playwright starts Chromium with a fresh temporary profile (--user-data-dir) of its own and removes it on close.
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((done) => (authorizePage ? authorizePage.close(done) : done(undefined)));
  await transcripts?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const SCRIPT_BODY = '`greet("")` throws a TypeError. <script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">';

describe("the run page", () => {
  it("shows a reader the whole fix run; an outsider gets 404 and a stranger the sign-in page; a script in the issue is text", async (ctx) => {
    if (!h.available) return ctx.skip();
    await h.git.createRepo("hello-pages", FIXTURE, { defaultBranch: "master" });
    const worker = await h.startWorker();
    const { work, prs, comments, checks } = expectFixJob({ pr: true, issue: { ...ISSUE, body: SCRIPT_BODY } });
    const model = scriptModel(GREETING_FIX_TURNS);
    const hook = await sendCommand(h, "/droid fix", { commentId: 5101, droidYml: DROID_YML, repo: "hello-pages" });
    const [job] = await h.settled();
    expect(job).toMatchObject({ state: "succeeded", error: null });
    for (const s of [hook, work, model.scope]) expect(s.pendingMocks()).toEqual([]);
    const runUrl = `${publicUrl}/runs/${job?.id}`;

    // Droid's comment, pull request and `Droid` check link to the page.
    // Comments name the short id, linked to the run page, which shows the full id.
    expect(comments[0]).toContain(`[job \`${job?.id.slice(0, 8)}\`](${runUrl})`);
    expect(String(prs[0]?.body)).toContain(runUrl);
    expect(checks.created).toEqual([expect.objectContaining({ name: "Droid", details_url: runUrl })]);

    // Someone not signed in: the sign-in page, nothing of the run.
    const stranger = await fresh();
    const anonymous = await stranger.page.goto(runUrl);
    expect(anonymous?.status()).toBe(401);
    expect(await stranger.page.textContent("h1")).toContain("Sign in");
    expect(await stranger.page.content()).not.toContain("Greeting crashes");
    await stranger.page.screenshot({ path: path.join(ARTIFACTS, "run-page-sign-in.png"), fullPage: true });
    // A forged session cookie is no session.
    await stranger.context.addCookies([{ name: "droid_session", value: "eyJrIjoic2Vzc2lvbiJ9.forged", url: publicUrl }]);
    expect((await stranger.page.goto(runUrl))?.status()).toBe(401);
    await stranger.context.close();

    // A reader signs in through GitHub and lands on the run.
    const reader = await fresh();
    const signedIn = signIn("ghu_readertoken0123456789", "reader", 200);
    const started = performance.now();
    await reader.page.goto(runUrl);
    await signInThroughGitHub(reader.page, runUrl);
    await reader.page.waitForSelector("#timeline");
    const signInMs = performance.now() - started;
    for (const s of signedIn) expect(s.pendingMocks()).toEqual([]);

    const text = await reader.page.innerText("main");
    expect(text).toContain("Signed in as reader");
    expect(text).toContain(`job ${job?.id}`);
    expect(text).toContain("Greeting crashes on an empty name");
    // The plan, with the states the agent left.
    expect(await reader.page.innerText("ul.plan")).toMatch(/S1[\s\S]*\(done\)[\s\S]*S2[\s\S]*\(done\)/);
    expect(text).toContain("Both tests pass");
    // Tool calls and their results as the model saw them: the digest of the failing test run.
    expect(text).toContain("calls run_tests");
    expect(text).toContain("calls str_replace_based_edit_tool");
    const digests = await reader.page.locator("pre.digest").allTextContents();
    expect(digests.some((d) => /1 failed/.test(d))).toBe(true);
    expect(text).toMatch(/tests ✅ .*0 failed, 2 passed/);
    // The diff and the outcome.
    expect(await reader.page.innerText("pre.diff")).toContain('+  return "stranger";');
    expect(text).toMatch(/Outcome\s+succeeded/);
    expect(text).toContain("pull request #7");
    // The issue body's markup is text: shown, never run.
    expect(await reader.page.innerText(".issue-body")).toContain("<script>window.__pwned = 1</script>");
    expect(await reader.page.evaluate("window.__pwned")).toBeUndefined();
    expect(await reader.page.locator(".issue-body img, .issue-body script").count()).toBe(0);
    // Readable on a phone: nothing wider than the screen.
    expect(await reader.page.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);
    const html = await reader.page.content();
    expect(html).not.toContain("ghu_readertoken");
    await reader.page.screenshot({ path: path.join(ARTIFACTS, "run-page-reader.png"), fullPage: true });

    // A full command log, as text.
    const logHref = await reader.page.locator("li.tool-result a").first().getAttribute("href");
    const log = await reader.page.request.get(`${publicUrl}${logHref}`);
    expect(log.headers()["content-type"]).toBe("text/plain; charset=utf-8");
    expect(await log.text()).toMatch(/greets a stranger/);

    // The repository's index lists the run.
    await reader.page.goto(`${publicUrl}/runs?repo=${OWNER}/${REPO}`);
    expect(await reader.page.innerText("main")).toContain("Greeting crashes on an empty name");
    await reader.page.screenshot({ path: path.join(ARTIFACTS, "run-index.png"), fullPage: true });

    // Success rates: the fix run (its pull request merged since), and a run in a repository the reader cannot read.
    await worker.stop();
    await h.queue.recordMerge({ repo: REPO_KEY, number: 7, mergedAt: new Date() });
    await endedJob(h.queue, SECRET_REPO);
    const secretChecks = accessCheck("ghu_readertoken0123456789", SECRET_REPO, 404);
    await reader.page.click("text=success rates");
    await reader.page.waitForURL(`${publicUrl}/runs/stats?repo=${OWNER}/${REPO}`);
    expect(await reader.page.innerText("main")).toMatch(new RegExp(`${REPO_KEY} · fix\\s+runs 1 · median [^·]+ · median cost \\$\\d\\.\\d\\d · pull requests 1, merged 1 \\(100 %\\)\\s+succeeded 100 % \\(1\\)`));
    await reader.page.goto(`${publicUrl}/runs/stats?since=7d`);
    const rates = await reader.page.innerText("main");
    expect(rates).toContain("Your repositories");
    expect(rates).toContain(`${REPO_KEY} · fix`);
    expect(rates).not.toContain(SECRET_REPO);
    expect(await reader.page.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);
    await reader.page.screenshot({ path: path.join(ARTIFACTS, "run-stats.png"), fullPage: true });
    // The form picks another period; a repository the reader cannot read is not found.
    await reader.page.selectOption("select[name=since]", "1d");
    await reader.page.click("form.filters button");
    await reader.page.waitForURL(/since=1d/);
    expect(await reader.page.innerText("main")).toContain(`${REPO_KEY} · fix`);
    expect((await reader.page.goto(`${publicUrl}/runs/stats?repo=${SECRET_REPO}`))?.status()).toBe(404);
    expect((await reader.page.goto(`${publicUrl}/runs/stats?since=soon`))?.status()).toBe(400);
    for (const s of secretChecks) expect(s.pendingMocks()).toEqual([]);

    // Timings: a fresh load of the finished page.
    const loadStarted = performance.now();
    const again = await reader.page.goto(runUrl, { waitUntil: "load" });
    const loadMs = performance.now() - loadStarted;
    const bytes = (await again?.body())?.length ?? 0;
    console.log(`run page: ${bytes} bytes of HTML, loaded in ${Math.round(loadMs)} ms (sign-in round trip ${Math.round(signInMs)} ms)`);
    await reader.context.close();

    // Someone who cannot read the repository: signed in, but 404, and nothing of the run.
    const outsider = await fresh();
    const refused = signIn("ghu_outsidertoken012345678", "mallory", 404);
    await outsider.page.goto(runUrl);
    await signInThroughGitHub(outsider.page, runUrl);
    expect(await outsider.page.textContent("h1")).toBe("Not found");
    const outsiderHtml = await outsider.page.content();
    expect(outsiderHtml).not.toContain("Greeting crashes");
    expect(outsiderHtml).not.toContain("stranger");
    expect((await outsider.page.goto(`${publicUrl}/runs?repo=${OWNER}/${REPO}`))?.status()).toBe(404);
    expect((await outsider.page.goto(`${runUrl}/live?after=0`))?.status()).toBe(404);
    // Success rates: nothing the outsider cannot read (each repository asked once).
    const outsiderChecks = accessCheck("ghu_outsidertoken012345678", SECRET_REPO, 404);
    expect((await outsider.page.goto(`${publicUrl}/runs/stats`))?.status()).toBe(200);
    const outsiderRates = await outsider.page.innerText("main");
    expect(outsiderRates).toContain("No job ended in this period.");
    expect(outsiderRates).not.toContain(REPO_KEY);
    for (const s of [...refused, ...outsiderChecks]) expect(s.pendingMocks()).toEqual([]);
    await outsider.page.screenshot({ path: path.join(ARTIFACTS, "run-page-outsider.png"), fullPage: true });
    await outsider.context.close();

    // An operator sees every repository's rates; GitHub is asked for no repository (none is nocked).
    const operator = await fresh();
    const operatorSignIn = signIn("ghu_operatortoken01234567", "octo-operator", null);
    expect((await operator.page.goto(`${publicUrl}/runs/stats`))?.status()).toBe(401);
    await signInThroughGitHub(operator.page, `${publicUrl}/runs/stats`);
    const all = await operator.page.innerText("main");
    expect(all).toContain("All repositories");
    expect(all).toContain(`${REPO_KEY} · fix`);
    expect(all).toMatch(new RegExp(`${SECRET_REPO} · fix\\s+runs 1 .*\\s+turn-limit 100 % \\(1\\)`));
    expect((await operator.page.goto(`${publicUrl}/runs/stats?repo=${SECRET_REPO}`))?.status()).toBe(200);
    for (const s of operatorSignIn) expect(s.pendingMocks()).toEqual([]);
    await operator.context.close();
    // Three sign-ins went through GitHub's authorize page, each for this App and back to Droid's callback.
    expect(authorizations.map((u) => [u.pathname, u.searchParams.get("redirect_uri")])).toEqual(Array.from({ length: 3 }, () => ["/login/oauth/authorize", `${publicUrl}/runs/oauth/callback`]));
  }, 240_000);
});

/** Clicks "Sign in with GitHub" and waits until Droid's callback has sent the browser on to `landing` (a page that may be the one it started on). */
async function signInThroughGitHub(page: Page, landing: string): Promise<void> {
  const callback = page.waitForResponse((r) => r.url().startsWith(`${publicUrl}/runs/oauth/callback`));
  await page.click("a.signin");
  expect((await callback).status()).toBe(302);
  await page.waitForURL(landing);
  await page.waitForLoadState("load");
}

/** A new browser context on a phone-sized screen. */
async function fresh(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await need(browser).newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1 });
  return { context, page: await context.newPage() };
}

/** GitHub's authorize page on a loopback port: checks the App's client id and sends the user straight back with a code. */
async function startAuthorizePage(): Promise<Server> {
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    authorizations.push(url);
    const redirect = url.searchParams.get("redirect_uri");
    if (request.method !== "GET" || url.pathname !== "/login/oauth/authorize" || url.searchParams.get("client_id") !== CLIENT.id || !redirect) {
      response.writeHead(400).end("not an authorize request of this App");
      return;
    }
    const back = new URL(redirect);
    back.searchParams.set("code", "the-code");
    back.searchParams.set("state", url.searchParams.get("state") ?? "");
    response.writeHead(302, { location: back.toString() }).end();
  });
  await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("authorize page has no port");
  githubHost = { protocol: "http", host: `127.0.0.1:${address.port}` };
  return server;
}

/** GitHub's side of one sign-in: the code exchanged for `token`, the user, and one access check answered `repoStatus` (none when null). */
function signIn(token: string, login: string, repoStatus: number | null): nock.Scope[] {
  const web = nock(githubWeb)
    .post("/login/oauth/access_token", (b: Record<string, string>) => b.client_id === CLIENT.id && b.client_secret === CLIENT.secret && b.code === "the-code" && b.redirect_uri === `${publicUrl}/runs/oauth/callback`)
    .reply(200, { access_token: token, token_type: "bearer", scope: "" });
  const api = nock(githubWeb, { reqheaders: { authorization: `token ${token}` } })
    .get("/api/v3/user")
    .reply(200, { login, id: 1 });
  return repoStatus === null ? [web, api] : [web, api, ...accessCheck(token, `${OWNER}/${REPO}`, repoStatus)];
}

/** GitHub answering whether `token`'s user can read `repo`, once. */
function accessCheck(token: string, repo: string, status: number): nock.Scope[] {
  return [
    nock(githubWeb, { reqheaders: { authorization: `token ${token}` } })
      .get(`/api/v3/repos/${repo}`)
      .reply(status, status === 200 ? { full_name: repo, private: true } : { message: "Not Found" }),
  ];
}

const REPO_KEY = `${OWNER}/${REPO}`.toLowerCase();
const SECRET_REPO = "other/secret";

/** A fix job in `repo` that ran and hit its turn limit (recorded straight into the store). */
async function endedJob(queue: JobQueue, repo: string): Promise<void> {
  const { job } = await queue.enqueue(newJob({ repo, number: 3, request: FIX }));
  await queue.claim("seed", ["fix"]);
  await queue.finish(job.id, { state: "failed", error: "limit reached", kind: "turn-limit" }, { costUsd: 0.25 });
}

function need<T>(value: T | undefined): T {
  if (value === undefined) throw new Error("not started");
  return value;
}
