import nock from "nock";
import { describe, expect, it } from "vitest";
import { safeMarkdown } from "../../src/github/safe-markdown.ts";
import {
  findPlanComment,
  MAX_COMMENT_CHARS,
  parsePlanComment,
  renderPlanComment,
  upsertPlanComment,
  type PlanCommentView,
} from "../../src/github/plan-comment.ts";
import { encodeStoredPlan } from "../../src/github/plan-marker.ts";
import { diffPlans } from "../../src/planning/diff.ts";
import { MAX_PLAN_JSON_CHARS, ModelPlanSchema, type Plan } from "../../src/planning/schema.ts";
import { BOT_LOGIN, GITHUB, testOctokit } from "../fixtures/github.ts";
import { bugFixInput, featureInput, storedPlan } from "../fixtures/plans.ts";

const bugFix: Plan = { ...ModelPlanSchema.parse(bugFixInput()), template: { kind: "bug-fix", title: "Bug fix", source: "built-in", chosenBy: "label" } };
const feature: Plan = { ...ModelPlanSchema.parse(featureInput()), template: { kind: "feature", title: "Feature", source: "built-in", chosenBy: "model" } };

function view(plan: Plan, extra: Partial<PlanCommentView> = {}): PlanCommentView {
  return {
    stored: storedPlan(plan),
    changes: null,
    contextNotes: ["Issue #1: title, body, 2 of 3 comment(s), 1 linked pull request(s)", "Repository: README, languages, top-level tree from `master`"],
    footer: { jobId: "job-plan-1", model: "claude-sonnet-5-5", usage: { input: 812, output: 1630, cacheWrite: 5120, cacheRead: 0 }, costUsd: 0.031, durationMs: 42_000 },
    commandWord: "droid",
    ...extra,
  };
}

describe("the plan comment", () => {
  it("renders a bug-fix plan", () => {
    expect(renderPlanComment(view(bugFix))).toMatchSnapshot();
  });

  it("renders a revised feature plan with what changed", () => {
    const previous: Plan = { ...feature, subtasks: feature.subtasks.slice(0, 2).map((s) => (s.id === "S2" ? { ...s, title: "Read the header" } : s)), risks: [] };
    const body = renderPlanComment(view(feature, { stored: storedPlan(feature, 2), changes: diffPlans(previous, feature) }));
    expect(body).toMatchSnapshot();
    expect(body).toContain("<details><summary>What changed in revision 2</summary>");
  });

  it("carries the plan JSON in a hidden marker that round-trips", () => {
    const stored = storedPlan(bugFix);
    const body = renderPlanComment(view(bugFix));
    expect(body.startsWith(encodeStoredPlan(stored))).toBe(true);
    expect(parsePlanComment(body)).toEqual({ stored, editedByHuman: [] });
  });

  it("respects checkbox edits made by humans", () => {
    const body = renderPlanComment(view({ ...bugFix, subtasks: bugFix.subtasks.map((s) => (s.id === "S2" ? { ...s, state: "done" } : s)) }));
    expect(body).toContain("- [x] **S2**");
    const edited = body.replace("- [ ] **S1**", "- [x] **S1**").replace("- [x] **S2**", "- [ ] **S2**");
    const parsed = parsePlanComment(edited);
    expect(parsed?.editedByHuman).toEqual(["S1", "S2"]);
    expect(parsed?.stored.plan.subtasks.map((s) => s.state)).toEqual(["done", "todo"]);
  });

  it("ignores bodies without a valid marker, or with one not at the start", () => {
    expect(parsePlanComment("just a comment")).toBeNull();
    expect(parsePlanComment("<!-- droid:plan v1 bm90IGpzb24= -->")).toBeNull();
    expect(parsePlanComment(`quoted:\n${encodeStoredPlan(storedPlan(bugFix))}`)).toBeNull();
  });

  it("never exceeds GitHub's limit: long sections are cut with a visible note", () => {
    const long = "This subtask touches many modules and explains each of them at length. ".repeat(20).slice(0, 500);
    const huge: Plan = {
      ...bugFix,
      testing: "Test everything carefully. ".repeat(115).slice(0, 3000),
      subtasks: Array.from({ length: 20 }, (_, i) => ({
        id: `S${i + 1}`,
        title: `Subtask number ${i + 1} with a long descriptive title that goes on`,
        change: long,
        files: Array.from({ length: 4 }, (_, j) => `src/module-${i}/file-${j}.ts`),
        verification: "Run the module's tests and check the logs. ".repeat(18).slice(0, 250),
        state: "todo" as const,
      })),
    };
    // As large as the planner accepts.
    expect(JSON.stringify(huge).length).toBeGreaterThan(MAX_PLAN_JSON_CHARS * 0.9);
    expect(JSON.stringify(huge).length).toBeLessThanOrEqual(MAX_PLAN_JSON_CHARS);
    const notes = Array.from({ length: 1000 }, (_, i) => `Note ${i}: comment by @someone trimmed because the thread is very long indeed`);
    const body = renderPlanComment(view(huge, { contextNotes: notes }));
    expect(body.length).toBeLessThanOrEqual(MAX_COMMENT_CHARS);
    expect(body).toMatch(/_\(\d+ characters cut to fit GitHub's comment size limit\)_/);
    expect(body).toContain("- [ ] **S20**");
    expect(body).toContain("**Next:** comment `/droid fix`");
    expect(parsePlanComment(body)?.stored.plan.subtasks).toHaveLength(20);
  });

  it("closes a code block that the cut to GitHub's limit left open, so it cannot swallow the rest", () => {
    const plan: Plan = {
      ...bugFix,
      risks: [],
      testing: `Run these:\n\n\`\`\`sh\n${"npm test -- --grep 'a long pattern here'\n".repeat(1600)}\`\`\`\n`,
      subtasks: Array.from({ length: 20 }, (_, i) => ({ ...bugFix.subtasks[0]!, id: `S${i + 1}`, title: `Subtask ${i + 1}`, change: "Change this and that. ".repeat(52), files: [] })),
    };
    const body = renderPlanComment(view(plan, { contextNotes: ["a note"] }));
    const testing = body.slice(body.indexOf("<summary>Testing strategy"));
    expect(testing).toMatch(/^<summary>Testing strategy<\/summary>\n\nRun these:\n\n```sh\n[^`]+characters cut to fit GitHub's comment size limit\)_\n```\n\n<\/details>/);
    expect(body).toContain("**Next:** comment `/droid fix`");
  });

  it("neutralises mentions, HTML and forged markers in model text, invisibly inside code", () => {
    expect(safeMarkdown("ping @octocat <script>x</script> <!-- droid:plan v1 AAAA --> `a<b>` `@x`")).toBe(
      "ping @\u200boctocat &lt;script>x&lt;/script> &lt;!-- droid:plan v1 AAAA --> `a<\u200bb>` `@\u200bx`",
    );
  });
});

describe("finding and upserting the plan comment", () => {
  const ref = { owner: "Codertocat", repo: "Hello-World", issueNumber: 1 };

  it("finds Droid's own comment across pages and ignores a forged marker from a human", async () => {
    const real = renderPlanComment(view(bugFix));
    const forged = renderPlanComment(view(feature));
    const scope = nock(GITHUB)
      .get("/repos/Codertocat/Hello-World/issues/1/comments")
      .query({ per_page: 100 })
      .reply(200, [{ id: 1, body: forged, user: { login: "mallory" } }, { id: 2, body: "hi", user: { login: BOT_LOGIN } }], {
        link: '<https://api.github.com/repositories/1/issues/1/comments?per_page=100&page=2>; rel="next"',
      })
      .get("/repositories/1/issues/1/comments")
      .query({ per_page: 100, page: 2 })
      .reply(200, [{ id: 3, body: real, user: { login: BOT_LOGIN } }]);
    const found = await findPlanComment(testOctokit(), ref, BOT_LOGIN);
    expect(found?.id).toBe(3);
    expect(found?.parsed?.stored.plan.template.kind).toBe("bug-fix");
    expect(scope.isDone()).toBe(true);
  });

  it("creates the first comment, then edits it in place", async () => {
    const octokit = testOctokit();
    const scope = nock(GITHUB)
      .post("/repos/Codertocat/Hello-World/issues/1/comments", { body: "first" })
      .reply(201, { id: 99, body: "first" })
      .patch("/repos/Codertocat/Hello-World/issues/comments/99", { body: "second" })
      .reply(200, { id: 99, body: "second" });
    expect(await upsertPlanComment(octokit, ref, "first", null)).toEqual({ id: 99, action: "created" });
    expect(await upsertPlanComment(octokit, ref, "second", { id: 99, body: "first", parsed: null })).toEqual({ id: 99, action: "updated" });
    expect(scope.isDone()).toBe(true);
  });
});
