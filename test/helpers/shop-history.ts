/**
 * The fixture shop: a real git history where a known commit (PR #12, "Apply cart
 * discount to totals") introduced a division by a discount that can be zero, then
 * later commits moved the failing line and touched its caller. The deployed code
 * (commit #14) fails at shop/orders/service.py:45, called from shop/views.py:27.
 * GitHub's answers about it (GraphQL history, REST commits) come from the real repo.
 */
import nock from "nock";
import { expectInstallationToken } from "./github.ts";
import { pythonEventAlert, repositoryResponse, sendSentryWebhook, type IncidentServer } from "./sentry.ts";
import { FixtureRepo } from "./git-history.ts";
import { example, OWNER, REPO } from "./payloads.ts";

export const SERVICE = "shop/orders/service.py";
export const VIEWS = "shop/views.py";
export const FIRST_SEEN = new Date("2026-11-20T12:00:00Z");

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

/** shas[2] is the bug (#12); shas[4] is deployed (#14); shas[5] (#15) came after the first occurrence. */
export function shopHistory(): FixtureRepo {
  const bug = service({ 6: '    return value.quantize(Decimal("0.01"))', 42: "    return _round(sum(i.price for i in cart.items) / cart.discount)" });
  return new FixtureRepo([
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
}

/** GitHub's answers about the fixture repository: one history query, then each commit in the window. */
export function expectHistory(repo: FixtureRepo, scope: nock.Scope = expectInstallationToken()): nock.Scope {
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


const ISSUES = `/repos/${OWNER}/${REPO}/issues`;

/** Incident issue #42 as GitHub returns it, with `body`. */
export function incidentIssue(body: string | undefined): Record<string, unknown> {
  return { ...example("issues", "opened").issue, number: 42, state: "open", body };
}

/**
 * A first alert's intake: the repository (answered with `repository`), no incident issue
 * found by marker or label, and issue #42 opened. The bodies written go into `bodies`.
 */
export function expectIncidentOpened(scope: nock.Scope, bodies: string[], repository: Record<string, unknown>): nock.Scope {
  return scope
    .get(`/repos/${OWNER}/${REPO}`)
    .reply(200, repository)
    .get("/search/issues")
    .query(true)
    .reply(200, { total_count: 0, incomplete_results: false, items: [] })
    .get(ISSUES)
    .query(true)
    .reply(200, [])
    .post(ISSUES, (body: { body: string }) => bodies.push(body.body) > 0)
    .reply(201, () => incidentIssue(bodies[0]));
}

/**
 * The rca job's investigation of issue #42 at the `deployed` commit of the fixture
 * history, then the report written back as the issue's body (pushed onto `bodies`).
 */
export function expectInvestigation(scope: nock.Scope, repo: FixtureRepo, deployed: string, bodies: string[], options: { published?: boolean } = {}): nock.Scope {
  scope.get(`${ISSUES}/42`).reply(200, () => incidentIssue(bodies[0]));
  scope.get(`/repos/${OWNER}/${REPO}/git/trees/${deployed}`).query({ recursive: "true" }).reply(200, repo.treeResponse(deployed));
  expectHistory(repo, scope);
  // The report published at the end (left out for a run stopped before it).
  if (options.published === false) return scope;
  return scope
    .get(`${ISSUES}/42`)
    .reply(200, () => incidentIssue(bodies[0]))
    .patch(`${ISSUES}/42`, (body: { body: string }) => bodies.push(body.body) > 0)
    .reply(200, () => incidentIssue(bodies[1]));
}

/**
 * Sentry's alert for the shop deployed at `deployed` (first seen at FIRST_SEEN): answered 202,
 * the incident issue opened (its body the first of `bodies`) and the rca job recorded.
 */
export async function alertDeployed(server: IncidentServer, deployed: string, bodies: string[]): Promise<void> {
  const intake = expectIncidentOpened(expectInstallationToken(), bodies, repositoryResponse());
  const alert = pythonEventAlert();
  alert.data.event.datetime = FIRST_SEEN.toISOString();
  alert.data.event.release = deployed;
  const answered = await sendSentryWebhook(server.running.url, "event_alert", alert);
  if (answered.status !== 202) throw new Error(`the alert was answered ${answered.status}, not 202`);
  await server.intake.drain();
  if (!intake.isDone()) throw new Error(`the incident was not opened: ${intake.pendingMocks().join(", ")}`);
}
