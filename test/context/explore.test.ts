import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findFiles, findSymbol, PathOutsideRootError, RepositoryIndex, searchCode, viewFile } from "../../src/context/index.ts";
import { writeShop } from "./shop-repo.ts";

let shop: Awaited<ReturnType<typeof writeShop>>;
let outside: string;
let cacheDir: string;
let index: RepositoryIndex;

beforeAll(async () => {
  shop = await writeShop();
  outside = await mkdtemp(path.join(os.tmpdir(), "droid-outside-"));
  await writeFile(path.join(outside, "secret.txt"), "token=hunter2\n");
  await mkdir(path.join(outside, "dir"));
  await writeFile(path.join(outside, "dir", "keys.ts"), "export const key = 1;\n");
  await symlink(path.join(outside, "secret.txt"), path.join(shop.root, "src", "leak.txt"));
  await symlink(path.join(outside, "dir"), path.join(shop.root, "linked"));
  await symlink(path.join(shop.root, "README.md"), path.join(shop.root, "docs-readme.md"));
  cacheDir = await mkdtemp(path.join(os.tmpdir(), "droid-explore-cache-"));
  index = await RepositoryIndex.build({ root: shop.root, repository: "acme/shop", commit: "a1", cacheDir });
});

afterAll(async () => {
  await shop.dispose();
  await rm(outside, { recursive: true, force: true });
  await rm(cacheDir, { recursive: true, force: true });
});

describe("viewFile", () => {
  it("shows a numbered line range and says whether more was cut", async () => {
    const view = await viewFile(index, "src/pricing/calculator.ts", { startLine: 3, endLine: 5 });
    expect(view).toMatchObject({ startLine: 3, endLine: 5, totalLines: 13, truncated: false });
    expect(view.text).toBe("3│ export class PriceCalculator {\n4│   priceOf(item: string): number {\n5│     // a discount applies to bulk items");
    const capped = await viewFile(index, "src/orders/service.ts", { maxLines: 2 });
    expect(capped).toMatchObject({ startLine: 1, endLine: 2, truncated: true });
  });

  it("refuses paths that leave the repository", async () => {
    await expect(viewFile(index, "../../etc/passwd")).rejects.toThrow(PathOutsideRootError);
    await expect(viewFile(index, "src/../../x")).rejects.toThrow("`..` is not allowed");
    await expect(viewFile(index, "/etc/passwd")).rejects.toThrow("absolute paths are not allowed");
    await expect(viewFile(index, "src/leak.txt")).rejects.toThrow("a symbolic link leads outside the repository");
    await expect(viewFile(index, "linked/keys.ts")).rejects.toThrow(PathOutsideRootError);
    await expect(viewFile(index, "src/nothing.ts")).rejects.toThrow(/ENOENT/);
  });

  it("follows a symlink that stays inside", async () => {
    expect((await viewFile(index, "docs-readme.md")).text).toContain("# Shop");
  });
});

describe("searchCode", () => {
  it("finds literal text, counts every match and caps what it shows", async () => {
    const result = await searchCode(index, { pattern: "order", maxResults: 2 });
    expect(result.matches).toHaveLength(2);
    expect(result.total).toBeGreaterThan(2);
    expect(result.files).toBeGreaterThan(1);
    expect(result.truncated).toBe(true);
    const literal = await searchCode(index, { pattern: "priceOf(", caseSensitive: true });
    expect(literal.matches.map((m) => `${m.path}:${m.line}`)).toEqual(["src/orders/service.ts:15", "src/pricing/calculator.ts:4"]);
  });

  it("takes regular expressions and a path filter, and never reads outside the index", async () => {
    const result = await searchCode(index, { pattern: "^(pub )?fn |^func ", regex: true, paths: "**/*.go" });
    expect(result.matches.map((m) => m.text)).toEqual(["func NewServer() *Server {", "func (s *Server) Start() {"]);
    expect((await searchCode(index, { pattern: "hunter2" })).total).toBe(0);
  });
});

describe("findFiles and findSymbol", () => {
  it("finds files by glob or by a part of their path", () => {
    expect(findFiles(index, "**/*.ts").paths).toEqual(["src/orders/service.ts", "src/pricing/calculator.ts"]);
    expect(findFiles(index, "PRICING")).toEqual({ paths: ["src/pricing/calculator.ts"], total: 1 });
    expect(findFiles(index, "src/", 1)).toEqual({ paths: ["crates/ledger/src/lib.rs"], total: 5 });
  });

  it("gives a symbol's definitions and the lines that use it", async () => {
    const uses = await findSymbol(index, "placeOrder");
    expect(uses.definitions.map((d) => `${d.path}:${d.symbol.line}`)).toEqual(["src/orders/service.ts:20"]);
    expect(uses.references.map((r) => `${r.path}:${r.line}`)).toEqual(["src/web/App.tsx:1", "src/web/App.tsx:4"]);
    expect(uses.totalReferences).toBe(2);
  });
});
