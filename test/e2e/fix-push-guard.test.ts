/**
 * What `/droid fix` will not push, end to end (real server, worker, sandbox and git
 * server; scripted model): a credential the agent wrote into a file, and a change under
 * `.github/workflows/`. Nothing reaches the git server, the run fails with a clear
 * reason, and the comment says which files (and lines) and what to do, never the secret.
 */
import type nock from "nock";
import { describe, expect, it } from "vitest";
import { FIX_EDIT, FIXTURE, containersOf, expectFixJob, sendCommand, useFixHarness } from "../helpers/fix-harness.ts";
import { scriptModel, type Turn } from "../helpers/scripted-model.ts";
import { fakeGitHubToken } from "../fixtures/credentials.ts";

const h = useFixHarness("e2e-push-guard");
const DROID_YML = "setup: []\ntest: node --test\n";

const finishTwice = (summary: string): Turn[] => [
  { tool: "finish", input: { summary } },
  { tool: "finish", input: { summary } },
];

/** Every request body the worker sent to GitHub. */
function bodiesSentTo(scope: nock.Scope): string[] {
  const bodies: string[] = [];
  scope.on("request", (_req: unknown, _interceptor: unknown, body: string) => bodies.push(body));
  return bodies;
}

async function runRefusedFix(repo: string, files: Record<string, string>, turns: Turn[]) {
  await h.git.createRepo(repo, files, { defaultBranch: "master" });
  await h.startWorker();
  const ended = expectFixJob({ droidYml: DROID_YML, pr: false, comments: 1 });
  const sent = bodiesSentTo(ended.work);
  const model = scriptModel(turns);
  const hook = await sendCommand(h, "/droid fix", { commentId: 5001, droidYml: DROID_YML, repo });
  const [job] = await h.settled();
  expect(h.crashes).toEqual([]);
  for (const s of [hook, ended.work, model.scope]) expect(s.pendingMocks()).toEqual([]);
  expect(await containersOf(job?.id)).toEqual([]);
  // Nothing reached the git server: no push, no branch.
  expect(h.git.requests.filter((r) => r.method === "POST" && r.path === `/${repo}.git/git-receive-pack`)).toEqual([]);
  expect((await h.git.git(repo, "branch", "--list", "droid/*")).trim()).toBe("");
  return { ...ended, job, sent };
}

describe("/droid fix: what is not pushed", () => {
  it("a credential in a file the agent wrote: nothing pushed, the comment names file and line, the secret is in no GitHub request", async (ctx) => {
    if (!h.available) return ctx.skip();
    const token = fakeGitHubToken();
    const fixture = `{\n  "user": "ada",\n  "token": "${token}"\n}\n`;
    const { job, comments, planEdits, sent } = await runRefusedFix("hello-secret", FIXTURE, [
      { tool: "str_replace_based_edit_tool", input: FIX_EDIT },
      { tool: "str_replace_based_edit_tool", input: { command: "create", path: "test/fixtures/account.json", file_text: fixture } },
      ...finishTwice(`Fixed the greeting; the fixture uses the token ${token} from the CI logs.`),
    ]);

    expect(job).toMatchObject({ state: "failed", error: "not pushed: the secret scan found a possible credential in the changes" });
    expect(comments[0]).toContain("**I did not push these changes:** the secret scan found a possible credential in the changes.");
    expect(comments[0]).toContain("- `test/fixtures/account.json:3` — GITHUB_TOKEN (rule `github`)");
    expect(comments[0]).toContain("`secretScan.allowPaths`");
    expect(comments[0]).not.toContain("The patch");
    expect(planEdits.at(-1)).toContain("⛔ Not pushed");
    expect(sent.join("\n")).toContain("I did not push these changes");
    for (const body of sent) expect(body).not.toContain(token);
  }, 180_000);

  it("a change under .github/workflows/: nothing pushed, the comment names the file, explains the permission and offers the patch", async (ctx) => {
    if (!h.available) return ctx.skip();
    const workflow = "name: ci\non: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n";
    const { job, comments } = await runRefusedFix("hello-workflows", { ...FIXTURE, ".github/workflows/ci.yml": workflow }, [
      { tool: "str_replace_based_edit_tool", input: FIX_EDIT },
      { tool: "str_replace_based_edit_tool", input: { command: "str_replace", path: ".github/workflows/ci.yml", old_str: "      - uses: actions/checkout@v4\n", new_str: "      - uses: actions/checkout@v4\n      - run: node --test\n" } },
      ...finishTwice("Fixed the greeting and ran the tests in CI."),
    ]);

    expect(job).toMatchObject({ state: "failed", error: "not pushed: the changes touch `.github/workflows/`, which Droid's GitHub App is not allowed to push" });
    expect(comments[0]).toContain("**Workflow files:** `.github/workflows/ci.yml` (modified).");
    expect(comments[0]).toContain("has no `workflows` permission, by design");
    expect(comments[0]).toContain("`/droid fix without changing the workflows`");
    expect(comments[0]).toContain("<details><summary>The patch");
    expect(comments[0]).toContain("+      - run: node --test");
    expect(comments[0]).toContain('+  return "stranger";');
  }, 180_000);
});
