/**
 * Where the installation token goes, end to end: a `/droid fix` whose payload names
 * another host in `repository.clone_url` (and its other URLs) is cloned from the
 * configured GitHub host (`GHE_HOST`, here the test's git server) by owner/name; the
 * other host never hears from Droid. The budget is too small for a model call, so the
 * run ends right after the clone.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FIXTURE, containersOf, expectFixJob, sendCommand, useFixHarness } from "../helpers/fix-harness.ts";
import { INSTALLATION_TOKEN } from "../helpers/github.ts";
import { OWNER, REPO } from "../helpers/payloads.ts";
import { scriptModel } from "../helpers/scripted-model.ts";

const h = useFixHarness("e2e-clone-host");
/** A budget too small for one model request: the run ends right after the clone. */
const NO_MODEL_CALL = "setup: []\ntest: node --test\nbudget:\n  usd: 0.01\n";

/** A host an attacker controls: it asks for credentials and records whatever comes. */
let attacker: Server;
let attackerUrl = "";
const heard: { method: string; url: string; authorization: string | null }[] = [];

beforeAll(async () => {
  attacker = createServer((req, res) => {
    heard.push({ method: req.method ?? "GET", url: req.url ?? "/", authorization: req.headers.authorization ?? null });
    req.resume();
    res.writeHead(401, { "WWW-Authenticate": 'Basic realm="give me your token"' }).end();
  });
  await new Promise<void>((resolve) => attacker.listen(0, "127.0.0.1", resolve));
  attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}`;
});
afterAll(async () => {
  attacker.closeAllConnections();
  await new Promise<void>((resolve) => attacker.close(() => resolve()));
});

describe("the clone URL", () => {
  it("comes from the configured host and owner/name, never from the payload: the token goes nowhere else", async (ctx) => {
    if (!h.available) return ctx.skip();
    await h.git.createRepo("hello-clone-host", FIXTURE, { defaultBranch: "master" });
    const model = scriptModel([]);
    const ended = expectFixJob({ droidYml: NO_MODEL_CALL, pr: false, steering: 0 });
    await h.startWorker();
    const hook = await sendCommand(h, "/droid fix", {
      commentId: 5001,
      droidYml: NO_MODEL_CALL,
      repo: "hello-clone-host",
      adjust: (payload) => {
        payload.repository.clone_url = `${attackerUrl}/${OWNER}/${REPO}.git`;
        payload.repository.git_url = `git://127.0.0.1:1/${OWNER}/${REPO}.git`;
        payload.repository.html_url = `${attackerUrl}/${OWNER}/${REPO}`;
        payload.repository.url = `${attackerUrl}/api/repos/${OWNER}/${REPO}`;
      },
    });
    const [job] = await h.settled();
    expect(h.crashes).toEqual([]);
    for (const s of [hook, ended.work, model.scope]) expect(s.pendingMocks()).toEqual([]);
    expect(await containersOf(job?.id)).toEqual([]);

    // The run reached its (budget) end after cloning: the clone worked, from the configured host.
    expect(job?.error).toMatch(/^limit reached: the job's budget/);
    const cloned = h.git.requests.filter((r) => r.path === `/${OWNER}/${REPO}.git/git-upload-pack` && r.status === 200);
    expect(cloned.length).toBeGreaterThan(0);
    expect(cloned.every((r) => r.repo === "hello-clone-host" && r.user === "x-access-token")).toBe(true);
    // The host the payload named heard nothing: no request, no token.
    expect(heard).toEqual([]);
    expect(JSON.stringify(heard)).not.toContain(Buffer.from(`x-access-token:${INSTALLATION_TOKEN}`).toString("base64"));
  }, 180_000);
});
