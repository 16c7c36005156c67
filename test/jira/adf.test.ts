import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { adfToMarkdown, markdownToAdf, type AdfDoc } from "../../src/jira/adf.ts";
import { MAX_COMMENT_JSON_CHARS, renderPlanAdf } from "../../src/jira/plan-adf.ts";
import { ModelPlanSchema, type Plan } from "../../src/planning/schema.ts";
import { bugFixInput, storedPlan } from "../fixtures/plans.ts";
import { adfDocumentSchema } from "../helpers/jira-schemas.ts";

const issue = JSON.parse(readFileSync(new URL("../fixtures/jira/issue.json", import.meta.url), "utf8")) as { description: AdfDoc };

describe("ADF → Markdown", () => {
  it("reads a ticket's description: inline code, code blocks with their language, strong text", () => {
    expect(adfToMarkdown(issue.description)).toBe(
      [
        "Calling `greet(\"\")` throws instead of greeting a stranger.",
        "",
        "```text",
        "TypeError: Cannot read properties of undefined (reading 'toUpperCase')",
        "    at greet (src/greet.js:6:40)",
        "```",
        "",
        "Expected: **Hello, STRANGER!**",
      ].join("\n"),
    );
  });

  it("reads headings, nested lists, task lists, links, mentions, quotes and attachments", () => {
    const doc: AdfDoc = {
      type: "doc",
      version: 1,
      content: [
        { type: "heading", attrs: { level: 2 }, content: [{ type: "text", text: "Steps" }] },
        {
          type: "orderedList",
          attrs: { order: 1 },
          content: [
            { type: "listItem", content: [{ type: "paragraph", content: [{ type: "text", text: "Open " }, { type: "text", text: "the shop", marks: [{ type: "link", attrs: { href: "https://shop.example" } }] }] }] },
            { type: "listItem", content: [{ type: "paragraph", content: [{ type: "text", text: "Ask " }, { type: "mention", attrs: { id: "5b10", text: "@Ada Lovelace" } }] }] },
          ],
        },
        { type: "taskList", content: [{ type: "taskItem", attrs: { state: "DONE" }, content: [{ type: "text", text: "reproduced" }] }, { type: "taskItem", attrs: { state: "TODO" }, content: [{ type: "text", text: "fixed" }] }] },
        { type: "blockquote", content: [{ type: "paragraph", content: [{ type: "text", text: "quoted" }] }] },
        { type: "mediaSingle", content: [{ type: "media", attrs: { id: "abc", alt: "screenshot.png", type: "file" } }] },
      ],
    };
    expect(adfToMarkdown(doc)).toBe(
      ["## Steps", "", "1. Open [the shop](https://shop.example)", "2. Ask @Ada Lovelace", "", "- [x] reproduced", "- [ ] fixed", "", "> quoted", "", "[attachment: screenshot.png]"].join("\n"),
    );
  });
});

describe("Markdown → ADF", () => {
  const message = [
    "### Result",
    "",
    "Opened **#12** (a draft), see [the run](https://droid.example/runs/1).",
    "",
    "- `src/greet.js` (modified)",
    "- tests pass",
    "",
    "```diff",
    "- old",
    "+ new",
    "```",
    "",
    "1. first",
    "2. second",
  ].join("\n");

  it("writes headings, marks, links, lists and code blocks Jira accepts", () => {
    const doc = markdownToAdf(message);
    expect(adfDocumentSchema.safeParse(doc).success).toBe(true);
    expect(doc.content.map((n) => n.type)).toEqual(["heading", "paragraph", "bulletList", "codeBlock", "orderedList"]);
    expect(doc.content[3]).toEqual({ type: "codeBlock", attrs: { language: "diff" }, content: [{ type: "text", text: "- old\n+ new" }] });
  });

  it("reads back as the Markdown it was written from", () => {
    expect(adfToMarkdown(markdownToAdf(message))).toBe(message);
  });

  it("keeps a link that is not http(s) as text", () => {
    const doc = markdownToAdf("[click](javascript:alert(1))");
    expect(JSON.stringify(doc)).not.toContain('"link"');
    expect(adfToMarkdown(doc)).toBe("[click](javascript:alert(1))");
  });
});

describe("the plan as ADF", () => {
  const plan: Plan = { ...ModelPlanSchema.parse(bugFixInput()), template: { kind: "bug-fix", title: "Bug fix", source: "built-in", chosenBy: "label" } };

  it("is a comment Jira accepts: heading, subtasks as a bullet list with their states, details, figures", () => {
    const doc = renderPlanAdf({
      stored: storedPlan({ ...plan, subtasks: plan.subtasks.map((s, i) => ({ ...s, state: i === 0 ? "done" : "in-progress" })) }),
      changes: null,
      contextNotes: ["Jira ticket SHOP-7: summary, description"],
      footer: { jobId: "job-1", model: "claude-sonnet-5-5", usage: { input: 10, output: 5, cacheWrite: 0, cacheRead: 0 }, costUsd: 0.01, durationMs: 1000 },
      commandWord: "droid",
    });
    expect(adfDocumentSchema.safeParse(doc).success).toBe(true);
    const text = adfToMarkdown(doc);
    expect(text).toMatch(/^### Droid plan: Bug fix\n/);
    expect(text).toContain(`- **S1 · ✅ done** — ${plan.subtasks[0]?.title}`);
    expect(text).toContain(`- **S2 · ⏳ in progress** — ${plan.subtasks[1]?.title}`);
    expect(text).toContain("#### Testing strategy");
    expect(text).toContain("job `job-1`");
    expect(text).toContain("**Next:** comment `/droid fix` to carry out this plan");
  });

  it("leaves the subtask details out, saying so, when the plan would pass Jira's comment size", () => {
    const long = "Change the normaliser and its callers. ".repeat(38);
    const big: Plan = { ...plan, subtasks: Array.from({ length: 20 }, (_, i) => ({ ...plan.subtasks[0]!, id: `S${i + 1}`, change: long, verification: long.slice(0, 700) })) };
    const doc = renderPlanAdf({ stored: storedPlan(big), changes: null, contextNotes: [], footer: null, commandWord: "droid" });
    expect(JSON.stringify(doc).length).toBeLessThanOrEqual(MAX_COMMENT_JSON_CHARS);
    const text = adfToMarkdown(doc);
    expect(text).not.toContain("#### Subtask details");
    expect(text).toContain("*Subtask details were left out to fit Jira's comment size");
    expect(text).toContain("- **S20 · ⬜ to do** — ");
  });
});
