import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fillSlots, prompt, PROMPT_NAMES, PROMPTS_DIR, PromptStore, UnknownPrompt } from "../../src/prompting/index.ts";

describe("the prompt store", () => {
  const dir = mkdtempSync(join(tmpdir(), "droid-prompts-"));
  writeFileSync(join(dir, "greeting.md"), "Hello {{name}}, welcome to {{place}}.\n");
  const store = new PromptStore(dir);

  it("renders a prompt with every slot filled", () => {
    expect(store.render("greeting", { name: "Ada", place: "the repo" })).toBe("Hello Ada, welcome to the repo.");
  });

  it("fails on an unknown prompt, a missing slot and an extra slot", () => {
    expect(() => store.render("farewell")).toThrow(UnknownPrompt);
    expect(() => store.render("../greeting")).toThrow(/no prompt named "\.\.\/greeting"/);
    expect(() => store.render("greeting", { name: "Ada" })).toThrow("prompt slot {{place}} has no value");
    expect(() => store.render("greeting", { name: "Ada", place: "x", mood: "happy" })).toThrow("prompt has no slot for: mood");
    expect(() => fillSlots("{{a}}", {})).toThrow("prompt slot {{a}} has no value");
  });

  it("names every prompt file, and every name has its file", () => {
    const files = readdirSync(PROMPTS_DIR).map((f) => f.replace(/\.md$/, "")).sort();
    expect(files).toEqual([...PROMPT_NAMES].sort());
  });

  it("Droid's own prompts fail the same way", () => {
    expect(() => prompt("fix-instruction", { requester: "ada" })).toThrow("prompt slot {{ticket}} has no value");
    expect(() => prompt("agent-idle-nudge", { extra: "x" })).toThrow("prompt has no slot for: extra");
    expect(prompt("fix-instruction", { requester: "ada", ticket: "issue #7" })).toBe("INSTRUCTION — from @ada (write access): carry out the plan below for issue #7.");
    expect(prompt("fix-instruction", { requester: "ada", ticket: "Jira ticket SHOP-7" })).toBe("INSTRUCTION — from @ada (write access): carry out the plan below for Jira ticket SHOP-7.");
  });
});
