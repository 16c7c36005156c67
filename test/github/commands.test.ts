import { describe, expect, it } from "vitest";
import { mayHoldCommand, parseCommand } from "../../src/github/commands.ts";

describe("parseCommand", () => {
  it("reads the command and the free text after it", () => {
    expect(parseCommand("/droid plan use Postgres instead", "droid")).toEqual({
      kind: "command",
      name: "plan",
      text: "use Postgres instead",
      ignored: [],
    });
  });

  it("takes following lines as free text, up to the next command", () => {
    expect(parseCommand("/droid fix\nalso update the docs\n\nthanks", "droid")).toMatchObject({
      name: "fix",
      text: "also update the docs\n\nthanks",
    });
  });

  it("accepts up to three leading spaces, any case, and CRLF line ends", () => {
    expect(parseCommand("hello\r\n   /Droid STATUS\r\n", "droid")).toMatchObject({ kind: "command", name: "status" });
  });

  it("treats a bare /droid as help", () => {
    expect(parseCommand("/droid", "droid")).toMatchObject({ kind: "command", name: "help" });
  });

  it("is not fooled by a longer word or a command in a sentence", () => {
    expect(parseCommand("/droidx plan", "droid")).toEqual({ kind: "none" });
    expect(parseCommand("please run /droid plan", "droid")).toEqual({ kind: "none" });
    expect(parseCommand("/droid-plan", "droid")).toEqual({ kind: "none" });
  });

  it("skips fenced code, indented code, quotes, HTML comments and inline code", () => {
    const body = [
      "```",
      "/droid fix",
      "```",
      "~~~~",
      "/droid fix",
      "```",
      "/droid fix",
      "~~~~",
      "    /droid fix",
      "\t/droid fix",
      "> /droid fix",
      ">/droid fix",
      "<!-- /droid fix",
      "/droid fix -->",
      "`/droid fix`",
    ].join("\n");
    expect(parseCommand(body, "droid")).toEqual({ kind: "none" });
  });

  it("keeps an unclosed fence open to the end (GitHub renders it as code)", () => {
    expect(parseCommand("```\n/droid fix", "droid")).toEqual({ kind: "none" });
  });

  it("runs the first of several commands and lists the others", () => {
    expect(parseCommand("/droid plan\ntext\n/droid fix now\n/droid nope", "droid")).toEqual({
      kind: "command",
      name: "plan",
      text: "text",
      ignored: ["/droid fix now", "/droid nope"],
    });
  });

  it("reports an unknown command with its word", () => {
    expect(parseCommand("/droid deploy prod", "droid")).toEqual({ kind: "unknown", word: "deploy", ignored: [] });
  });

  it("strips zero-width characters that hide or split the command", () => {
    expect(parseCommand("\u200B/dr\u200Doid pl\uFEFFan", "droid")).toMatchObject({ kind: "command", name: "plan" });
  });

  it("uses the configured command word, with regex characters taken literally", () => {
    expect(parseCommand("/bot fix", "bot")).toMatchObject({ name: "fix" });
    expect(parseCommand("/droid fix", "bot")).toEqual({ kind: "none" });
    expect(parseCommand("/aXb fix", "a.b")).toEqual({ kind: "none" });
  });

  it("handles a 65,536-character comment quickly", () => {
    const body = `${"x".repeat(65_000)}\n${"```\n".repeat(100)}\n/droid status`;
    const started = performance.now();
    parseCommand(body, "droid");
    expect(performance.now() - started).toBeLessThan(200);
  });
});

describe("mayHoldCommand", () => {
  it("is a cheap filter that never misses a command line", () => {
    expect(mayHoldCommand("/droid plan")).toBe(true);
    expect(mayHoldCommand("text\n  /droid plan")).toBe(true);
    expect(mayHoldCommand("run /droid plan")).toBe(false);
    expect(mayHoldCommand("LGTM")).toBe(false);
  });
});
