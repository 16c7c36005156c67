import { describe, expect, it } from "vitest";
import { insertAt, replaceUnique } from "../../src/agent/editor.ts";

const FILE = "function a() {\n  return 1;\n}\n\nfunction b() {\n  return 1;\n}\n";

describe("replaceUnique", () => {
  it("replaces an exact, unique match and says on which line", () => {
    expect(replaceUnique(FILE, "function b() {\n  return 1;", "function b() {\n  return 2;")).toEqual({
      ok: true,
      content: FILE.replace("function b() {\n  return 1;", "function b() {\n  return 2;"),
      line: 5,
    });
  });

  it("refuses a text that matches more than once, naming the lines", () => {
    expect(replaceUnique(FILE, "  return 1;", "  return 3;")).toEqual({
      ok: false,
      error: "old_str matches FILE more than once (at lines 2, 6); include more surrounding lines to make it unique.",
    });
    // Overlapping matches count too.
    expect(replaceUnique("aaa", "aa", "b")).toMatchObject({ ok: false });
  });

  it("refuses a text that is not there, whitespace included", () => {
    const result = replaceUnique(FILE, "function a() {\n    return 1;", "x");
    expect(result).toMatchObject({ ok: false });
    expect(!result.ok && result.error).toContain("old_str was not found in FILE");
  });

  it("inserts the new text literally (no $ patterns)", () => {
    const result = replaceUnique("const price = 1;\n", "1", "'$&' + `$1` + $$");
    expect(result).toEqual({ ok: true, content: "const price = '$&' + `$1` + $$;\n", line: 1 });
  });

  it("matches a model's \\n text in a file with CRLF line endings, and keeps CRLF", () => {
    const crlf = FILE.replaceAll("\n", "\r\n");
    const result = replaceUnique(crlf, "function b() {\n  return 1;", "function b() {\n  // two\n  return 2;");
    expect(result).toEqual({ ok: true, content: crlf.replace("function b() {\r\n  return 1;", "function b() {\r\n  // two\r\n  return 2;"), line: 5 });
  });
});

describe("insertAt", () => {
  it("inserts after a line, at the top with 0, and at the end", () => {
    expect(insertAt("a\nb\n", 1, "x")).toEqual({ ok: true, content: "a\nx\nb\n", line: 2 });
    expect(insertAt("a\nb\n", 0, "x\ny\n")).toEqual({ ok: true, content: "x\ny\na\nb\n", line: 1 });
    expect(insertAt("a\nb\n", 2, "x")).toEqual({ ok: true, content: "a\nb\nx\n", line: 3 });
  });

  it("keeps a file without a final newline without one", () => {
    expect(insertAt("a\nb", 1, "x")).toEqual({ ok: true, content: "a\nx\nb", line: 2 });
  });

  it("refuses a line past the end", () => {
    expect(insertAt("a\nb\n", 3, "x")).toEqual({ ok: false, error: "insert_line 3 is past the end of FILE, which has 2 lines." });
  });

  it("writes inserted lines with the file's CRLF line endings", () => {
    expect(insertAt("a\r\nb\r\n", 1, "x\ny")).toEqual({ ok: true, content: "a\r\nx\r\ny\r\nb\r\n", line: 2 });
  });
});
