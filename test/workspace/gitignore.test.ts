import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GitignoreMatcher, branchNameFor, freeBranchName } from "../../src/workspace/index.ts";

describe("gitignore rules applied to files coming back from the sandbox", () => {
  let tree: string;
  let gitdir: string;

  beforeEach(async () => {
    const base = await mkdtemp(path.join(tmpdir(), "droid-ignore-"));
    tree = path.join(base, "tree");
    gitdir = path.join(base, "git");
    await mkdir(path.join(tree, "packages", "web"), { recursive: true });
    await mkdir(path.join(gitdir, "info"), { recursive: true });
    await writeFile(path.join(tree, ".gitignore"), "node_modules/\n*.log\n!keep.log\nbuild\n");
    await writeFile(path.join(tree, "packages", "web", ".gitignore"), "dist/\n*.tmp\n");
    await writeFile(path.join(gitdir, "info", "exclude"), "secret-notes.md\n");
  });
  afterEach(async () => {
    await rm(path.dirname(tree), { recursive: true, force: true });
  });

  it("follows nested files, negations, directory patterns and info/exclude", async () => {
    const matcher = await GitignoreMatcher.load(tree, gitdir);
    const verdicts = Object.fromEntries(
      await Promise.all(
        [
          "src/index.js",
          "node_modules/dep/index.js",
          "packages/web/node_modules/x.js",
          "debug.log",
          "keep.log",
          "build/out.js",
          "packages/web/dist/app.js",
          "packages/web/src/a.tmp",
          "packages/api/a.tmp",
          "secret-notes.md",
        ].map(async (file) => [file, await matcher.isIgnored(file)] as const),
      ),
    );
    expect(verdicts).toEqual({
      "src/index.js": false,
      "node_modules/dep/index.js": true,
      "packages/web/node_modules/x.js": true,
      "debug.log": true,
      "keep.log": false,
      "build/out.js": true,
      "packages/web/dist/app.js": true,
      "packages/web/src/a.tmp": true,
      "packages/api/a.tmp": false,
      "secret-notes.md": true,
    });
  });

  it("reads no rules from a .gitignore that is a link, as git does", async () => {
    await writeFile(path.join(path.dirname(tree), "outside-rules"), "*.js\n");
    await mkdir(path.join(tree, "linked"));
    await symlink("../../outside-rules", path.join(tree, "linked", ".gitignore"));
    const matcher = await GitignoreMatcher.load(tree, gitdir);
    expect(await matcher.isIgnored("linked/app.js")).toBe(false);
  });
});

describe("branch names", () => {
  it("makes droid/<number>-<slug> from an issue title", () => {
    expect(branchNameFor(42, "Crash when the cart is empty!")).toBe("droid/42-crash-when-the-cart-is-empty");
    expect(branchNameFor(7, "Ünïcode & émojis 🎉 in the title of an issue that is long")).toBe("droid/7-unicode-emojis-in-the-title-of-an-issue");
    expect(branchNameFor(3, "!!!")).toBe("droid/3");
  });

  it("picks the next free name", () => {
    expect(freeBranchName("droid/1-x", new Set(["main"]))).toBe("droid/1-x");
    expect(freeBranchName("droid/1-x", new Set(["droid/1-x", "droid/1-x-2"]))).toBe("droid/1-x-3");
  });
});
