/**
 * How many input tokens a planning request spends for a typical issue, and what share
 * sits in the cached prefix (tools + system prompt with templates + repository context).
 *
 * The "typical issue" is a bug report on a mid-sized library (pino's own README and
 * CONTRIBUTING from node_modules, its real top-level tree), with a 1 KB body and five
 * writer comments. Token counts come from Anthropic's published tokenizer
 * (`@anthropic-ai/tokenizer`, which approximates current models), and from the
 * offline estimate the budget check uses (`src/llm/estimate.ts`) — the baseline measured in the same run.
 *
 *   npm run bench:plan-prompt
 */
import { countTokens } from "@anthropic-ai/tokenizer";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { renderInstruction } from "../src/planning/context-render.ts";
import type { IssueContext } from "../src/planning/issue-context.ts";
import { estimateTokens } from "../src/llm/estimate.ts";
import { costOf } from "../src/llm/ledger.ts";
import { DEFAULT_MODEL } from "../src/llm/settings.ts";
import { buildPlanPrompt, type PlanPromptInput } from "../src/planning/request.ts";
import type { StoredPlan } from "../src/planning/schema.ts";
import { loadTemplates, templateForLabels } from "../src/planning/templates.ts";

const pinoDir = dirname(createRequire(import.meta.url).resolve("pino/package.json"));
const read = (name: string): string => readFileSync(join(pinoDir, name), "utf8");

const comments = [
  "I can reproduce this on Node 24.1 with pino 10.4. It does not happen with `sync: true`.",
  "Looks like `flushSync` is called after the worker exited. The stack trace points at `lib/transport.js` line 120.",
  "We hit this in production as well: the last log lines before `process.exit(1)` are lost, which is exactly the ones we need.",
  "A minimal reproduction is in the first comment's gist; it fails about one run in five on Linux, never on macOS.",
  "Should the fix also cover `pino.final`-style usage, or only the transport path? Happy to review a PR.",
];

const context: IssueContext = {
  repo: {
    nameWithOwner: "pinojs/pino",
    description: "🌲 super fast, all natural json logger",
    defaultBranch: "main",
    languages: [
      { name: "JavaScript", percent: 95.1 },
      { name: "TypeScript", percent: 4.9 },
    ],
    topLevel: readdirSync(pinoDir)
      .map((n) => (statSync(join(pinoDir, n)).isDirectory() ? `${n}/` : n))
      .sort(),
    files: [
      { path: "README", text: read("README.md"), cutChars: 0 },
      { path: "CONTRIBUTING", text: read("CONTRIBUTING.md"), cutChars: 0 },
    ],
    missing: ["AGENTS.md"],
  },
  droidConfig: null,
  repoTemplates: [],
  issue: {
    number: 2210,
    name: "Issue #2210",
    related: "",
    title: "Logs lost on process.exit when using a transport",
    url: "https://github.com/pinojs/pino/issues/2210",
    author: "reporter",
    authorCanWrite: false,
    labels: ["droid", "bug"],
    body: [
      "When a transport is configured (`pino.transport({ target: 'pino/file' })`) and the process exits right after logging,",
      "the last lines never reach the destination. Expected: everything logged before `process.exit()` is written.",
      "",
      "Steps:",
      "1. Configure a file transport.",
      "2. `logger.info('about to exit'); process.exit(1)`.",
      "3. The file does not contain `about to exit` in about 20% of runs.",
      "",
      "Environment: Node 24.1, pino 10.4, Linux x64. The same code with `pino.destination({ sync: true })` works.",
      "We rely on these last lines to diagnose crashes, so this is painful in production.",
    ].join("\n"),
    bodyCutChars: 0,
    linkedPullRequests: [],
    linkedBodies: [],
    totalComments: comments.length,
  },
  comments: comments.map((body, i) => ({ id: 100 + i, author: i % 2 === 0 ? "maintainer" : "reporter", createdAt: `2026-11-2${i}T10:00:00Z`, body, cutChars: 0 })),
  trigger: null,
  excluded: { nonWriters: 0, bots: 0, afterTrigger: 0, olderOmitted: 0 },
  hiddenRemoved: 0,
  notes: [],
};

const templates = await loadTemplates(async () => []);
const input: PlanPromptInput = {
  context,
  templates,
  labelTemplate: templateForLabels(templates, context.issue.labels),
  instruction: renderInstruction(context, { requester: "maintainer", text: "Plan the work this issue describes (requested by @maintainer)." }),
  previous: null,
  code: null,
  explorationTurns: 0,
};

interface Measure {
  chars: number;
  tokens: number;
}
const measure = (value: unknown): Measure => {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return { chars: text.length, tokens: countTokens(text) };
};

function report(label: string, prompt: ReturnType<typeof buildPlanPrompt>): { cached: number; total: number } {
  const first = prompt.messages[0];
  const blocks = first && Array.isArray(first.content) ? first.content : [];
  const parts: Array<[string, Measure, boolean]> = [
    ["tools (submit_plan schema)", measure(prompt.tools), true],
    ["system prompt + 7 templates", measure(prompt.system.map((s) => s.text).join("")), true],
    ["repository context", measure(blocks[0] && "text" in blocks[0] ? blocks[0].text : ""), true],
    ["issue context", measure(blocks[1] && "text" in blocks[1] ? blocks[1].text : ""), false],
  ];
  for (const [i, block] of blocks.slice(2).entries()) parts.push([i === blocks.length - 3 ? "task + instruction" : "previous plan", measure("text" in block ? block.text : ""), false]);
  const total = parts.reduce((n, [, m]) => n + m.tokens, 0);
  const cached = parts.filter(([, , c]) => c).reduce((n, [, m]) => n + m.tokens, 0);
  const totalChars = parts.reduce((n, [, m]) => n + m.chars, 0);
  console.log(`\n${label}`);
  console.log("part".padEnd(30), "chars".padStart(8), "tokens".padStart(8), "estimate".padStart(9), "cached");
  for (const [name, m, c] of parts) console.log(name.padEnd(30), String(m.chars).padStart(8), String(m.tokens).padStart(8), String(estimateTokens(" ".repeat(m.chars))).padStart(9), c ? "yes" : "");
  console.log("total".padEnd(30), String(totalChars).padStart(8), String(total).padStart(8), String(estimateTokens(" ".repeat(totalChars))).padStart(9));
  console.log(`cached prefix: ${cached} of ${total} tokens = ${((cached / total) * 100).toFixed(1)}%`);
  return { cached, total };
}

const fresh = report("First plan (label `droid` + `bug`)", buildPlanPrompt(input));
const output = 1_500;
const cold = costOf(DEFAULT_MODEL, { input: fresh.total - fresh.cached, cacheWrite: fresh.cached, cacheRead: 0, output });
const warm = costOf(DEFAULT_MODEL, { input: fresh.total - fresh.cached, cacheWrite: 0, cacheRead: fresh.cached, output });
const uncached = costOf(DEFAULT_MODEL, { input: fresh.total, cacheWrite: 0, cacheRead: 0, output });
console.log(`\ncost on ${DEFAULT_MODEL} with ${output} output tokens: no caching $${uncached.toFixed(4)} (baseline), cache write $${cold.toFixed(4)}, cache hit $${warm.toFixed(4)}`);

// A revision carries the previous plan after the cached prefix.
const previous: StoredPlan = {
  version: 1,
  revision: 1,
  jobId: "job-1",
  model: DEFAULT_MODEL,
  updatedAt: "2026-11-25T12:00:00Z",
  plan: {
    summary: "Transport logs are lost because process.exit does not wait for the worker to flush. Flush synchronously on exit.",
    kind: "bug-fix",
    subtasks: [1, 2, 3, 4].map((n) => ({
      id: `S${n}`,
      title: `Subtask ${n} of the flush fix`,
      change: "In `lib/transport.js`, register an exit handler that calls `flushSync` on the thread-stream before the worker is terminated.",
      files: ["lib/transport.js", "test/transport/core.test.js"],
      verification: "A test spawns a child that logs and exits; the file contains the last line in 50 of 50 runs.",
      state: "todo" as const,
    })),
    testing: "Child-process tests for exit, uncaught exceptions and signals; run the transport suite 50 times.",
    risks: [{ risk: "Exit handler slows shutdown", mitigation: "Bound the flush with a timeout." }],
    rollout: { featureFlag: null, migration: null, deployment: "Patch release." },
    openQuestions: ["Cover pino.final-style usage too?"],
    checks: ["reproduce", "root-cause", "regression-test", "blast-radius"].map((id) => ({ id, addressedBy: "S1" })),
    template: { kind: "bug-fix", title: "Bug fix", source: "built-in", chosenBy: "label" },
  },
};
report("Revision (`/droid plan also cover signals`)", buildPlanPrompt({ ...input, previous }));
console.log("\nNote: the API adds its own tool-use system prompt (a few hundred tokens) that is not counted here.");
