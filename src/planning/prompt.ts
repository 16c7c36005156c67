import { readFileSync } from "node:fs";
import { join } from "node:path";

/** The prompt documents, Markdown files with `{{slot}}` placeholders. */
export type PromptName = "system" | "task" | "revise" | "repair" | "template-entry";

export const PROMPTS_DIR = join(import.meta.dirname, "prompts");

const cache = new Map<PromptName, string>();

export function loadPrompt(name: PromptName): string {
  const cached = cache.get(name);
  if (cached !== undefined) return cached;
  const text = readFileSync(join(PROMPTS_DIR, `${name}.md`), "utf8").trimEnd();
  cache.set(name, text);
  return text;
}

/**
 * Fills every `{{slot}}` of a prompt. A slot without a value, or a value without a slot,
 * is a programming error and throws, so prompts and code cannot drift apart silently.
 */
export function fillSlots(template: string, slots: Record<string, string>): string {
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

export function renderPrompt(name: PromptName, slots: Record<string, string>): string {
  return fillSlots(loadPrompt(name), slots);
}
