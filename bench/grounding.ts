/**
 * npm run bench:grounding — what reading the code adds to a plan: the time to clone the default
 * branch (isomorphic-git, shallow, over smart HTTP from a local `git http-backend`) and index it
 * (cold: empty cache; warm: the commit is cached; incremental: 5 files changed since the last
 * indexed commit), the disk it takes while the job runs, and the characters and tokens the map,
 * the relevant code and the knowledge files add to the first planning request (the baseline,
 * measured in the same run, is the same request without the code).
 *
 * Repositories: zod's TypeScript sources (a few hundred files) and the whole @anthropic-ai/sdk
 * package (source maps left out), both from node_modules, committed to a temporary git server.
 *
 *   npm run bench:grounding
 */
import { countTokens } from "@anthropic-ai/tokenizer";
import { execFileSync } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { realpathSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pino } from "pino";
import type { Job } from "../src/jobs/types.ts";
import { renderInstruction } from "../src/planning/context-render.ts";
import { DEFAULT_PLANNING_SETTINGS } from "../src/planning/settings.ts";
import { codeBudgetOf, groundIn } from "../src/planning/code-context.ts";
import { buildPlanPrompt, type PlanPromptInput } from "../src/planning/request.ts";
import { loadTemplates, templateForLabels } from "../src/planning/templates.ts";
import { openCodebase, type CodeReader } from "../src/runs/codebase.ts";
import { startGitServer } from "../test/helpers/git-server.ts";
import type { IssueContext } from "../src/planning/issue-context.ts";

const packageDir = (name: string) => realpathSync(path.join(import.meta.dirname, "..", "node_modules", name));
const TOKEN = "bench-token";
const log = pino({ level: "silent" });

async function filesOf(root: string, prefix: string, keep: (p: string) => boolean): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      const relative = path.posix.join(prefix, path.relative(root, full).split(path.sep).join("/"));
      if (entry.isDirectory() && entry.name !== "node_modules") await walk(full);
      else if (entry.isFile() && keep(relative)) files[relative] = await readFile(full, "utf8");
    }
  };
  await walk(root);
  return files;
}

const REPOS = [
  { name: "zod", label: "zod sources", files: () => filesOf(path.join(packageDir("zod"), "src"), "src", () => true) },
  { name: "anthropic-sdk", label: "@anthropic-ai/sdk package", files: () => filesOf(packageDir("@anthropic-ai/sdk"), "", (p) => !p.endsWith(".map")) },
];

const du = (dir: string): string => execFileSync("du", ["-sh", dir]).toString().split("\t")[0] ?? "?";
const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

const server = await startGitServer(TOKEN);
const job = (id: string, name: string): Job => ({
  id,
  deliveryId: id,
  repo: { owner: "bench", name, installationId: 1, defaultBranch: "main" },
  target: { kind: "issue", number: 1 },
  requester: "bench",
  triggerCommentId: null,
  request: { kind: "plan", feedback: "" },
  state: "running",
  attempts: 1,
  createdAt: new Date(),
  startedAt: new Date(),
  endedAt: null,
  costUsd: 0,
  links: {},
  error: null,
  outcome: null,
  stoppedBy: null,
});

console.log("repository".padEnd(28), "files".padStart(6), "size".padStart(6), "run".padEnd(12), "clone".padStart(8), "index".padStart(8), "parsed".padStart(7), "on disk (clone)".padStart(16), "snapshot".padStart(9));
for (const repo of REPOS) {
  const files = await repo.files();
  await server.createRepo(repo.name, files, { defaultBranch: "main" });
  server.serve(`bench/${repo.name}`, repo.name);
  const megabytes = `${(Object.values(files).reduce((n, text) => n + Buffer.byteLength(text), 0) / 1e6).toFixed(1)}M`;
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "droid-bench-grounding-"));
  const reader: CodeReader = { githubHost: { protocol: "http", host: server.env.GHE_HOST }, token: async () => TOKEN, dataDir };
  const runs: Array<[string, () => Promise<void>]> = [
    ["cold", async () => {}],
    ["warm", async () => {}],
    [
      "incremental",
      async () => {
        const changed = Object.keys(files).filter((f) => /\.(ts|js|mjs)$/.test(f)).slice(0, 5);
        await server.commitFiles(repo.name, "main", Object.fromEntries(changed.map((f) => [f, `${files[f]}\nexport const benchChange = 1;\n`])), { message: "five files" });
      },
    ],
  ];
  for (const [label, before] of runs) {
    await before();
    const codebase = await openCodebase(reader, job(`${repo.name}-${label}`, repo.name), "main", log);
    const clone = du(path.join(dataDir, "jobs", `${repo.name}-${label}`, "code"));
    const snapshot = du(path.join(dataDir, "index"));
    const { cloneMs, indexMs, stats } = codebase.figures;
    console.log(repo.label.padEnd(28), String(stats.files).padStart(6), megabytes.padStart(6), label.padEnd(12), s(cloneMs).padStart(8), s(indexMs).padStart(8), String(stats.parsedFiles).padStart(7), clone.padStart(16), snapshot.padStart(9));
    if (label === "incremental" && repo.name === "zod") await promptSize(codebase.index);
    await codebase.close();
  }
  await rm(dataDir, { recursive: true, force: true });
}
await server.close();

/** The first planning request for zod's email issue, with and without the code. */
async function promptSize(index: Awaited<ReturnType<typeof openCodebase>>["index"]): Promise<void> {
  const settings = DEFAULT_PLANNING_SETTINGS;
  const codeChars = Math.floor(settings.contextChars * settings.planning.codeShare);
  const context: IssueContext = {
    repo: { nameWithOwner: "colinhacks/zod", description: "TypeScript-first schema validation", defaultBranch: "main", languages: [{ name: "TypeScript", percent: 100 }], topLevel: ["src/", "package.json"], files: [], missing: ["README", "CONTRIBUTING", "AGENTS.md"] },
    droidConfig: null,
    repoTemplates: [],
    issue: {
      number: 1,
      name: "Issue #1",
      related: "",
      title: "z.email() accepts addresses with two consecutive dots",
      url: "https://github.com/colinhacks/zod/issues/1",
      author: "reporter",
      authorCanWrite: true,
      labels: ["droid", "bug"],
      body: "`z.string().email()` (and `z.email()` in v4) accepts `john..doe@example.com`, which is not a valid address. The email regex should reject consecutive dots in the local part.",
      bodyCutChars: 0,
      linkedPullRequests: [],
      linkedBodies: [],
      totalComments: 0,
    },
    comments: [],
    trigger: null,
    excluded: { nonWriters: 0, bots: 0, afterTrigger: 0, olderOmitted: 0 },
    hiddenRemoved: 0,
    notes: [],
  };
  const templates = await loadTemplates(async () => []);
  const base: PlanPromptInput = {
    context,
    templates,
    labelTemplate: templateForLabels(templates, context.issue.labels),
    instruction: renderInstruction(context, { requester: "bench", text: "Plan the work." }),
    previous: null,
    code: null,
    explorationTurns: 0,
  };
  const code = await groundIn(index, { text: `${context.issue.title}\n\n${context.issue.body}`, branch: "main" }, codeBudgetOf(settings));
  const measure = (input: PlanPromptInput) => {
    const prompt = buildPlanPrompt(input);
    const text = JSON.stringify([prompt.tools, prompt.system, prompt.messages]);
    return { chars: text.length, tokens: countTokens(text) };
  };
  const without = measure(base);
  const grounded = measure({ ...base, code, explorationTurns: settings.planning.explorationTurns });
  console.log(`\nFirst planning request, zod's email issue (contextChars ${settings.contextChars}, codeShare ${settings.planning.codeShare}):`);
  console.log(`  without the code (baseline): ${without.chars} chars, ${without.tokens} tokens`);
  console.log(`  grounded: ${grounded.chars} chars, ${grounded.tokens} tokens (+${grounded.tokens - without.tokens} tokens: map ${code.map.length} chars, relevant code ${code.relevant.length} chars for ${code.shown.length} files, knowledge ${code.knowledge.files.length} files, tool declarations)`);
}
