import { describe, expect, it } from "vitest";
import { languageOf } from "../../src/context/languages.ts";
import { outlineFile } from "../../src/context/parse.ts";
import { SHOP_FILES } from "./shop-repo.ts";

async function outline(relativePath: string) {
  const language = languageOf(relativePath);
  if (!language) throw new Error(`no language for ${relativePath}`);
  return outlineFile(language, SHOP_FILES[relativePath] ?? "");
}

function definitions(symbols: Array<{ name: string; kind: string; line: number }>): string[] {
  return symbols.map((s) => `${s.kind} ${s.name}@${s.line}`);
}

describe("outlineFile", () => {
  it("reads TypeScript definitions with kinds, line ranges, signatures and exports", async () => {
    const { symbols, references } = await outline("src/orders/service.ts");
    expect(definitions(symbols)).toEqual(["interface Order@3", "type OrderId@8", "class OrderService@11", "method constructor@12", "method total@14", "function placeOrder@20"]);
    const service = symbols.find((s) => s.name === "OrderService");
    expect(service).toMatchObject({ endLine: 18, signature: "export class OrderService", exported: true });
    expect(symbols.find((s) => s.name === "total")?.exported).toBe(false);
    expect(references).toEqual(expect.arrayContaining(["PriceCalculator", "TAX_RATE", "priceOf"]));
  });

  it("reads TSX, CommonJS JavaScript, Python, Go, Rust, Java and Ruby", async () => {
    expect(definitions((await outline("src/web/App.tsx")).symbols)).toEqual(["function App@3"]);
    expect((await outline("src/web/App.tsx")).references).toEqual(expect.arrayContaining(["OrderService", "placeOrder", "total"]));
    expect(definitions((await outline("lib/legacy.js")).symbols)).toEqual(["function Cart@1", "method add@5"]);
    const python = await outline("tools/report.py");
    expect(definitions(python.symbols)).toEqual(["class ReportBuilder@4", "method build@5", "function summarize@9"]);
    expect(python.references).toEqual(expect.arrayContaining(["OrderService", "summarize"]));
    expect(definitions((await outline("cmd/server/main.go")).symbols)).toEqual(["class Server@3", "interface Handler@7", "method Serve@8", "function NewServer@11", "method Start@15"]);
    expect(definitions((await outline("crates/ledger/src/lib.rs")).symbols)).toEqual(["class Ledger@1", "interface Store@5", "method save@6", "method record@10"]);
    const java = await outline("java/src/Invoice.java");
    expect(definitions(java.symbols)).toEqual(["class Invoice@1", "method Invoice@2", "method total@4", "interface Payable@9", "method total@10"]);
    expect(java.references).toContain("Payable");
    const ruby = await outline("app/models/customer.rb");
    expect(definitions(ruby.symbols)).toEqual(["class Customer@1", "method loyalty_points@2"]);
    expect(ruby.references).toEqual(expect.arrayContaining(["Base", "orders"]));
  });

  it("names CommonJS exports after what they define", async () => {
    const { symbols } = await outlineFile("javascript", "module.exports = function discriminator(model) {};\nexports.cast = function () {};\nFoo.prototype.bar = () => 1;\n");
    expect(symbols.map((s) => `${s.kind} ${s.name} ${s.exported}`)).toEqual(["function discriminator true", "method cast true", "method bar false"]);
  });

  it("leaves imports out of the definitions", async () => {
    const { symbols } = await outlineFile("javascript", "const Model = require('./model');\nconst LIMIT = 3;\n");
    expect(definitions(symbols)).toEqual(["variable LIMIT@2"]);
  });
});
