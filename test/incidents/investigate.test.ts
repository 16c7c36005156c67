import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { investigateIncident, repositoryFiles } from "../../src/runs/rca-investigate.ts";
import { publishIncidentReport } from "../../src/github/incident-publish.ts";
import { readIncidentRecord } from "../../src/incidents/record.ts";
import { renderIncidentReport } from "../../src/github/incident-report.ts";
import type { RepoRef } from "../../src/jobs/types.ts";
import { expectInstallationToken, testProbot } from "../helpers/github.ts";
import type { FixtureRepo } from "../helpers/git-history.ts";
import { example, INSTALLATION_ID, OWNER, REPO } from "../helpers/payloads.ts";
import { expectHistory, FIRST_SEEN, SERVICE, shopHistory } from "../helpers/shop-history.ts";

const ISSUES = `/repos/${OWNER}/${REPO}/issues`;
const ref: RepoRef = { owner: OWNER, name: REPO, installationId: INSTALLATION_ID, defaultBranch: "main" };

const USER_ISSUE = `Checkout crashes for carts without a discount.

\`\`\`
Traceback (most recent call last):
  File "/app/shop/views.py", line 27, in place_order
    total = service.total(cart)
  File "/app/shop/orders/service.py", line 45, in total
    return _round(sum(i.price for i in cart.items) / cart.discount)
ZeroDivisionError: division by zero
\`\`\`
`;

let repo: FixtureRepo;
beforeAll(() => {
  repo = shopHistory();
});
afterAll(() => repo.remove());

describe("/droid rca on a user's issue", () => {
  it("reads the trace from the description and reports in Droid's own comment, leaving the description alone", async () => {
    const comments: string[] = [];
    const scope = expectInstallationToken();
    scope.get(`${ISSUES}/1`).reply(200, { ...example("issues", "opened").issue, number: 1, title: "Checkout crashes", body: USER_ISSUE, created_at: FIRST_SEEN.toISOString() });
    scope.get(`/repos/${OWNER}/${REPO}/git/trees/main`).query({ recursive: "true" }).reply(200, repo.treeResponse(repo.shas[4] ?? ""));
    expectHistory(repo, scope);
    // Someone pasted a marker into their own comment: it is not Droid's, so it is not edited.
    const forged = renderFor();
    scope
      .get(`${ISSUES}/1/comments`)
      .query({ per_page: "100" })
      .reply(200, [{ ...example("issue_comment", "created").comment, id: 7, body: forged, user: { ...example("issue_comment", "created").comment.user, login: "mallory" } }])
      .post(`${ISSUES}/1/comments`, (body: { body: string }) => comments.push(body.body) > 0)
      .reply(201, { id: 99 });

    const octokit = await testProbot().auth(INSTALLATION_ID);
    const investigation = await investigateIncident(ref, 1, { octokit, historyDays: 14 });
    if (investigation.kind !== "evidence") throw new Error(investigation.message);
    expect(investigation.record.source).toBe("issue");
    expect(investigation.record.suspects[0]?.pullRequest?.number).toBe(12);
    const published = await publishIncidentReport(octokit, { repo: ref, issueNumber: 1, botLogin: "droid[bot]" }, investigation.record);
    expect(scope.isDone()).toBe(true);
    expect(published).toEqual({ kind: "comment", commentId: 99, created: true });
    expect(comments[0]).toContain("> stack trace from this issue");
    expect(comments[0]).toContain(`changed the failing line ${SERVICE}:45 (frame 1)`);
  });

  it("edits its own report comment on a later run", async () => {
    const record = readIncidentRecord(renderFor());
    if (!record) throw new Error("no record");
    const edits: string[] = [];
    const droidComment = { ...example("issue_comment", "created").comment, id: 55, body: renderFor(), user: { ...example("issue_comment", "created").comment.user, login: "droid[bot]", type: "Bot" } };
    const scope = expectInstallationToken();
    scope
      .get(`${ISSUES}/1/comments`)
      .query({ per_page: "100" })
      .reply(200, [droidComment])
      .patch(`/repos/${OWNER}/${REPO}/issues/comments/55`, (body: { body: string }) => edits.push(body.body) > 0)
      .reply(200, droidComment);
    const octokit = await testProbot().auth(INSTALLATION_ID);
    const published = await publishIncidentReport(octokit, { repo: ref, issueNumber: 1, botLogin: "droid[bot]" }, { ...record, title: "second run" });
    expect(scope.isDone()).toBe(true);
    expect(published).toEqual({ kind: "comment", commentId: 55, created: false });
    expect(edits[0]).toContain("## Incident: `second run`");
  });

  it("answers plainly when the description holds no trace", async () => {
    const scope = expectInstallationToken();
    scope.get(`${ISSUES}/1`).reply(200, { ...example("issues", "opened").issue, number: 1, body: "It is slow." });
    const octokit = await testProbot().auth(INSTALLATION_ID);
    const investigation = await investigateIncident(ref, 1, { octokit, historyDays: 14 });
    expect(investigation).toEqual({ kind: "no-trace", message: expect.stringContaining("I found no stack trace") });
    expect(scope.isDone()).toBe(true);
  });
});

describe("repositoryFiles", () => {
  it("falls back to the default branch when the deployed commit is unknown, and says so", async () => {
    const unknown = "f".repeat(40);
    const scope = expectInstallationToken();
    scope
      .get(`/repos/${OWNER}/${REPO}/git/trees/${unknown}`)
      .query({ recursive: "true" })
      .reply(404, { message: "Not Found" })
      .get(`/repos/${OWNER}/${REPO}/git/trees/main`)
      .query({ recursive: "true" })
      .reply(200, { ...repo.treeResponse(repo.shas[4] ?? ""), truncated: true });
    const octokit = await testProbot().auth(INSTALLATION_ID);
    const listing = await repositoryFiles(octokit, ref, unknown);
    expect(scope.isDone()).toBe(true);
    expect(listing.files).toEqual(["shop/orders/service.py", "shop/views.py"]);
    expect(listing.notes).toEqual([
      "the deployed commit ffffffffffff is not in this repository; files were listed from main",
      "the repository has more files than GitHub lists at once; some frames may not be placed",
    ]);
  });
});

/** An incident issue body, as someone could copy it. */
function renderFor(): string {
  return renderIncidentReport({
    version: 1, source: "issue", sentryIssueId: null, project: null, title: "copied", link: null, shortId: null, level: null,
    environment: null, release: null, culprit: null, alerts: 0, eventCount: null, userCount: null, firstSeen: null, lastSeen: null,
    exception: null, frames: [], repoUrl: "https://github.com/x/y", defaultBranch: "main", deployedCommit: null, timeline: [],
    suspects: [], analysis: null,
  });
}
