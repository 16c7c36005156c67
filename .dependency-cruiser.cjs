/**
 * Droid's module boundaries (docs/architecture.md), checked by `npm run lint`.
 * Layers, top to bottom — an arrow may only point down:
 *   entry (app.ts, server.ts, cli.ts) → runs/, sentry/, pages/ → jira/ → github/, jobs/ → config/ → the core
 * jira/ (the Jira adapter: intake route, REST client, ADF) is used by the entry points and runs/ only.
 * http/ (bounded request bodies) is a leaf used by server.ts and sentry/.
 * figures/ (money, durations, the short job id as texts show them) is a leaf anyone may use.
 * metrics/ (prom-client, /metrics, /healthz, /readyz) and tracing/ (OpenTelemetry) are wired by the entry points only.
 * The core: planning/ agent/ context/ sandbox/ workspace/ llm/ incidents/ prompting/.
 *
 * Parsed with swc (TypeScript 7 has no JavaScript API): `import type` is seen as type-only.
 * dependency-cruiser then warns "missing-tsc-transpiler" because tsPreCompilationDeps is on;
 * that warning is expected and harmless here.
 */
const CORE = "^src/(planning|agent|context|sandbox|workspace|llm|incidents|prompting)/";
const ENTRY = "^src/(app|server|cli|log)[.]ts$";

/** Files of the core that are data definitions (types, schemas, errors) the adapter may read. */
const CORE_DATA = [
  "^src/planning/(schema|issue-context|diff|failure)[.]ts$",
  "^src/incidents/(record|alert)[.]ts$",
  "^src/incidents/stacktrace/",
];

module.exports = {
  forbidden: [
    {
      name: "no-cycles",
      comment: "Modules do not import each other in a circle.",
      severity: "error",
      from: { path: "^src/" },
      to: { circular: true },
    },
    {
      name: "core-is-free-of-the-edges",
      comment: "The core knows nothing of GitHub, Jira, jobs, runs, Sentry, settings or the entry points.",
      severity: "error",
      from: { path: CORE },
      to: { path: ["^src/(github|jira|jobs|runs|sentry|config)/", ENTRY] },
    },
    {
      name: "prompting-is-a-leaf",
      comment: "Untrusted text and the prompt store are used by everyone and import nothing of Droid's.",
      severity: "error",
      from: { path: "^src/prompting/" },
      to: { path: "^src/", pathNot: "^src/prompting/" },
    },
    {
      name: "http-is-a-leaf",
      comment: "Bounded request bodies are shared by the server and the Sentry route and import nothing of Droid's.",
      severity: "error",
      from: { path: "^src/http/" },
      to: { path: "^src/", pathNot: "^src/http/" },
    },
    {
      name: "figures-is-a-leaf",
      comment: "Money, durations and the short job id are written one way by every text (comments, run pages, budgets) and import nothing of Droid's.",
      severity: "error",
      from: { path: "^src/figures/" },
      to: { path: "^src/", pathNot: "^src/figures/" },
    },
    {
      name: "workspace-and-sandbox-apart",
      comment: "The host-side clone and the container do not know each other; runs/ connects them.",
      severity: "error",
      from: { path: "^src/(workspace|sandbox)/" },
      to: { path: "^src/(workspace|sandbox)/", pathNot: "^src/$1/" },
    },
    {
      name: "github-is-an-adapter",
      comment: "github/ never imports runs/, sentry/, jira/ or the entry points.",
      severity: "error",
      from: { path: "^src/github/" },
      to: { path: ["^src/(runs|sentry|jira)/", ENTRY] },
    },
    {
      name: "jira-is-an-adapter",
      comment: "jira/ (intake, REST client, ADF) may use github/ (gate, commands, messages, jobs recording), jobs/, config/, http/ and the core's types and data definitions; never runs/, the other edges or the entry points.",
      severity: "error",
      from: { path: "^src/jira/" },
      to: { path: ["^src/(runs|sentry|pages|metrics|tracing)/", ENTRY] },
    },
    {
      name: "jira-uses-core-types-only",
      comment: "jira/ renders the core's Plan; it never runs core behaviour.",
      severity: "error",
      from: { path: "^src/jira/" },
      to: { path: CORE, pathNot: ["^src/prompting/", ...CORE_DATA], dependencyTypesNot: ["type-only"] },
    },
    {
      name: "jira-from-runs-and-entry-points",
      comment: "Only the entry points (the intake route, the worker's client) and runs/ (a job on a Jira ticket) import jira/.",
      severity: "error",
      from: { path: "^src/", pathNot: ["^src/(jira|runs)/", ENTRY] },
      to: { path: "^src/jira/" },
    },
    {
      name: "github-uses-core-types-only",
      comment: "github/ may use the core's types (the Plan it renders) and data definitions, never its behaviour.",
      severity: "error",
      from: { path: "^src/github/" },
      to: { path: CORE, pathNot: ["^src/prompting/", ...CORE_DATA], dependencyTypesNot: ["type-only"] },
    },
    {
      name: "jobs-is-the-queue-only",
      comment: "jobs/ (records, queues, worker, recovery) knows no GitHub, no runs, no core.",
      severity: "error",
      from: { path: "^src/jobs/" },
      to: { path: ["^src/(github|jira|runs|sentry|planning|agent|context|sandbox|workspace|incidents|prompting)/", ENTRY] },
    },
    {
      name: "config-does-not-reach-up",
      comment: "Settings are read by everyone above the core; they import only the core's schemas.",
      severity: "error",
      from: { path: "^src/config/" },
      to: { path: ["^src/(github|jira|jobs|runs|sentry)/", ENTRY] },
    },
    {
      name: "runs-only-from-entry-points",
      comment: "Job runs are composed by the entry points (the CLI) and nobody else.",
      severity: "error",
      from: { path: "^src/", pathNot: ["^src/runs/", ENTRY] },
      to: { path: "^src/runs/" },
    },
    {
      name: "sentry-metrics-and-pages-are-edges",
      comment: "Sentry intake, the metrics/health endpoints, the OpenTelemetry tracer and the run pages (routes, sign-in, rendering) are entry-side modules: only entry points import them (runs and the worker report metrics and traces through structural interfaces).",
      severity: "error",
      from: { path: "^src/", pathNot: ["^src/(sentry|metrics|tracing|pages)/", ENTRY] },
      to: { path: "^src/(sentry|metrics|tracing|pages)/" },
    },
    {
      name: "metrics-reads-types-only",
      comment: "metrics/ and tracing/ know Droid's jobs and model usage by their types only.",
      severity: "error",
      from: { path: "^src/(metrics|tracing)/" },
      to: { path: "^src/", pathNot: "^src/$1/", dependencyTypesNot: ["type-only"] },
    },
    {
      name: "pages-read-jobs-only",
      comment: "The run pages read job records and transcripts; they run nothing and know no core behaviour.",
      severity: "error",
      from: { path: "^src/pages/" },
      to: { path: ["^src/(runs|sentry|github|planning|agent|context|sandbox|workspace|incidents|llm)/", ENTRY] },
    },
    {
      name: "no-orphans",
      comment: "A module nothing imports is dead code (entry points and prompt files aside).",
      severity: "error",
      from: { orphan: true, path: "^src/", pathNot: [ENTRY, "[.]d[.]ts$"] },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    parser: "swc",
    tsPreCompilationDeps: true,
    exclude: { path: "node_modules" },
    moduleSystems: ["es6"],
  },
};
