/**
 * The one prompt store: every prompt is a Markdown file in `prompts/` with `{{slot}}`
 * placeholders, rendered by `prompt(name, slots)`. An unknown prompt, a slot without a
 * value or a value without a slot throws, so prompts and code cannot drift apart.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const PROMPTS_DIR = join(import.meta.dirname, "prompts");

/** Every prompt of the store (a test checks that each has its file and no file is unnamed). */
export const PROMPT_NAMES = [
  "agent-finish-diff",
  "agent-finish-files",
  "agent-finish-no-files",
  "agent-finish-no-tests",
  "agent-finish-open-subtasks",
  "agent-finish-review",
  "agent-finish-tests",
  "agent-idle-nudge",
  "agent-no-restart",
  "agent-no-test-rule",
  "agent-plan-check",
  "agent-steering",
  "agent-system",
  "agent-test-rule",
  "agent-unknown-tool",
  "ask-missing",
  "ask-missing-after-exploring",
  "ask-repair",
  "ask-repository",
  "ask-system",
  "ask-target",
  "ask-task",
  "ci-check-preexisting",
  "ci-failed-steps",
  "ci-log-unreadable",
  "ci-preexisting-none",
  "ci-preexisting-some",
  "ci-revision-check",
  "ci-revision-task",
  "code-map",
  "code-relevant",
  "data-block",
  "explore-bad-input",
  "explore-call-final",
  "explore-not-a-tool",
  "explore-not-found",
  "explore-outside-root",
  "explore-too-many",
  "explore-turns-over",
  "fix-code",
  "fix-instruction",
  "fix-instruction-with-words",
  "fix-task",
  "instruction-block",
  "plan-code-rules",
  "plan-exploration-rule",
  "plan-instruction-default",
  "plan-instruction-revise",
  "plan-issue-context",
  "plan-kind-classify",
  "plan-kind-fixed",
  "plan-missing-files",
  "plan-no-code-rules",
  "plan-older-comments-omitted",
  "plan-repair",
  "plan-repo-context",
  "plan-revise",
  "plan-system",
  "plan-task",
  "plan-template-entry",
  "rca-prose-nudge",
  "rca-repair",
  "rca-system",
  "rca-task",
  "revise-code",
  "revise-general-request",
  "revise-missing-file",
  "revise-no-earlier-revisions",
  "revise-no-general-request",
  "revise-no-plan",
  "revise-no-threads",
  "revise-outdated",
  "revise-task",
  "revise-thread",
  "revise-thread-request",
] as const;

export type PromptName = (typeof PROMPT_NAMES)[number];

export class UnknownPrompt extends Error {
  override readonly name = "UnknownPrompt";
}

/**
 * Fills every `{{slot}}` of a template. A slot without a value, or a value without a
 * slot, is a programming error and throws.
 */
export function fillSlots(template: string, slots: Readonly<Record<string, string>>): string {
  const used = new Set<string>();
  const result = template.replace(/\{\{([a-z_]+)\}\}/g, (_, name: string) => {
    const value = slots[name];
    if (value === undefined) throw new Error(`prompt slot {{${name}}} has no value`);
    used.add(name);
    return value;
  });
  const unused = Object.keys(slots).filter((k) => !used.has(k));
  if (unused.length > 0) throw new Error(`prompt has no slot for: ${unused.join(", ")}`);
  return result;
}

/** Prompt files of one folder, read once each. */
export class PromptStore {
  readonly #dir: string;
  readonly #cache = new Map<string, string>();

  constructor(dir: string) {
    this.#dir = dir;
  }

  /** The prompt's text, without its trailing newline. */
  text(name: string): string {
    const cached = this.#cache.get(name);
    if (cached !== undefined) return cached;
    const file = join(this.#dir, `${name}.md`);
    if (!/^[a-z][a-z0-9-]*$/.test(name) || !existsSync(file)) throw new UnknownPrompt(`there is no prompt named "${name}"`);
    const text = readFileSync(file, "utf8").trimEnd();
    this.#cache.set(name, text);
    return text;
  }

  render(name: string, slots: Readonly<Record<string, string>> = {}): string {
    return fillSlots(this.text(name), slots);
  }
}

const store = new PromptStore(PROMPTS_DIR);

/** Renders one of Droid's prompts. */
export function prompt(name: PromptName, slots: Readonly<Record<string, string>> = {}): string {
  return store.render(name, slots);
}
