/**
 * End to end: `/droid ask <question>` as a signed webhook into the real server, the job
 * through the queue and the worker, the repository cloned from a real git server (the
 * configured `GHE_HOST`), a scripted model (Anthropic nocked) that looks a symbol up, cites
 * lines that do not exist, is sent back, and cites the right ones; ONE comment whose citation
 * links to the exact lines of the commit that was read. A non-writer gets the usual refusal.
 */
import { describe, expect, it } from "vitest";
import { HELLO_REPO } from "../fixtures/hello-repo.ts";
import { useCodeServer } from "../helpers/code-server.ts";
import { expectComment, expectConfig, expectInstallationToken, expectPermission, WEBHOOK_SECRET } from "../helpers/github.ts";
import { issueComment, OWNER, REPO } from "../helpers/payloads.ts";
import { scriptModel } from "../helpers/scripted-model.ts";
import { sendWebhook } from "../helpers/webhook.ts";

const REPO_API = `/repos/${OWNER}/${REPO}`;
const h = useCodeServer("hello-ask", () => HELLO_REPO);

const answer = (endLine: number) => ({
  answer: "The greeting is built by `greet` in `src/greet.ts`: it upper-cases the name that `normalizeName` returns and wraps it in `Hello, …!`.",
  citations: [{ path: "src/greet.ts", startLine: 7, endLine }],
  notFound: ["No localisation of the greeting exists."],
});

describe("/droid ask", () => {
  it("answers in one comment whose citation links to the right file and lines of the commit it read", async () => {
    const payload = issueComment("/droid ask where is the greeting built?");
    const hook = expectInstallationToken();
    expectConfig(hook);
    expectPermission(hook, OWNER, "write");
    hook.post(`${REPO_API}/issues/comments/${payload.comment.id}/reactions`, { content: "eyes" }).reply(201, { id: 1 });
    const work = expectInstallationToken();
    expectConfig(work);
    work.get(`${REPO_API}/issues/1`).reply(200, { number: 1, title: "Greeting crashes on an empty name", body: "`greet(\"\")` throws.", user: { login: OWNER, type: "User" }, html_url: `https://github.com/${OWNER}/${REPO}/issues/1` });
    const posted: string[] = [];
    expectComment(work, posted);
    const model = scriptModel([
      { tool: "find_symbol", input: { name: "greet" } },
      { tool: "submit_answer", input: answer(90) },
      { tool: "submit_answer", input: answer(9) },
    ]);

    const response = await sendWebhook(h.server.url, "issue_comment", payload, { secret: WEBHOOK_SECRET });
    expect(response.status).toBe(200);
    const [job] = await h.settled();
    for (const s of [hook, work, model.scope]) expect(s.pendingMocks()).toEqual([]);
    expect(job).toMatchObject({ state: "succeeded", request: { kind: "ask", question: "where is the greeting built?" } });
    expect(job?.costUsd).toBeGreaterThan(0);

    // What the model was shown: the relevant code, the question as the writer's instruction; a lookup; the bad lines sent back.
    const first = JSON.stringify(model.requests[0]?.messages);
    expect(first).toContain("## src/greet.ts");
    expect(first).toContain("INSTRUCTION — the question (by @Codertocat, who has write access)");
    expect(model.requests[0]?.tools?.map((t) => ("name" in t ? t.name : t.type))).toEqual(["submit_answer", "view_file", "search_code", "find_files", "find_symbol"]);
    expect(model.toolResults(1)[0]).toContain("defined: src/greet.ts:7-9 function export function greet(name: string): string");
    expect(model.toolResults(2)[0]).toContain("citations.0: `src/greet.ts` has 10 lines; lines 7–90 do not exist");

    // One comment: the answer, a link to the exact lines of the commit that was read, what was not found.
    expect(posted).toHaveLength(1);
    const body = posted[0] ?? "";
    const commit = (await h.git.git("hello-ask", "rev-parse", "master")).trim();
    expect(body).toContain("> **@Codertocat asked:** where is the greeting built?");
    expect(body).toContain("The greeting is built by `greet` in `src/greet.ts`");
    const link = `${h.git.url}/${OWNER}/${REPO}/blob/${commit}/src/greet.ts#L7-L9`;
    expect(body).toContain(`1. [\`src/greet.ts\` lines 7–9](${link})`);
    // The link is right: at that commit, those lines of that file are the greeting.
    const lines = (await h.git.git("hello-ask", "show", `${commit}:src/greet.ts`)).split("\n").slice(6, 9);
    expect(lines[0]).toBe("export function greet(name: string): string {");
    expect(body).toContain("**Not found in the code:**\n- No localisation of the greeting exists.");
    expect(body).toContain("Droid explored the code (1 call(s)): find symbol `\"greet\"`");
    expect(body).toMatch(/<sub>Droid · model `claude-sonnet-5-5` · .* · job `[0-9a-f]{8}`<\/sub>/);
    expect(body).toContain("Nothing was changed.");
  }, 120_000);

  it("refuses a non-writer with the usual message and records no job", async () => {
    const payload = issueComment("/droid ask where is the greeting built?", { login: "stranger" });
    const hook = expectInstallationToken();
    expectConfig(hook);
    expectPermission(hook, "stranger", "read");
    const replies: string[] = [];
    expectComment(hook, replies);
    const response = await sendWebhook(h.server.url, "issue_comment", payload, { secret: WEBHOOK_SECRET });
    expect(response.status).toBe(200);
    await h.server.outbox.drain();
    expect(hook.pendingMocks()).toEqual([]);
    expect(replies).toEqual([expect.stringContaining("Sorry @stranger, only people with write access to this repository can ask Droid to work.")]);
    expect(await h.queue.listForTarget({ owner: OWNER, name: REPO }, { kind: "issue", number: 1 })).toEqual([]);
  });
});
