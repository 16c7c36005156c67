import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { jobFolder } from "../../src/config/data-dir.ts";
import { removeLeftoverFolder } from "../../src/runs/job-folder.ts";

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "droid-job-folder-"));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const exists = (p: string) => stat(p).then(() => true, () => false);

describe("a leftover job folder", () => {
  it("is removed with everything in it, and a missing one is no error", async () => {
    const folder = jobFolder(dataDir, "job-1");
    await mkdir(path.join(folder, "tree", "src"), { recursive: true });
    await writeFile(path.join(folder, "tree", "src", "a.js"), "1");
    await removeLeftoverFolder(dataDir, folder);
    expect(await exists(folder)).toBe(false);
    await expect(removeLeftoverFolder(dataDir, folder)).resolves.toBeUndefined();
  });

  it("is never looked for outside <dataDir>/jobs/", async () => {
    const outside = path.join(dataDir, "droid.db");
    await writeFile(outside, "keep");
    for (const folder of [jobFolder(dataDir, "../droid.db"), path.join(dataDir, "jobs"), dataDir]) {
      await expect(removeLeftoverFolder(dataDir, folder)).rejects.toThrow(/not inside/);
    }
    expect(await exists(outside)).toBe(true);
  });
});
