/**
 * The agent's prompts: Markdown documents in `prompts/` with `{{slot}}` placeholders,
 * filled by small functions. The system prompt and the task message are the stable
 * prefix of every request (prompt caching).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fillSlots } from "../planning/prompt.ts";

const DIR = join(import.meta.dirname, "prompts");
const load = (name: "system" | "task") => readFileSync(join(DIR, `${name}.md`), "utf8").trimEnd();

export function agentSystemPrompt(slots: { workdir: string; commandTimeoutSeconds: number; testCommand: string | null }): string {
  const testRule = slots.testCommand
    ? `Run the tests with \`run_tests\` (it runs \`${slots.testCommand}\` and summarises the result) after each change that could affect them, and before you finish.`
    : "This repository has no test command; verify each subtask as its plan says, with bash.";
  return fillSlots(load("system"), {
    workdir: slots.workdir,
    command_timeout: String(slots.commandTimeoutSeconds),
    test_rule: testRule,
  });
}

export interface TaskSlots {
  repo: string;
  issueNumber: number;
  /** The INSTRUCTION block: the issue's request and the human's `/droid fix` words. */
  instruction: string;
  template: string;
  plan: string;
  testing: string;
  commands: string;
  /** DATA blocks: the issue, its comments, the repository's files. */
  context: string;
}

export function agentTaskMessage(slots: TaskSlots): string {
  return fillSlots(load("task"), {
    issue_number: String(slots.issueNumber),
    repo: slots.repo,
    instruction: slots.instruction,
    template: slots.template,
    plan: slots.plan,
    testing: slots.testing,
    commands: slots.commands,
    context: slots.context,
  });
}
