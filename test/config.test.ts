import { describe, expect, it } from "vitest";
import { DEFAULT_REPO_CONFIG, parseRepoConfig } from "../src/config/repo-config.ts";
import { DEFAULT_POLICY } from "../src/config/policy.ts";
import { readSettings } from "../src/config/settings.ts";

describe("repo config", () => {
  it("fills defaults for an absent or empty file", () => {
    expect(parseRepoConfig(undefined, DEFAULT_POLICY)).toEqual({ ok: true, config: DEFAULT_REPO_CONFIG });
    expect(DEFAULT_REPO_CONFIG).toMatchObject({ label: "droid", command: "droid", budget: { usd: 2, tokens: 1_000_000 } });
    expect(parseRepoConfig({}, DEFAULT_POLICY)).toMatchObject({ ok: true });
  });

  it("names each problem with its key, what was expected and what was found", () => {
    const result = parseRepoConfig({ label: "", command: "Not OK", extra: 1 }, DEFAULT_POLICY);
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
    expect(parseRepoConfig(["a"], DEFAULT_POLICY)).toMatchObject({ ok: false, problems: [{ key: "(top level)", expected: "object" }] });
  });
});

describe("process settings", () => {
  it("has defaults", () => {
    const s = readSettings({});
    expect(s.dataDir).toBe("./data");
    expect(s.permissionCacheMs).toBe(60_000);
    expect(s.workerConcurrency).toBeGreaterThanOrEqual(1);
  });

  it("reads the job queue settings, never echoing a queue password", () => {
    expect(readSettings({})).toMatchObject({ queueUrl: undefined, maxAttempts: 3, redeliverWindowHours: 24 });
    const redis = readSettings({ DROID_QUEUE_URL: "redis://:pw@10.0.0.5:6379/2", DROID_MAX_ATTEMPTS: "5" });
    expect(redis).toMatchObject({ queueUrl: "redis://:pw@10.0.0.5:6379/2", maxAttempts: 5 });
    expect(() => readSettings({ DROID_QUEUE_URL: "http://user:hunter2@queue:8080" })).toThrow(
      /DROID_QUEUE_URL: a redis:\/\/ or rediss:\/\/ URL \(got http:\/\/queue:8080\)/,
    );
    expect(() => readSettings({ DROID_QUEUE_URL: "http://user:hunter2@queue:8080" })).not.toThrow(/hunter2/);
    expect(() => readSettings({ DROID_REDELIVER_WINDOW_HOURS: "100" })).toThrow(/DROID_REDELIVER_WINDOW_HOURS/);
  });

  it("explains a bad value", () => {
    expect(() => readSettings({ DROID_WORKER_CONCURRENCY: "lots" })).toThrow(/DROID_WORKER_CONCURRENCY/);
  });
});
