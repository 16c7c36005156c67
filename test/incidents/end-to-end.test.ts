/**
 * Issue 8's "done when", without the model: a signed Sentry alert delivered over
 * HTTP to the running server opens the incident issue and records the rca job; the
 * job's investigation (history of a real fixture repository, GitHub nocked from it)
 * writes back a report whose top suspect is the PR that introduced the bug.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { investigateIncident } from "../../src/runs/rca-investigate.ts";
import { publishIncidentReport } from "../../src/github/incident-publish.ts";
import { readIncidentRecord } from "../../src/incidents/record.ts";
import { expectInstallationToken, testProbot } from "../helpers/github.ts";
import type { FixtureRepo } from "../helpers/git-history.ts";
import { INSTALLATION_ID, OWNER, REPO } from "../helpers/payloads.ts";
import { startIncidentServer, type IncidentServer } from "../helpers/sentry.ts";
import { alertDeployed, expectInvestigation, FIRST_SEEN, SERVICE, shopHistory } from "../helpers/shop-history.ts";


let repo: FixtureRepo;
let server: IncidentServer;

beforeAll(() => {
  repo = shopHistory();
});
afterAll(() => repo.remove());
beforeEach(async () => {
  server = await startIncidentServer(FIRST_SEEN);
});
afterEach(async () => {
  await server.running.stop();
});


describe("a Sentry alert to an incident report", () => {
  it("names the PR that introduced the bug as the top suspect", async () => {
    const deployed = repo.shas[4] ?? "";
    const bodies: string[] = [];

    // 1. The alert: the incident issue is opened and the rca job recorded.
    await alertDeployed(server, deployed, bodies);
    const [job] = await server.queue.listForTarget({ owner: OWNER, name: REPO }, { kind: "issue", number: 42 });
    expect(job?.request).toEqual({ kind: "rca", source: "sentry", sentryIssueId: "1117540176" });
    if (!job) throw new Error("no job");

    // 2. The job's investigation: the issue, the files at the deployed commit, the history, the patches.
    const worker = expectInstallationToken();
    expectInvestigation(worker, repo, deployed, bodies);
    const octokit = await testProbot().auth(INSTALLATION_ID);
    const investigation = await investigateIncident(job.repo, job.target.number, { octokit, historyDays: 14 });
    if (investigation.kind !== "evidence") throw new Error(investigation.message);
    expect(investigation.notes).toEqual([]);
    await publishIncidentReport(octokit, { repo: job.repo, issueNumber: 42, botLogin: "droid[bot]" }, investigation.record);
    expect(worker.isDone()).toBe(true);

    const report = bodies[1] ?? "";
    const top = readIncidentRecord(report)?.suspects[0];
    expect(top).toMatchObject({ sha: repo.shas[2], pullRequest: { number: 12 }, confidence: "high" });
    expect(report).toContain(`[#12](https://github.com/${OWNER}/${REPO}/pull/12) · confidence **high**: changed the failing line ${SERVICE}:45 (frame 1)`);
    expect(report).toContain(`[${SERVICE}#L45](https://github.com/${OWNER}/${REPO}/blob/${deployed}/${SERVICE}#L45)`);
  });
});
