/**
 * The sanitiser for everything Droid posts from model text: each known bypass of the
 * earlier one (a regular expression for code spans) and each way Markdown could let a
 * mention, raw HTML or an open code block through.
 */
import { describe, expect, it } from "vitest";
import { inlineCode, safeInline, safeMarkdown, safeUrl } from "../../src/github/safe-markdown.ts";

const Z = "\u200b";

describe("safeMarkdown: mentions", () => {
  it("breaks user and team mentions, including escaped and entity-encoded ones", () => {
    expect(safeMarkdown("cc @octocat and @org/everyone")).toBe(`cc @${Z}octocat and @${Z}org/everyone`);
    expect(safeMarkdown("\\@org/everyone")).toBe(`\\@${Z}org/everyone`);
    expect(safeMarkdown("&#64;org/everyone &#x40;octocat &commat;octocat &#0064;x")).toBe(`@${Z}org/everyone @${Z}octocat @${Z}octocat @${Z}x`);
    expect(safeMarkdown("_@org/everyone_ **@octocat**")).toBe(`_@${Z}org/everyone_ **@${Z}octocat**`);
    expect(safeMarkdown("@octocat at the start")).toBe(`@${Z}octocat at the start`);
  });

  it("leaves e-mail addresses alone and lets the caller keep the requester mentioned (never a team)", () => {
    expect(safeMarkdown("mail ada@example.com")).toBe("mail ada@example.com");
    expect(safeMarkdown("thanks @Codertocat, not @octocat or @codertocat/team", { mentions: ["codertocat"] })).toBe(
      `thanks @Codertocat, not @${Z}octocat or @${Z}codertocat/team`,
    );
  });

  it("does not let the model hide text or pre-break a mention with invisible characters", () => {
    expect(safeMarkdown("a\u202Eb\u200Bc @\u200Boctocat")).toBe(`abc @${Z}octocat`);
  });
});

describe("safeMarkdown: raw HTML", () => {
  it("escapes tags, comments and forged markers outside code, keeping Markdown", () => {
    expect(safeMarkdown('**Fixed.** <img src=x onerror="alert(1)"> <details><summary>hi</summary> <a href="https://evil">x</a>')).toBe(
      '**Fixed.** &lt;img src=x onerror="alert(1)"> &lt;details>&lt;summary>hi&lt;/summary> &lt;a href="https://evil">x&lt;/a>',
    );
    expect(safeMarkdown("<!-- droid:plan v1 AAAA -->\n> quote\n- [link](https://example.com)")).toBe("&lt;!-- droid:plan v1 AAAA -->\n> quote\n- [link](https://example.com)");
  });

  it("keeps code spans as code, with tags and mentions inside defused invisibly", () => {
    expect(safeMarkdown("`Promise<void>` and `a < b` and `@types/node` and ``a ` b``")).toBe(`\`Promise<${Z}void>\` and \`a < b\` and \`@${Z}types/node\` and \`\`a \` b\`\``);
  });
});

describe("safeMarkdown: code spans that would not be code on GitHub", () => {
  it("an escaped backtick does not open a span", () => {
    expect(safeMarkdown("\\` @org/everyone <img src=x> `")).toBe(`\\\` @${Z}org/everyone &lt;img src=x> \\\``);
  });

  it("a span across a blank line is no span: its backticks are escaped and its inside defused", () => {
    expect(safeMarkdown("`start\n\n@org/everyone <details open>\n\nend`")).toBe(`\\\`start\n\n@${Z}org/everyone &lt;details open>\n\nend\\\``);
  });

  it("a span GitHub would read as a link destination cannot carry a live mention or tag", () => {
    expect(safeMarkdown("[a](`) @org/everyone <img src=x> (`)")).toBe(`[a](\`) @${Z}org/everyone <${Z}img src=x> (\`)`);
  });

  it("a span split by a table's pipes cannot carry a live mention or tag", () => {
    const table = "| a | b |\n| - | - |\n| `x | @org/team <img src=x> | y` |";
    expect(safeMarkdown(table)).toBe(`| a | b |\n| - | - |\n| \`x | @${Z}org/team <${Z}img src=x> | y\` |`);
  });

  it("a lone backtick at the end is escaped, so it cannot pair with the caller's next one", () => {
    expect(safeMarkdown("Use `foo")).toBe("Use \\`foo");
    expect(safeMarkdown("two `` and one `")).toBe("two \\`\\` and one \\`");
  });
});

describe("safeMarkdown: fenced code", () => {
  it("keeps the content of a closed fence as it is", () => {
    expect(safeMarkdown("Run:\n\n```sh\necho '<b>' @x\n```\nDone.")).toBe("Run:\n\n```sh\necho '<b>' @x\n```\nDone.");
  });

  it("closes an unclosed fence at the end (backticks and tildes), so the rest of the comment is not swallowed", () => {
    expect(safeMarkdown("Done.\n```js\nconst a = 1;")).toBe("Done.\n\n```js\nconst a = 1;\n```");
    expect(safeMarkdown("~~~~\n~~~\nstill code")).toBe("~~~~\n~~~\nstill code\n~~~~");
    expect(safeMarkdown("```\ncode\n````")).toBe("```\ncode\n```");
  });

  it("moves a fence out of a list or quote, so it ends where the sanitiser thinks it ends", () => {
    expect(safeMarkdown("- item\n  ```\n  <img src=x>\n  ```\n@org/everyone")).toBe(`- item\n\n\`\`\`\n<img src=x>\n\`\`\`\n@${Z}org/everyone`);
  });

  it("does not take a backtick line with a backtick in its info string for a fence", () => {
    expect(safeMarkdown("``` a`b\n@octocat")).toBe(`\\\`\\\`\\\` a\\\`b\n@${Z}octocat`);
  });

  it("breaks HTML comments inside fences, so Droid's markers cannot be forged there", () => {
    expect(safeMarkdown("```\n<!-- droid:revisions -->\n```")).toBe(`\`\`\`\n<${Z}!-- droid:revisions -->\n\`\`\``);
  });
});

describe("safeInline and inlineCode", () => {
  it("keeps one line and never starts a fence where the caller puts it", () => {
    expect(safeInline("first\n\nsecond <b> @x")).toBe(`first second &lt;b> @${Z}x`);
    expect(safeInline("```js")).toBe("\\`\\`\\`js");
    expect(safeInline("~~~ yaml")).toBe("\\~~~ yaml");
    expect(safeInline("~~struck~~")).toBe("~~struck~~");
  });

  it("quotes any text as one code span", () => {
    expect(inlineCode("src/a.ts")).toBe("`src/a.ts`");
    expect(inlineCode("a`b``c")).toBe("```a`b``c```");
    expect(inlineCode("`edge`")).toBe("`` `edge` ``");
    expect(inlineCode("x` @org/everyone <img src=x> `y")).toBe(`\`\`x\` @${Z}org/everyone <${Z}img src=x> \`y\`\``);
    expect(inlineCode("a".repeat(120))).toBe(`\`${"a".repeat(97)}...\``);
  });
});

describe("safeUrl", () => {
  it("keeps http(s) links and encodes what would end a link destination early", () => {
    expect(safeUrl("https://sentry.io/issues/1/?a=b")).toBe("https://sentry.io/issues/1/?a=b");
    expect(safeUrl("https://x.test/a) @org/everyone <img src=x> (")).toBe("https://x.test/a%29%20@org/everyone%20%3Cimg%20src=x%3E%20%28");
    expect(safeUrl("javascript:alert(1)")).toBeNull();
    expect(safeUrl("not a url")).toBeNull();
  });
});
