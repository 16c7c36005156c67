import { describe, expect, it } from "vitest";
import { renderRepositoryMap } from "../../src/context/index.ts";
import { fileRanks } from "../../src/context/graph.ts";
import { pageRank } from "../../src/context/pagerank.ts";
import { seedVector } from "../../src/context/render.ts";
import { indexedShop } from "./shop-repo.ts";

const shop = indexedShop();

function rankOf(ranks: Float64Array, relativePath: string): number {
  const order = shop.index.files.map((file, n) => ({ path: file.path, rank: ranks[n] ?? 0 })).sort((a, b) => b.rank - a.rank);
  return order.findIndex((entry) => entry.path === relativePath);
}

describe("pageRank", () => {
  it("ranks what is pointed at, and restarts where it is told", () => {
    // 0 → 1 → 2, 3 → 2: node 2 is the most central; restarting at 3 lifts 3 above 0 and 1.
    const graph = { nodes: 4, from: Int32Array.from([0, 1, 3]), to: Int32Array.from([1, 2, 2]), weight: Float64Array.from([1, 1, 1]) };
    const plain = pageRank(graph);
    expect(plain.indexOf(Math.max(...plain))).toBe(2);
    expect(plain.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    const seeded = pageRank(graph, { personalization: Float64Array.from([0, 0, 0, 1]) });
    expect(seeded[3]).toBeGreaterThan(seeded[0] ?? 0);
    expect(seeded[3]).toBeGreaterThan(seeded[1] ?? 0);
  });
});

describe("the reference graph", () => {
  it("makes the files others use central, and personalisation moves seeds up", () => {
    const plain = fileRanks(shop.index);
    expect(rankOf(plain, "src/pricing/calculator.ts")).toBeLessThan(rankOf(plain, "java/src/Invoice.java"));
    const seeded = fileRanks(shop.index, seedVector(shop.index, ["Invoice", "java/src/Invoice.java"]));
    expect(rankOf(seeded, "java/src/Invoice.java")).toBe(0);
    expect(rankOf(seeded, "java/src/Invoice.java")).toBeLessThan(rankOf(plain, "java/src/Invoice.java"));
  });
});

describe("renderRepositoryMap", () => {
  it("lists files by rank with their key signatures and line numbers", () => {
    const map = renderRepositoryMap(shop.index, { maxChars: 10_000 });
    expect(map).toContain("src/pricing/calculator.ts\n");
    expect(map).toMatch(/^ {2}\s*3: export class PriceCalculator$/m);
    expect(map.indexOf("src/pricing/calculator.ts")).toBeLessThan(map.indexOf("java/src/Invoice.java"));
  });

  it("stays within its budget, dropping signatures before files", () => {
    for (const maxChars of [60, 200, 500]) {
      const map = renderRepositoryMap(shop.index, { maxChars });
      expect(map.length).toBeLessThanOrEqual(maxChars);
      expect(map.length).toBeGreaterThan(0);
    }
    expect(renderRepositoryMap(shop.index, { maxChars: 5 })).toBe("");
  });

  it("puts the seeds first", () => {
    const map = renderRepositoryMap(shop.index, { maxChars: 10_000, seeds: ["Customer", "loyalty points"] });
    expect(map.startsWith("app/models/customer.rb\n")).toBe(true);
  });
});
