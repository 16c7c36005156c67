import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createTwoFilesPatch } from "diff";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { addedLines, scanAddedLines } from "../../src/runs/secret-scan.ts";
import { fakeAwsSecretKey, fakeGitHubToken } from "../fixtures/credentials.ts";

/** The diff `describeChanges` writes for one file. */
const patch = (file: string, before: string, after: string) => createTwoFilesPatch(`a/${file}`, `b/${file}`, before, after, "", "", { context: 3 });

describe("addedLines", () => {
  it("numbers the added lines of each file, counting hunks so content is never taken for a header", () => {
    const diff = [
      patch("src/a.js", "one\ntwo\nthree\n", "one\nTWO\nthree\n++ b/evil\n"),
      "Binary file logo.png added\n",
      patch("gone.txt", "bye\n", ""),
      patch("new.txt", "", "hello\nworld"),
    ].join("");
    expect(addedLines(diff)).toEqual(
      new Map([
        ["src/a.js", new Set([2, 4])],
        ["new.txt", new Set([1, 2])],
      ]),
    );
  });
});

describe("scanAddedLines", () => {
  let tree: string;
  beforeEach(async () => {
    tree = await mkdtemp(path.join(tmpdir(), "droid-secret-scan-"));
  });
  afterEach(async () => {
    await rm(tree, { recursive: true, force: true });
  });

  async function wrote(file: string, before: string, after: string): Promise<string> {
    await mkdir(path.dirname(path.join(tree, file)), { recursive: true });
    await writeFile(path.join(tree, file), after);
    return patch(file, before, after);
  }

  it("finds a GitHub token and an AWS secret key on added lines, naming file, line and kind but never the text", async () => {
    const token = fakeGitHubToken();
    const key = fakeAwsSecretKey();
    const diff =
      (await wrote("test/fixtures/config.js", "module.exports = {};\n", `module.exports = {\n  name: "demo",\n  token: "${token}",\n};\n`)) +
      (await wrote("deploy/.env", "", `REGION=eu-west-1\naws_secret_access_key=${key}\n`));
    const scan = await scanAddedLines(tree, diff, []);
    expect(scan.findings).toEqual([
      { path: "deploy/.env", line: 2, kind: expect.stringContaining("rule `aws`") },
      { path: "test/fixtures/config.js", line: 3, kind: "GITHUB_TOKEN (rule `github`)" },
    ]);
    expect(JSON.stringify(scan.findings)).not.toContain(token.slice(4, 12));
    expect(JSON.stringify(scan.findings)).not.toContain(key.slice(0, 8));
    expect(scan.matched).toContain(token);
    expect(scan.matched.some((m) => m.includes(key))).toBe(true);
  });

  it("ignores a credential that was already there, and is not silenced by a comment the model could write", async () => {
    const old = fakeGitHubToken();
    const token = fakeGitHubToken();
    const before = `const old = "${old}";\n`;
    const diff = await wrote("src/keys.js", before, `${before}const token = "${token}"; // secretlint-disable-line\n`);
    const scan = await scanAddedLines(tree, diff, []);
    expect(scan.findings).toEqual([{ path: "src/keys.js", line: 2, kind: "GITHUB_TOKEN (rule `github`)" }]);
    expect(scan.matched).not.toContain(old);
  });

  it("skips the paths the repository allows, and does not follow symlinks", async () => {
    const diff = await wrote("test/fixtures/fake.js", "", `export const token = "${fakeGitHubToken()}";\n`);
    expect((await scanAddedLines(tree, diff, ["test/fixtures/**"])).findings).toEqual([]);
    const outside = path.join(tree, "..", `outside-${path.basename(tree)}.txt`);
    await writeFile(outside, `${fakeGitHubToken()}\n`);
    try {
      await symlink(outside, path.join(tree, "link.txt"));
      expect((await scanAddedLines(tree, patch("link.txt", "", "x\n"), [])).findings).toEqual([]);
    } finally {
      await rm(outside, { force: true });
    }
  });
});
