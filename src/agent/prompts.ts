/**
 * The agent's system prompt and the fix job's task message, from the prompt store. The
 * system prompt and the task message are the stable prefix of every request (prompt
 * caching). The issue reaches the model as fenced DATA labelled with its author's
 * access; only the requester's own words are an INSTRUCTION.
 */
import { renderMapSection, renderRelevantSection, type CodeContext } from "../planning/code-context.ts";
import { author, dataBlock, fenceUntrusted, prompt } from "../prompting/index.ts";

export function agentSystemPrompt(slots: { workdir: string; commandTimeoutSeconds: number; testCommand: string | null }): string {
  const testRule = slots.testCommand ? prompt("agent-test-rule", { test_command: slots.testCommand }) : prompt("agent-no-test-rule");
  return prompt("agent-system", {
    workdir: slots.workdir,
    command_timeout: String(slots.commandTimeoutSeconds),
    test_rule: testRule,
  });
}

/** The issue a fix carries out, as GitHub gave it, with what GitHub says of its author's access. */
export interface FixIssue {
  title: string;
  body: string;
  author: string;
  authorCanWrite: boolean;
}

export interface FixTaskInput {
  repo: string;
  /** How the task names its ticket: `issue #12`, `Jira ticket PROJ-123`. */
  ticket: string;
  /** Who asked for the fix (a writer: the gate let them in) and the words after `/droid fix`. */
  requester: string;
  instructions: string;
  issue: FixIssue;
  template: string;
  plan: string;
  testing: string;
  commands: string;
  /** The repository map and the code the issue and plan concern, from the index of the work tree (null: not read). */
  code: CodeContext | null;
}

/** Characters of the issue body the task message carries at most. */
const MAX_BODY_CHARS = 20_000;

export function fixTaskMessage(input: FixTaskInput): string {
  const words = input.instructions.trim();
  const slots = { requester: input.requester, ticket: input.ticket };
  const instruction = words
    ? prompt("fix-instruction-with-words", { ...slots, instructions: fenceUntrusted(words, { format: "markdown" }) })
    : prompt("fix-instruction", slots);
  const from = author(input.issue.author, input.issue.authorCanWrite);
  const context = [
    dataBlock({ what: `title of ${input.ticket}`, from, text: input.issue.title }),
    dataBlock({ what: `body of ${input.ticket}`, from, text: input.issue.body, format: "markdown", maxChars: MAX_BODY_CHARS }),
  ].join("\n\n");
  return prompt("fix-task", {
    ticket: input.ticket,
    repo: input.repo,
    instruction,
    template: input.template,
    plan: input.plan,
    testing: input.testing,
    commands: input.commands,
    context,
    code: input.code ? prompt("fix-code", { map: renderMapSection(input.code), relevant: renderRelevantSection(input.code) }) : "",
  });
}
