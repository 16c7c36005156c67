/**
 * Issue 8 end to end, with the model: a signed Sentry alert over HTTP opens the
 * incident issue and records the rca job; the worker runs it — the investigation
 * (real fixture history, GitHub nocked from it), the repository searched in a real
 * Docker sandbox cloned from a real git server, the analysis from a scripted model —
 * and the published report names the PR that introduced the bug, announced in one comment.
 */
import { execFileSync } from "node:child_process";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { readIncidentRecord } from "../../src/incidents/record.ts";
import type { Worker } from "../../src/jobs/worker.ts";
import { dockerAnswers } from "../helpers/docker.ts";
import { startE2eWorker } from "../helpers/e2e-worker.ts";
import { startGitServer, type GitServer } from "../helpers/git-server.ts";
import { expectConfig, expectInstallationToken, INSTALLATION_TOKEN } from "../helpers/github.ts";
import type { FixtureRepo } from "../helpers/git-history.ts";
import { OWNER, REPO } from "../helpers/payloads.ts";
import { scriptModel } from "../helpers/scripted-model.ts";
import { startIncidentServer, type IncidentServer } from "../helpers/sentry.ts";
import { alertDeployed, expectInvestigation, FIRST_SEEN, SERVICE, shopHistory, VIEWS } from "../helpers/shop-history.ts";

const DISCOUNTS = "shop/orders/discounts.py";


let available = false;
let history: FixtureRepo;
let git: GitServer;
let server: IncidentServer;
let worker: Worker;

beforeAll(async () => {
  available = await dockerAnswers();
  history = shopHistory();
  git = await startGitServer(INSTALLATION_TOKEN);
});
afterAll(async () => {
  history.remove();
  await git.close();
});
beforeEach(async () => {
  server = await startIncidentServer(FIRST_SEEN);
  worker = await startE2eWorker({ queue: server.queue, server: server.running, instance: "e2e-rca", concurrency: 1, crashes: [], autostart: false, env: git.env });
});

afterEach(async () => {
  await worker.stop(5000);
  await server.running.stop();
});


/** The shop as deployed (the history's fifth commit, plus `extra` files) served for the repository; returns the deployed commit. */
async function serveDeployedShop(name: string, extra: Record<string, string> = {}): Promise<string> {
  const deployed = history.shas[4] ?? "";
  const files = Object.fromEntries(history.files().map((path) => [path, execFileSync("git", ["-C", history.dir, "show", `${deployed}:${path}`], { encoding: "utf8" })]));
  await git.createRepo(name, { ...files, ...extra }, { defaultBranch: "master" });
  git.serve(`${OWNER}/${REPO}`, name);
  return deployed;
}

/** The incident issue's job once it has ended (the worker runs it). */
async function incidentJobEnded() {
  for (let i = 0; i < 600; i++) {
    const [job] = await server.queue.listForTarget({ owner: OWNER, name: REPO }, { kind: "issue", number: 42 });
    if (job && job.state !== "queued" && job.state !== "running") return job;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("the incident's job did not end within 30 s");
}

describe("a Sentry alert to a root-cause report", () => {
  it("searches the repository in a sandbox and publishes the model's analysis naming the bug's PR", async (ctx) => {
    if (!available) return ctx.skip();
    // A file no frame names, which the exception's words point at.
    const deployed = await serveDeployedShop("shop", {
      [DISCOUNTS]: '"""Discounts applied to a cart total."""\n\n\ndef discount_for(cart):\n    # A zero discount means none: never a division by zero.\n    return cart.discount or 0\n',
    });
    const bodies: string[] = [];

    // The alert: the incident issue is opened and the rca job recorded (the worker is not running yet).
    await alertDeployed(server, deployed, bodies);

    // The job: config, the investigation, the model, the report.
    const work = expectInstallationToken();
    expectConfig(work);
    expectInvestigation(work, history, deployed, bodies);
    // The report is an edit of the issue's description (no one is notified): one comment announces it.
    const announcements: string[] = [];
    work.post(`/repos/${OWNER}/${REPO}/issues/42/comments`, (b: { body: string }) => announcements.push(b.body) > 0).reply(201, { id: 4201 });
    const model = scriptModel([
      {
        tool: "submit_rca",
        input: {
          summary: "Placing an order fails with ZeroDivisionError when the cart has no discount.",
          suspectedCause: { text: "PR #12 divides the total by `cart.discount`, which is 0 for carts without a discount.", confidence: "high" },
          suggestedFix: "In `shop/orders/service.py` `total`, divide only when `cart.discount` is non-zero.",
          verification: "A test that places an order for a cart with `discount = 0` and expects the undiscounted total.",
          evidence: [{ text: "The failing line divides by cart.discount", url: null }],
        },
      },
    ]);

    worker.start();
    const job = await incidentJobEnded();
    expect(job?.error ?? null).toBeNull();
    expect(job?.state).toBe("succeeded");
    expect(work.pendingMocks()).toEqual([]);
    expect(model.scope.pendingMocks()).toEqual([]);

    // What the model was shown: the sandbox's view of the failing line and the suspects.
    const shown = JSON.stringify(model.requests[0]?.messages);
    expect(shown).toContain(`Source around ${SERVICE}:45`);
    expect(shown).toContain("/ cart.discount)");
    expect(shown).toContain("Apply cart discount to totals (#12)");
    // The index of the searched tree: the crashing function placed, its caller, and a file no frame names.
    expect(shown).toContain("where `total` is defined and used (Droid's index of the tree)");
    expect(shown).toMatch(new RegExp(`defined: ${SERVICE}:\\d+–\\d+ function total: def total\\(cart\\):`));
    expect(shown).toContain(`used: ${VIEWS}:27: total = service.total(cart)`);
    expect(shown).toContain("files no frame names that the exception and the frames' functions most likely concern");
    expect(shown).toContain(`## ${DISCOUNTS}`);

    const report = bodies[1] ?? "";
    const record = readIncidentRecord(report);
    expect(record?.suspects[0]).toMatchObject({ sha: history.shas[2], pullRequest: { number: 12 }, confidence: "high" });
    expect(record?.analysis?.suspectedCause).toMatchObject({ confidence: "high" });
    expect(report).toContain("PR #12 divides the total by `cart.discount`");
    expect(report).toContain("ZeroDivisionError");
    // Analysed, the report leads with the cause and the fix; nothing in it is "pending".
    expect(report.indexOf("### Suspected cause")).toBeLessThan(report.indexOf("### Impact"));
    expect(report.indexOf("### Suggested fix")).toBeLessThan(report.indexOf("### Exception"));
    expect(report).not.toMatch(/pending/i);
    // The status line under the heading: analysed, the cause's confidence, time, cost, the job.
    expect(report).toMatch(new RegExp(`^## Incident: .*\\n\\n🔎 Analysed · cause named \\(confidence high\\) · \\d+ s · [<$][^·]* · job \`${job?.id.slice(0, 8)}\`\\n`, "m"));

    // One comment tells the issue's followers, leading with the suspected cause and the fix.
    expect(announcements).toHaveLength(1);
    expect(announcements[0]).toMatch(
      /^\*\*Root-cause analysis done\.\*\*\n\n\*\*Suspected cause\*\* \(confidence: high\): PR #12 divides the total by `cart\.discount`, which is 0 for carts without a discount\.\n\n\*\*Suggested fix:\*\* In `shop\/orders\/service\.py` `total`, divide only when `cart\.discount` is non-zero\.\n\nThe full report \(evidence, suspect commits, how to verify\) is in this issue's description\. Next: `\/droid fix` carries out the fix and opens a pull request\.\n\n<sub>Droid · job `[0-9a-f]{8}`<\/sub>\n<!-- droid:job [0-9a-f-]{36} -->$/,
    );
  }, 120_000);

  it("says who stopped it when the stop comes while the repository is fetched", async (ctx) => {
    if (!available) return ctx.skip();
    const deployed = await serveDeployedShop("shop-stopped");
    const bodies: string[] = [];
    await alertDeployed(server, deployed, bodies);

    const work = expectInstallationToken();
    expectConfig(work);
    expectInvestigation(work, history, deployed, bodies, { published: false });
    const said: string[] = [];
    work.post(`/repos/${OWNER}/${REPO}/issues/42/comments`, (b: { body: string }) => said.push(b.body) > 0).reply(201, { id: 4202 });
    // The fetch of the repository's objects is held: the stop arrives while it is in flight.
    const { promise: fetched, resolve: fetching } = Promise.withResolvers<void>();
    const release = git.onRequest((r) => (r.method === "POST" && r.service === "git-upload-pack" ? (fetching(), "hold") : "answer"));
    try {
      worker.start();
      await fetched;
      await server.queue.cancel({ owner: OWNER, name: REPO }, { kind: "issue", number: 42 }, "octo-maintainer");
      const job = await incidentJobEnded();
      expect(job).toMatchObject({ state: "cancelled", outcome: "stopped-by-user", stoppedBy: "octo-maintainer" });
      expect(work.pendingMocks()).toEqual([]);
      expect(said).toEqual([expect.stringMatching(/^The root-cause analysis was stopped by `octo-maintainer` \(`\/droid stop`\)\./)]);
    } finally {
      release();
    }
  }, 120_000);
});
