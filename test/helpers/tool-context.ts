/**
 * A context for running agent tools that work on the worker only (plan updates,
 * finish, thread answers): its computer's sandbox refuses every call, so a tool that
 * reaches the sandbox fails the test.
 */
import { AgentComputer } from "../../src/agent/computer.ts";
import { LivePlan } from "../../src/agent/live-plan.ts";
import type { ToolContext } from "../../src/agent/tools/agent-tool.ts";
import type { Plan } from "../../src/planning/schema.ts";
import { ModelPlanSchema } from "../../src/planning/schema.ts";
import type { Sandbox } from "../../src/sandbox/index.ts";
import { bugFixInput } from "../fixtures/plans.ts";
import { silentLog } from "./github.ts";

const refuse = () => Promise.reject(new Error("this test has no sandbox"));

export function workerToolContext(): ToolContext {
  const sandbox: Sandbox = {
    id: "none",
    workdir: "/workspace",
    network: "none",
    exec: refuse,
    runSystemTool: refuse,
    readFile: refuse,
    writeFile: refuse,
    putArchive: refuse,
    unpackArchive: refuse,
    getArchive: refuse,
    disconnectNetwork: refuse,
    remove: refuse,
  };
  const commands = { setup: [], test: null, lint: null };
  const computer = new AgentComputer({ sandbox, commands, commandTimeoutSeconds: 1, testTimeoutSeconds: 1, digestChars: 1_000, signal: new AbortController().signal });
  const plan: Plan = { ...ModelPlanSchema.parse(bugFixInput()), template: { kind: "bug-fix", title: "Bug fix", source: "built-in", chosenBy: "label" } };
  return { computer, plan: new LivePlan(plan), log: silentLog };
}
