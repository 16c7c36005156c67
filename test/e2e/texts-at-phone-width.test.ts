/**
 * Droid's texts at their worst case (test/fixtures/worst-texts.ts) as a reader sees them:
 * rendered to HTML with a GFM renderer and loaded in headless Chromium at 390 px. No table
 * Droid writes scrolls sideways, nothing is wider than the screen, no HTML shows as text,
 * every `<details>` starts closed. The Markdown is snapshotted; screenshots go to
 * `test-results/texts/`.
 */
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inspectText, launchBrowser } from "../helpers/gfm-page.ts";
import { LONG_TITLE, worstTexts } from "../fixtures/worst-texts.ts";

const SHOTS = path.resolve("test-results", "texts");
let browser: Browser | undefined;

beforeAll(async () => {
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

const texts = worstTexts();

describe("Droid's texts on a phone (390 px)", () => {
  for (const [name, markdown] of Object.entries(texts)) {
    it(`${name}: fits the screen, shows no HTML, opens nothing`, async () => {
      if (!browser) throw new Error("no browser");
      expect(markdown).toMatchSnapshot();
      const seen = await inspectText(browser, markdown, { dir: SHOTS, name });
      expect(seen.scrollingTables).toBe(0);
      expect(seen.pageOverflow).toBe(0);
      expect(seen.rawHtml).toEqual([]);
      expect(seen.openDetails).toBe(0);
      // The hidden markers stay hidden.
      expect(seen.text).not.toContain("droid:");
    }, 60_000);
  }
});

describe("what the worst-case texts say", () => {
  it("the plan: one status line under the heading, every subtask listed, the marker compact", () => {
    const plan = texts["plan-comment"] ?? "";
    expect(plan.split("\n")[2]).toBe("📋 Plan ready · 42 s · $0.03 · [job `3f9c2d1e`](https://droid.example.com/runs/3f9c2d1e-8b7a-4c65-9e21-0d4f5a6b7c8d)");
    expect(plan).toContain(`- [ ] **S1** ${LONG_TITLE.slice(0, 120)}`);
    expect(plan).toContain("- [ ] **S20** ");
    expect((plan.split("\n")[0] ?? "").length).toBeLessThan(2_500);
  });

  it("a budget-stopped run: Refs, the limit once with its setting, not finished instead of failed, open questions", () => {
    const body = texts["pr-body-budget-stopped"] ?? "";
    expect(body.startsWith("⚠️ Budget reached · 18 min · $4.62 · [job `3f9c2d1e`]")).toBe(true);
    expect(body).toContain("Refs #12 — not complete.");
    expect(body).not.toContain("Closes #12");
    expect(body.split("budget of $5.00")).toHaveLength(2);
    expect(body).toContain("Raise `budget.usd` (or `budget.tokens`) in `.github/droid.yml`");
    expect(body).toContain("### Plan (7 of 20 subtasks done)");
    expect(body).toContain("- ✅ **S7** Route the conversion in module 6 through the rate cache and its fallback\n\n**Not finished (13):**\n\n- ⬜ **S8** Route");
    expect(body).not.toContain("❌ **");
    expect(body).toContain("### Open questions\n\n- Should a rate older than 24 hours");
    const plan = texts["plan-comment-budget-stopped"] ?? "";
    expect(plan).toContain("\n⚠️ Budget reached · 18 min · $4.62 · draft PR #7\n");
    expect(plan).not.toContain("so far");
    expect(plan).not.toContain("cancels the run");
    expect(plan).toContain("**Next:** #7 is a draft with the partial work. The plan is not finished. Its tests are failing.");
    expect(plan).toContain("Issue #12: title, body, 14 of 60 comments");
  });

  it("a complete run: Closes, Done, Next points to the review", () => {
    expect(texts["pr-body-complete"]).toContain("\n\nCloses #12\n");
    expect(texts["plan-comment-done"]).toContain("\n✅ Done · 18 min · $3.90 · PR #7\n");
    expect(texts["plan-comment-done"]).toContain("**Next:** Review #7; review comments there steer the next revision.");
  });

  it("huge and sub-cent costs", () => {
    expect(texts["closing-report-huge-cost"]).toMatch(/^✅ Done · 18 min · \$12,345\.68 · PR #7\n/);
    expect(texts["closing-report-sub-cent"]).toMatch(/^✅ Done · 18 min · < \$0\.01 · PR #7\n/);
    expect(texts["plan-comment-sub-cent"]).toContain("\n📋 Plan ready · 42 s · < $0.01 · ");
    for (const text of Object.values(texts)) expect(text).not.toMatch(/\$0\.00\b|\$\d+\.\d\b|\$\d+\.\d{3,}/);
  });
});
