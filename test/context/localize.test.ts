import { describe, expect, it } from "vitest";
import { localize, renderRelevantCode } from "../../src/context/index.ts";
import { withoutTemplate } from "../../src/context/issue-text.ts";
import { indexedShop } from "./shop-repo.ts";

const shop = indexedShop();

describe("localize", () => {
  it("finds the file an issue is about, with the matching symbols and lines", async () => {
    const result = await localize(shop.index, {
      text: "Bulk items get the wrong price\n\nThe discount for bulk items is applied twice when `priceOf` is called from the order total.",
    });
    const first = result.candidates[0];
    expect(first?.path).toBe("src/pricing/calculator.ts");
    expect(first?.why.join(" ")).toContain("`priceOf`");
    expect(first?.symbols.map((s) => s.name)).toEqual(expect.arrayContaining(["priceOf", "applyDiscount"]));
    expect(first?.snippets.flatMap((s) => s.lines).join("\n")).toContain("bulk");
    expect(first?.snippets[0]?.startLine).toBeGreaterThan(0);
  });

  it("follows a stack trace to the crash site and shows that line", async () => {
    const text = [
      "Checkout crashes",
      "```",
      "TypeError: Cannot read properties of undefined (reading 'reduce')",
      "    at OrderService.total (/srv/shop/src/orders/service.ts:15:29)",
      "    at App (/srv/shop/src/web/App.tsx:4:90)",
      "```",
    ].join("\n");
    const result = await localize(shop.index, { text });
    expect(result.candidates[0]?.path).toBe("src/orders/service.ts");
    expect(result.candidates[0]?.why[0]).toBe("stack frame OrderService.total line 15");
    expect(result.candidates[0]?.snippets.some((s) => s.startLine <= 15 && 15 < s.startLine + s.lines.length)).toBe(true);
    expect(result.candidates.slice(0, 2).map((c) => c.path)).toContain("src/web/App.tsx");
  });

  it("weighs paths named in the text and recent changes that read alike", async () => {
    const named = await localize(shop.index, { text: "Typo in crates/ledger/src/lib.rs" });
    expect(named.candidates[0]?.path).toBe("crates/ledger/src/lib.rs");
    const text = "The server listens on the wrong port after the last release";
    const history = [
      { paths: ["cmd/server/main.go"], text: "Make the server port configurable" },
      { paths: ["README.md"], text: "Docs: spelling" },
    ];
    const withHistory = await localize(shop.index, { text, history });
    expect(withHistory.candidates[0]?.path).toBe("cmd/server/main.go");
    expect(withHistory.candidates[0]?.why).toContain("changed by a recent change that reads alike");
  });

  it("ignores issue-template boilerplate", () => {
    const text = "**What is the current behavior?**\nTotals are wrong\n- [x] I have searched existing issues\n### Node.js version\n20\n<!-- fill in -->";
    expect(withoutTemplate(text)).toBe("Totals are wrong\n20\n");
  });
});

describe("renderRelevantCode", () => {
  it("renders candidates in rank order within the budget", async () => {
    const result = await localize(shop.index, { text: "Bulk discount on priceOf is wrong; OrderService total uses TAX_RATE" });
    const full = renderRelevantCode(result, { maxChars: 20_000 });
    expect(full).toMatch(/^## src\/pricing\/calculator\.ts$/m);
    expect(full).toMatch(/^ {4}\d│ .*bulk/m);
    for (const maxChars of [300, 800, 2_000]) {
      const section = renderRelevantCode(result, { maxChars });
      expect(section.length).toBeLessThanOrEqual(maxChars);
      expect(section.startsWith(`## ${result.candidates[0]?.path}`)).toBe(true);
    }
  });
});
