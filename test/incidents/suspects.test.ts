import type nock from "nock";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { distanceToChange, lineBefore, parseHunks } from "../../src/incidents/diff-hunks.ts";
import { gatherEvidence } from "../../src/incidents/evidence.ts";
import { newRecord } from "../../src/incidents/build-record.ts";
import { readSentryAlert } from "../../src/incidents/payload.ts";
import { readIncidentRecord } from "../../src/incidents/record.ts";
import { RepoFiles } from "../../src/incidents/repo-paths.ts";
import { renderIncidentReport } from "../../src/incidents/report.ts";
import { commitFilesFrom, type HistoryCommit } from "../../src/incidents/history.ts";
import { findSuspects, rankSuspects } from "../../src/incidents/suspects.ts";
import { expectInstallationToken, testProbot } from "../helpers/github.ts";
import { FixtureRepo } from "../helpers/git-history.ts";
import { INSTALLATION_ID, OWNER, REPO } from "../helpers/payloads.ts";
import { pythonEventAlert, sentrySettings } from "../helpers/sentry.ts";

const SERVICE = "shop/orders/service.py";
const VIEWS = "shop/views.py";

/** Numbered filler so line numbers are easy to reason about, with real code where it matters. */
function lines(count: number, set: Record<number, string>): string {
  return `${Array.from({ length: count }, (_, i) => set[i + 1] ?? `# ${i + 1}`).join("\n")}\n`;
}

const service = (extra: Record<number, string>) =>
  lines(60, {
    1: '"""Order totals."""',
    2: "from decimal import Decimal",
    5: "def _round(value):",
    6: '    return value.quantize(Decimal("1"))',
    40: "def total(cart):",
    41: '    """The amount to charge for a cart."""',
    42: "    return _round(sum(i.price for i in cart.items))",
    ...extra,
  });

const views = (extra: Record<number, string>) =>
  lines(30, { 1: "from shop.orders import service", 26: "def place_order(cart):", 27: "    total = service.total(cart)", ...extra });

function withInsertedLogging(text: string): string {
  const all = text.split("\n");
  all.splice(3, 0, "import logging", "", "log = logging.getLogger(__name__)");
  return all.join("\n");
}

let repo: FixtureRepo;
const FIRST_SEEN = new Date("2026-11-20T12:00:00Z");

beforeAll(() => {
  const bug = service({ 6: '    return value.quantize(Decimal("0.01"))', 42: "    return _round(sum(i.price for i in cart.items) / cart.discount)" });
  repo = new FixtureRepo([
    { message: "Initial import", date: "2026-10-01T09:00:00Z", files: { [SERVICE]: service({}), [VIEWS]: views({}) } },
    { message: "Round totals to cents (#11)", date: "2026-11-10T09:00:00Z", files: { [SERVICE]: service({ 6: '    return value.quantize(Decimal("0.01"))' }) } },
    { message: "Apply cart discount to totals (#12)", date: "2026-11-14T09:00:00Z", files: { [SERVICE]: bug } },
    {
      message: "Log order totals (#13)",
      date: "2026-11-17T09:00:00Z",
      files: { [SERVICE]: withInsertedLogging(bug), [VIEWS]: views({ 5: "# checkout helpers" }) },
    },
    { message: "Tidy checkout view (#14)", date: "2026-11-18T09:00:00Z", files: { [VIEWS]: views({ 5: "# checkout helpers", 27: "    total = service.total(cart)  # in cents" }) } },
    { message: "Guard against a zero discount (#15)", date: "2026-11-25T09:00:00Z", files: { [SERVICE]: withInsertedLogging(bug).replace("/ cart.discount)", "/ (cart.discount or 1))") } },
  ]);
});

afterAll(() => repo.remove());

/** GitHub's answers about the fixture repository: one history query, then each commit in the window. */
function expectHistory(): nock.Scope {
  const scope = expectInstallationToken();
  scope
    .post("/graphql", (body: { query: string; variables: Record<string, unknown> }) =>
      body.query.includes("f1: history(path: $p1") && body.variables.p0 === SERVICE && body.variables.p1 === VIEWS)
    .reply(200, (_uri, body) => {
      const { variables: v } = body as { variables: Record<string, string> };
      const history = (path: string) => ({ nodes: repo.historyNodes(path, v.since ?? "", v.until ?? "", OWNER, REPO) });
      return { data: { repository: { defaultBranchRef: { name: "main", target: { f0: history(SERVICE), f1: history(VIEWS) } } } } };
    });
  // Commits in the window, newest first: #14, #13, #12, #11 (#15 came after the first occurrence).
  for (const sha of [repo.shas[4], repo.shas[3], repo.shas[2], repo.shas[1]]) {
    scope.get(`/repos/${OWNER}/${REPO}/commits/${sha}`).reply(200, repo.commitResponse(sha ?? ""));
  }
  return scope;
}

describe("suspects from a real history", () => {
  it("puts the PR that introduced the bug at the top of the incident report", async () => {
    const scope = expectHistory();
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
    expect(body).toContain(`| [\`${repo.shas[2]?.slice(0, 7)}\`](https://github.com/${OWNER}/${REPO}/commit/${repo.shas[2]}) Apply cart discount to totals (#12) | [#12](https://github.com/${OWNER}/${REPO}/pull/12) | high | changed the failing line ${SERVICE}:45 (frame 1) |`);
    expect(body).toContain(`[${SERVICE}#L45](https://github.com/${OWNER}/${REPO}/blob/6dcb09b5b57875f334f61aebed695e2e4193db5e/shop/orders/service.py#L45)`);
    expect(readIncidentRecord(body)?.suspects).toHaveLength(4);
  });

  it("ranks the commit that wrote the failing line first, with its pull request", async () => {
    // The deployed code (before the fix) fails at service.py:45, called from views.py:27.
    expect(repo.git("show", `${repo.shas[4]}:${SERVICE}`).split("\n")[44]).toContain("/ cart.discount");
    const scope = expectHistory();
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
