import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findFiles, findSymbol, PathOutsideRootError, searchCode, viewFile } from "../../src/context/index.ts";
import { indexedShop } from "./shop-repo.ts";

let outside = "";

beforeAll(async () => {
  outside = await mkdtemp(path.join(os.tmpdir(), "droid-outside-"));
  await writeFile(path.join(outside, "secret.txt"), "token=hunter2\n");
  await mkdir(path.join(outside, "dir"));
  await writeFile(path.join(outside, "dir", "keys.ts"), "export const key = 1;\n");
});

afterAll(() => rm(outside, { recursive: true, force: true }));

// Links out of the repository (a file, a directory) and one that stays inside.
const shop = indexedShop(async (root) => {
  await symlink(path.join(outside, "secret.txt"), path.join(root, "src", "leak.txt"));
  await symlink(path.join(outside, "dir"), path.join(root, "linked"));
  await symlink(path.join(root, "README.md"), path.join(root, "docs-readme.md"));
});
describe("viewFile", () => {
  it("shows a numbered line range and says whether more was cut", async () => {
    const view = await viewFile(shop.index, "src/pricing/calculator.ts", { startLine: 3, endLine: 5 });
    expect(view).toMatchObject({ startLine: 3, endLine: 5, totalLines: 13, truncated: false });
    expect(view.text).toBe("3│ export class PriceCalculator {\n4│   priceOf(item: string): number {\n5│     // a discount applies to bulk items");
    const capped = await viewFile(shop.index, "src/orders/service.ts", { maxLines: 2 });
    expect(capped).toMatchObject({ startLine: 1, endLine: 2, truncated: true });
  });

  it("refuses paths that leave the repository", async () => {
    await expect(viewFile(shop.index, "../../etc/passwd")).rejects.toThrow(PathOutsideRootError);
    await expect(viewFile(shop.index, "src/../../x")).rejects.toThrow("`..` is not allowed");
    await expect(viewFile(shop.index, "/etc/passwd")).rejects.toThrow("absolute paths are not allowed");
    await expect(viewFile(shop.index, "src/leak.txt")).rejects.toThrow("a symbolic link leads outside the repository");
    await expect(viewFile(shop.index, "linked/keys.ts")).rejects.toThrow(PathOutsideRootError);
    await expect(viewFile(shop.index, "src/nothing.ts")).rejects.toThrow(/ENOENT/);
  });

  it("follows a symlink that stays inside", async () => {
    expect((await viewFile(shop.index, "docs-readme.md")).text).toContain("# Shop");
  });
});

describe("searchCode", () => {
  it("finds literal text, counts every match and caps what it shows", async () => {
    const result = await searchCode(shop.index, { pattern: "order", maxResults: 2 });
    expect(result.matches).toHaveLength(2);
    expect(result.total).toBeGreaterThan(2);
    expect(result.files).toBeGreaterThan(1);
    expect(result.truncated).toBe(true);
    const literal = await searchCode(shop.index, { pattern: "priceOf(", caseSensitive: true });
    expect(literal.matches.map((m) => `${m.path}:${m.line}`)).toEqual(["src/orders/service.ts:15", "src/pricing/calculator.ts:4"]);
  });

  it("takes regular expressions and a path filter, and never reads outside the index", async () => {
    const result = await searchCode(shop.index, { pattern: "^(pub )?fn |^func ", regex: true, paths: "**/*.go" });
    expect(result.matches.map((m) => m.text)).toEqual(["func NewServer() *Server {", "func (s *Server) Start() {"]);
    expect((await searchCode(shop.index, { pattern: "hunter2" })).total).toBe(0);
  });
});

describe("findFiles and findSymbol", () => {
  it("finds files by glob or by a part of their path", () => {
    expect(findFiles(shop.index, "**/*.ts").paths).toEqual(["src/orders/service.ts", "src/pricing/calculator.ts"]);
    expect(findFiles(shop.index, "PRICING")).toEqual({ paths: ["src/pricing/calculator.ts"], total: 1 });
    expect(findFiles(shop.index, "src/", 1)).toEqual({ paths: ["crates/ledger/src/lib.rs"], total: 5 });
  });

  it("gives a symbol's definitions and the lines that use it", async () => {
    const uses = await findSymbol(shop.index, "placeOrder");
    expect(uses.definitions.map((d) => `${d.path}:${d.symbol.line}`)).toEqual(["src/orders/service.ts:20"]);
    expect(uses.references.map((r) => `${r.path}:${r.line}`)).toEqual(["src/web/App.tsx:1", "src/web/App.tsx:4"]);
    expect(uses.totalReferences).toBe(2);
  });
});
