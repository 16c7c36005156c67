import { describe, expect, it } from "vitest";
import { DEFAULT_REPO_CONFIG, parseRepoConfig } from "../src/config/repo-config.ts";
import { readSettings } from "../src/config/settings.ts";

describe("repo config", () => {
  it("fills defaults for an absent or empty file", () => {
    expect(parseRepoConfig(undefined)).toEqual({ ok: true, config: DEFAULT_REPO_CONFIG });
    expect(DEFAULT_REPO_CONFIG).toMatchObject({ label: "droid", command: "droid", budget: { usd: 2, tokens: 1_000_000 } });
    expect(parseRepoConfig({})).toMatchObject({ ok: true });
  });

  it("names each problem with its key, what was expected and what was found", () => {
    const result = parseRepoConfig({ label: "", command: "Not OK", extra: 1 });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual([
      { key: "label", expected: expect.stringContaining(">=1"), got: 'string ""' },
      { key: "command", expected: expect.stringContaining("lowercase word"), got: 'string "Not OK"' },
      { key: "extra", expected: expect.stringContaining("only known keys"), got: "unknown key extra" },
    ]);
    expect(result.config).toEqual(DEFAULT_REPO_CONFIG);
  });

  it("rejects a file that is not a mapping", () => {
    expect(parseRepoConfig(["a"])).toMatchObject({ ok: false, problems: [{ key: "(top level)", expected: "object" }] });
  });
});

describe("process settings", () => {
  it("has defaults", () => {
    const s = readSettings({});
    expect(s.dataDir).toBe("./data");
    expect(s.permissionCacheMs).toBe(60_000);
    expect(s.workerConcurrency).toBeGreaterThanOrEqual(1);
  });

  it("explains a bad value", () => {
    expect(() => readSettings({ DROID_WORKER_CONCURRENCY: "lots" })).toThrow(/DROID_WORKER_CONCURRENCY/);
  });
});
