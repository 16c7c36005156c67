import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { distanceToChange, lineBefore, parseHunks } from "../../src/incidents/diff-hunks.ts";
import { gatherEvidence } from "../../src/incidents/evidence.ts";
import { newRecord } from "../../src/incidents/build-record.ts";
import { readSentryAlert } from "../../src/sentry/payload.ts";
import { readIncidentRecord } from "../../src/incidents/record.ts";
import { RepoFiles } from "../../src/incidents/repo-paths.ts";
import { renderIncidentReport } from "../../src/github/incident-report.ts";
import { commitFilesFrom, type HistoryCommit } from "../../src/incidents/history.ts";
import { findSuspects, rankSuspects } from "../../src/incidents/suspects.ts";
import { testProbot } from "../helpers/github.ts";
import type { FixtureRepo } from "../helpers/git-history.ts";
import { expectHistory, FIRST_SEEN, SERVICE, shopHistory, VIEWS } from "../helpers/shop-history.ts";
import { INSTALLATION_ID, OWNER, REPO } from "../helpers/payloads.ts";
import { pythonEventAlert, sentrySettings } from "../helpers/sentry.ts";

let repo: FixtureRepo;

beforeAll(() => {
  repo = shopHistory();
});

afterAll(() => repo.remove());

describe("suspects from a real history", () => {
  it("puts the PR that introduced the bug at the top of the incident report", async () => {
    const scope = expectHistory(repo);
    const parsed = readSentryAlert("event_alert", pythonEventAlert());
    if (parsed.kind !== "alert") throw new Error("fixture is not an alert");
    // The alert fired for the first time at the incident's first occurrence.
    parsed.alert.lastSeen = FIRST_SEEN;
    const project = sentrySettings().projects.get("front-end");
    if (!project) throw new Error("no project");
    const record = newRecord(parsed.alert, project, { htmlUrl: `https://github.com/${OWNER}/${REPO}`, defaultBranch: "main" }, FIRST_SEEN);
    const octokit = await testProbot().auth(INSTALLATION_ID);
    const withEvidence = await gatherEvidence(record, {
      files: new RepoFiles(repo.files()),
      graphql: (query, variables) => octokit.graphql(query, variables),
      commitFiles: commitFilesFrom(octokit, { owner: OWNER, name: REPO }),
      repo: { owner: OWNER, name: REPO },
      historyDays: 14,
    });
    expect(scope.isDone()).toBe(true);
    expect(withEvidence.frames.map((f) => f.repoPath)).toEqual([SERVICE, VIEWS, null]);
    expect(withEvidence.suspects[0]?.pullRequest?.number).toBe(12);
    const body = renderIncidentReport({ ...withEvidence, analysis: { summary: "Totals divide by a discount that can be zero.", suspectedCause: null, suggestedFix: null, verification: null, evidence: [] } });
    expect(body).toContain(`- [\`${repo.shas[2]?.slice(0, 7)}\`](https://github.com/${OWNER}/${REPO}/commit/${repo.shas[2]}) Apply cart discount to totals (#12) · [#12](https://github.com/${OWNER}/${REPO}/pull/12) · confidence **high**: changed the failing line ${SERVICE}:45 (frame 1)`);
    expect(body).toContain(`[${SERVICE}#L45](https://github.com/${OWNER}/${REPO}/blob/6dcb09b5b57875f334f61aebed695e2e4193db5e/shop/orders/service.py#L45)`);
    expect(readIncidentRecord(body)?.suspects).toHaveLength(4);
  });

  it("ranks the commit that wrote the failing line first, with its pull request", async () => {
    // The deployed code (before the fix) fails at service.py:45, called from views.py:27.
    expect(repo.git("show", `${repo.shas[4]}:${SERVICE}`).split("\n")[44]).toContain("/ cart.discount");
    const scope = expectHistory(repo);
    const octokit = await testProbot().auth(INSTALLATION_ID);
    const suspects = await findSuspects({
      graphql: (query, variables) => octokit.graphql(query, variables),
      commitFiles: commitFilesFrom(octokit, { owner: OWNER, name: REPO }),
      repo: { owner: OWNER, name: REPO },
      lines: [
        { path: SERVICE, line: 45, weight: 1, frame: 1 },
        { path: VIEWS, line: 27, weight: 0.5, frame: 2 },
      ],
      firstSeen: FIRST_SEEN,
      historyDays: 14,
    });
    expect(scope.isDone()).toBe(true);
    expect(suspects.map((s) => s.pullRequest?.number)).toEqual([12, 14, 13, 11]);
    const [first] = suspects;
    expect(first).toMatchObject({
      sha: repo.shas[2],
      headline: "Apply cart discount to totals (#12)",
      confidence: "high",
      pullRequest: { number: 12, url: `https://github.com/${OWNER}/${REPO}/pull/12` },
    });
    // Line 45 was line 42 when #12 wrote it: the three lines #13 inserted above it are accounted for.
    expect(first?.reasons).toEqual([`changed the failing line ${SERVICE}:45 (frame 1)`]);
    expect(suspects[1]?.reasons).toEqual([`changed the failing line ${VIEWS}:27 (frame 2)`]);
  });
});

function commit(oid: string, date: string, paths: string[]): HistoryCommit {
  return { oid, headline: oid, url: `https://github.com/o/r/commit/${oid}`, committedAt: date, author: null, pullRequest: null, paths };
}

describe("rankSuspects", () => {
  const window = { since: new Date("2026-11-01T00:00:00Z"), until: FIRST_SEEN };

  it("prefers the closer hunk, then the later commit; a commit without a patch still counts a little", () => {
    const near = "@@ -10,3 +10,3 @@ def f():\n a\n-b\n+c\n d";
    const far = "@@ -80,3 +80,3 @@ def g():\n a\n-b\n+c\n d";
    const ranked = rankSuspects(
      [{ path: "f.py", line: 11, weight: 1, frame: 1 }],
      [commit("far", "2026-11-19T00:00:00Z", ["f.py"]), commit("near", "2026-11-02T00:00:00Z", ["f.py"]), commit("nopatch", "2026-11-18T00:00:00Z", ["f.py"])],
      new Map<string, Map<string, string | null>>([
        ["far", new Map<string, string | null>([["f.py", far]])],
        ["near", new Map<string, string | null>([["f.py", near]])],
        ["nopatch", new Map<string, string | null>([["f.py", null]])],
      ]),
      window,
    );
    expect(ranked.map((s) => [s.sha, s.confidence])).toEqual([
      ["near", "high"],
      ["nopatch", "low"],
      ["far", "low"],
    ]);
    expect(ranked[1]?.reasons[0]).toContain("GitHub gave no patch");
  });

  it("ignores commits that touched none of the implicated files", () => {
    expect(rankSuspects([{ path: "f.py", line: 1, weight: 1, frame: 1 }], [commit("x", "2026-11-10T00:00:00Z", ["g.py"])], new Map(), window)).toEqual([]);
  });
});

describe("diff hunks", () => {
  const patch = ["@@ -1,5 +1,8 @@", " a", " b", " c", "+x", "+y", "+z", " d", "-e", "+E", "@@ -40,3 +43,3 @@", " p", "-q", "+Q", " r"].join("\n");

  it("finds changed lines and distances", () => {
    const hunks = parseHunks(patch);
    expect(hunks.map((h) => h.changed)).toEqual([[4, 5, 6, 8], [44]]);
    expect(distanceToChange(hunks, 44)).toBe(0);
    expect(distanceToChange(hunks, 20)).toBe(12);
  });

  it("carries a line back to before the commit", () => {
    const hunks = parseHunks(patch);
    expect(lineBefore(hunks, 3)).toBe(3);
    expect(lineBefore(hunks, 5)).toBeNull();
    expect(lineBefore(hunks, 7)).toBe(4);
    expect(lineBefore(hunks, 20)).toBe(17);
    expect(lineBefore(hunks, 45)).toBe(42);
    expect(lineBefore(hunks, 100)).toBe(97);
  });
});
