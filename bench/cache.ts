/**
 * npm run bench:cache — how much of each model request is an unchanged prefix of the
 * previous one (what prompt caching can read instead of processing again), over a
 * scripted 30-turn `/droid fix` run: the real loop (`runAgent`, the requests it builds,
 * `ConversationHistory`), the real tools in a real sandbox, and a scripted model behind
 * the LLM client's `send` seam. The same script runs once per history policy: Droid's
 * (compaction in batches down to a low-water mark), and baselines measured in the same
 * run — compaction every turn (a sliding window), batches without the low-water mark
 * (the policy before it), and no compaction at all.
 *
 * A request is compared block by block (each tool definition, each system block, each
 * message content block; cache_control markers left out, since they do not change what
 * is cached): the share of its characters in the leading blocks equal to the previous
 * request's. A turn "breaks the prefix" when the previous request is not wholly a
 * prefix of it, i.e. compaction rewrote something already sent.
 */
import type { Message, MessageCreateParamsNonStreaming } from "@anthropic-ai/sdk/resources/messages";
import pino from "pino";
import { AgentComputer } from "../src/agent/computer.ts";
import { DEFAULT_HISTORY_POLICY, type HistoryPolicy } from "../src/agent/history.ts";
import { LivePlan } from "../src/agent/live-plan.ts";
import { runAgent } from "../src/agent/loop.ts";
import { agentSystemPrompt, fixTaskMessage } from "../src/agent/prompts.ts";
import { standardTools } from "../src/agent/tools/standard.ts";
import { UsageLedger, makeLlmClient } from "../src/llm/index.ts";
import { ModelPlanSchema, type Plan } from "../src/planning/schema.ts";
import { DEFAULT_LIMITS, SANDBOX_IMAGE, createDockerClient, createSandbox, type Sandbox } from "../src/sandbox/index.ts";
import { message } from "../test/fixtures/anthropic.ts";
import { bugFixInput } from "../test/fixtures/plans.ts";

const TURNS = 30;
const docker = createDockerClient();
const logger = pino({ level: "silent" });

const BEFORE: HistoryPolicy = { compactAtChars: 240_000, keepRecentTurns: 6, compactToChars: 120_000, referenceRepeatsFrom: Infinity };
const POLICIES: { name: string; policy: HistoryPolicy }[] = process.env.BENCH_CACHE_POLICY
  ? [{ name: "trial", policy: { ...DEFAULT_HISTORY_POLICY, ...(JSON.parse(process.env.BENCH_CACHE_POLICY) as Partial<HistoryPolicy>) } }]
  : [
      { name: "droid now", policy: DEFAULT_HISTORY_POLICY },
      { name: "before: batches of 240k down to 120k, repeats sent whole", policy: BEFORE },
      { name: "baseline: compaction every turn", policy: { ...BEFORE, compactAtChars: 0, compactToChars: Infinity } },
      { name: "baseline: no compaction", policy: { ...BEFORE, compactAtChars: Infinity } },
    ];

/** A repository with a big source file, a smaller one, a noisy build and a test suite with a failure. */
function fixture(): Record<string, string> {
  const server = Array.from({ length: 1100 }, (_, i) => `export function handler${i}(request) { return { status: 200, body: "value ${i}" }; } // ${i}`).join("\n");
  const util = Array.from({ length: 350 }, (_, i) => `export const limit${i} = ${i * 7}; // how many of ${i} the util keeps around`).join("\n");
  const tests = [
    'const test = require("node:test");',
    'const assert = require("node:assert");',
    ...Array.from({ length: 150 }, (_, i) => `test("handler ${i} answers", () => assert.strictEqual(${i} % 149 === 148 ? 1 : 0, 0));`),
  ].join("\n");
  const build = [
    "for i in $(seq 1 20000); do",
    '  echo "[build] compiling module $i of 20000 (src/generated/module$i.js)"',
    '  if [ $((i % 5000)) -eq 0 ]; then echo "src/generated/module$i.js:12:5: error TS2322: Type string is not assignable to type number"; fi',
    "done",
    "exit 1",
  ].join("\n");
  const files: Record<string, string> = { "src/server.js": `${server}\n`, "src/util.js": `${util}\n`, "test/server.test.js": `${tests}\n`, "scripts/build.sh": `${build}\n` };
  for (let f = 0; f < 10; f++) {
    files[`src/generated/table${f}.js`] = `${Array.from({ length: 1000 }, (_, i) => `export const row${f}_${i} = { id: ${i}, name: "row ${i} of table ${f}" };`).join("\n")}\n`;
  }
  return files;
}

type Script = { name: string; input: Record<string, unknown> }[];

/** Every turn a large result: whole views of ten different big files, and the noisy build. */
function largeResults(): Script {
  return Array.from({ length: TURNS }, (_, t) =>
    t % 3 === 2
      ? { name: "bash", input: { command: "sh scripts/build.sh" } }
      : { name: "str_replace_based_edit_tool", input: { command: "view", path: `src/generated/table${t % 10}.js` } },
  );
}

/** Ten tool calls, three times over: views (and views again), searches, a noisy build, edits, tests, plan updates. */
function mixedWork(): Script {
  const turns: Script = [];
  for (let round = 0; round < 3; round++) {
    const k = 100 + round;
    turns.push(
      { name: "str_replace_based_edit_tool", input: { command: "view", path: "src/server.js" } },
      { name: "search_code", input: { pattern: `handler${round}\\d`, show_lines: true } },
      { name: "bash", input: { command: "sh scripts/build.sh" } },
      { name: "str_replace_based_edit_tool", input: { command: "str_replace", path: "src/server.js", old_str: `body: "value ${k}" }; } // ${k}`, new_str: `body: "value ${k}!" }; } // ${k}` } },
      { name: "run_tests", input: {} },
      { name: "str_replace_based_edit_tool", input: { command: "view", path: "src/util.js" } },
      { name: "bash", input: { command: "grep -c handler src/server.js" } },
      { name: "str_replace_based_edit_tool", input: { command: "view", path: "src/server.js" } },
      { name: "update_plan", input: { reason: `round ${round + 1} checked`, updates: [{ id: "S1", state: "in-progress" }] } },
      { name: "find_files", input: { pattern: "*.js" } },
    );
  }
  return turns;
}

async function freshSandbox(name: string): Promise<Sandbox> {
  const sandbox = await createSandbox(docker, {
    owner: { jobId: `bench-cache-${name.replace(/\W+/g, "-")}-${Date.now().toString(36)}`, instance: "bench" },
    image: SANDBOX_IMAGE,
    network: "none",
    limits: DEFAULT_LIMITS,
    secrets: [],
    logger,
  });
  await sandbox.exec("mkdir -p src/generated test scripts");
  for (const [file, content] of Object.entries(fixture())) await sandbox.writeFile(`${sandbox.workdir}/${file}`, content);
  return sandbox;
}

/** Runs the script through the real loop; returns every request the model was sent. */
async function recordRun(name: string, policy: HistoryPolicy, turns: Script): Promise<MessageCreateParamsNonStreaming[]> {
  const sandbox = await freshSandbox(name);
  const requests: MessageCreateParamsNonStreaming[] = [];
  const llm = makeLlmClient({
    provider: "anthropic",
    model: "claude-sonnet-5-5",
    send: async (body): Promise<Message> => {
      requests.push(structuredClone(body));
      const turn = turns[requests.length - 1];
      if (!turn) throw new Error("the script ran out");
      const use = { type: "tool_use" as const, id: `toolu_${requests.length}`, name: turn.name, input: turn.input, caller: { type: "direct" as const } };
      return message([use], { input: 1000, output: 100 }, "tool_use");
    },
  });
  const plan: Plan = { ...ModelPlanSchema.parse(bugFixInput()), template: { kind: "bug-fix", title: "Bug fix", source: "built-in", chosenBy: "label" } };
  const live = new LivePlan(plan);
  const test = { command: "node --test", source: "config" as const, reason: ".github/droid.yml" };
  try {
    const computer = new AgentComputer({
      sandbox,
      commands: { setup: [], test, lint: null },
      commandTimeoutSeconds: 120,
      testTimeoutSeconds: 120,
      digestChars: 32_000,
      signal: new AbortController().signal,
    });
    const outcome = await runAgent({
      llm,
      ledger: new UsageLedger(),
      budget: { usd: 1000, tokens: 1_000_000_000 },
      computer,
      plan: live,
      systemPrompt: agentSystemPrompt({ workdir: sandbox.workdir, commandTimeoutSeconds: 120, testCommand: test.command }),
      taskMessage: fixTaskMessage({
        repo: "bench/greet",
        ticket: "issue #1",
        requester: "bench",
        instructions: "",
        issue: { title: "Greeting crashes on an empty name", body: "", author: "bench", authorCanWrite: true },
        template: "Bug fix (`bug-fix`)",
        plan: live.render(),
        testing: plan.testing,
        commands: "- test: `node --test`",
        code: null,
      }),
      limits: { maxTurns: TURNS, deadline: Date.now() + 3_600_000, maxTokensPerResponse: 8192 },
      signal: new AbortController().signal,
      log: logger,
      steering: async () => [],
      inspectChanges: async () => ({ files: [], diff: "" }),
      history: policy,
      tools: standardTools({ hasTests: computer.hasTests }),
    });
    if (outcome.kind !== "limit" || outcome.turns !== TURNS) throw new Error(`the scripted run ended early: ${JSON.stringify(outcome)}`);
  } finally {
    await sandbox.remove();
  }
  return requests;
}

/** A block as JSON, without its cache marker. */
function plain(value: unknown): string {
  return JSON.stringify(value, (key, v: unknown) => (key === "cache_control" ? undefined : v));
}

/** The request as a list of blocks, each serialized without its cache marker. */
function blocks(request: MessageCreateParamsNonStreaming): string[] {
  const system = typeof request.system === "string" ? [request.system] : (request.system ?? []);
  const out = [...(request.tools ?? []).map((t) => `tool ${plain(t)}`), ...system.map((b) => `system ${plain(b)}`)];
  request.messages.forEach((m, i) => {
    const content = typeof m.content === "string" ? [m.content] : m.content;
    for (const b of content) out.push(`${i} ${m.role} ${plain(b)}`);
  });
  return out;
}

interface RequestFigures {
  chars: number;
  prefixChars: number;
  /** The previous request was not wholly a prefix of this one. */
  broke: boolean;
}

function compare(requests: MessageCreateParamsNonStreaming[]): RequestFigures[] {
  let previous: string[] = [];
  return requests.map((request) => {
    const current = blocks(request);
    let common = 0;
    while (common < previous.length && common < current.length && previous[common] === current[common]) common++;
    const chars = current.reduce((n, b) => n + b.length, 0);
    const prefixChars = current.slice(0, common).reduce((n, b) => n + b.length, 0);
    const figures = { chars, prefixChars, broke: previous.length > 0 && common < previous.length };
    previous = current;
    return figures;
  });
}

const pct = (value: number) => `${(value * 100).toFixed(1).padStart(5)}%`;

const SCENARIOS: { name: string; script: () => Script }[] = [
  { name: "mixed work (views, searches, a noisy build, edits, tests, plan updates)", script: mixedWork },
  { name: "large results (every turn a 30-40k-character view or build digest)", script: largeResults },
];

async function main(): Promise<void> {
  await docker.ping();
  for (const scenario of SCENARIOS) {
    const results: { name: string; figures: RequestFigures[] }[] = [];
    for (const { name, policy } of POLICIES) {
      const started = performance.now();
      results.push({ name, figures: compare(await recordRun(name, policy, scenario.script())) });
      console.error(`${scenario.name} / ${name}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
    }
    report(scenario.name, results);
  }
}

function report(scenario: string, results: { name: string; figures: RequestFigures[] }[]): void {
  console.log(`\n## ${scenario}\n\nUnchanged prefix of each request (share of its characters), ${TURNS} turns:\n`);
  console.log(["turn", ...results.map((_, i) => `   P${i + 1} chars  prefix`)].join(" | "));
  for (let t = 0; t < TURNS; t++) {
    const cells = results.map(({ figures }) => {
      const f = figures[t];
      if (!f) return "".padEnd(22);
      return `${String(f.chars).padStart(10)}  ${t === 0 ? "     -" : pct(f.prefixChars / f.chars)}${f.broke ? "*" : " "}`;
    });
    console.log([String(t + 1).padStart(4), ...cells].join(" | "));
  }
  console.log("\n(* = compaction rewrote part of what the previous request held)\n");

  for (const [i, { name, figures }] of results.entries()) {
    const later = figures.slice(1);
    const mean = later.reduce((n, f) => n + f.prefixChars / f.chars, 0) / later.length;
    const sent = figures.reduce((n, f) => n + f.chars, 0);
    const fresh = figures.reduce((n, f) => n + f.chars - f.prefixChars, 0);
    // Relative input cost: a cached prefix read at 0.1×, the rest written to the cache at 1.25×.
    const cost = figures.reduce((n, f) => n + f.prefixChars * 0.1 + (f.chars - f.prefixChars) * 1.25, 0);
    const broke = figures.flatMap((f, t) => (f.broke ? [t + 1] : []));
    console.log(`P${i + 1} ${name}`);
    console.log(`   mean unchanged prefix (turns 2-${TURNS}): ${pct(mean)}`);
    console.log(`   prefix broken at turns: ${broke.length === 0 ? "none" : broke.join(", ")} (${broke.length})`);
    console.log(`   characters sent: ${sent.toLocaleString("en-US")}, of which not a cached prefix: ${fresh.toLocaleString("en-US")}`);
    console.log(`   relative input cost (prefix 0.1×, rest 1.25×): ${Math.round(cost).toLocaleString("en-US")} char-units; largest request ${Math.max(...figures.map((f) => f.chars)).toLocaleString("en-US")} chars\n`);
  }
}

await main();
