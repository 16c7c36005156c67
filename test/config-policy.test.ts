import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY, imageAllowed, type OperatorPolicy } from "../src/config/policy.ts";
import { DEFAULT_REPO_CONFIG, parseRepoConfig } from "../src/config/repo-config.ts";
import { readSettings } from "../src/config/settings.ts";
import { configProblemMessage } from "../src/github/messages.ts";
import { SANDBOX_IMAGE } from "../src/sandbox/index.ts";

describe("operator policy settings", () => {
  it("defaults to Droid's image, no full network, generous maxima, no daily caps, 20 queued jobs, 30 days", () => {
    const s = readSettings({});
    expect(s.policy).toEqual({
      allowedImages: [],
      allowedNetwork: ["none", "setup"],
      maxMemoryMb: 8192,
      maxCpus: 4,
      maxPids: 4096,
      maxCommandSeconds: 3600,
      maxSetupSeconds: 3600,
      maxTurns: 200,
      maxMinutes: 120,
      maxJobUsd: 20,
      maxCiAttempts: 5,
    });
    expect(s.caps).toEqual({ dailyUsdPerRepo: null, dailyUsdPerInstallation: null, maxQueuedPerRepo: 20 });
    expect(s.retentionDays).toBe(30);
    expect(s.sandbox).toEqual({ runtime: null, diskMb: 4096, diskBacking: "auto", setupCacheMb: 10_240, poolSize: 1, mirrorsMb: 20_480 });
    expect(DEFAULT_POLICY).toEqual(s.policy);
  });

  it("reads lists, caps and the runtime; an empty variable is unset", () => {
    const s = readSettings({
      DROID_ALLOWED_IMAGES: "node:*, ghcr.io/acme/* ,",
      DROID_ALLOWED_NETWORK: "full",
      DROID_DAILY_USD_PER_REPO: "50",
      DROID_DAILY_USD_PER_INSTALLATION: "",
      DROID_MAX_QUEUED_PER_REPO: "5",
      DROID_RETENTION_DAYS: "0",
      DROID_SANDBOX_RUNTIME: "runsc",
      DROID_SANDBOX_DISK_MB: "0",
      DROID_SANDBOX_DISK_BACKING: "tmpfs",
      DROID_SANDBOX_POOL: "0",
      DROID_MIRRORS_MB: "512",
    });
    expect(s.policy.allowedImages).toEqual(["node:*", "ghcr.io/acme/*"]);
    // `none` is always allowed: it is the narrowest mode.
    expect(s.policy.allowedNetwork).toEqual(["none", "full"]);
    expect(s.caps).toEqual({ dailyUsdPerRepo: 50, dailyUsdPerInstallation: null, maxQueuedPerRepo: 5 });
    expect(s.retentionDays).toBe(0);
    expect(s.sandbox).toEqual({ runtime: "runsc", diskMb: 0, diskBacking: "tmpfs", setupCacheMb: 10_240, poolSize: 0, mirrorsMb: 512 });
  });

  it("explains a bad policy value", () => {
    expect(() => readSettings({ DROID_ALLOWED_NETWORK: "none,wifi" })).toThrow(/DROID_ALLOWED_NETWORK/);
    expect(() => readSettings({ DROID_MAX_MEMORY_MB: "32" })).toThrow(/DROID_MAX_MEMORY_MB/);
    expect(() => readSettings({ DROID_SANDBOX_RUNTIME: "runsc; rm -rf /" })).toThrow(/DROID_SANDBOX_RUNTIME/);
    expect(() => readSettings({ DROID_SANDBOX_DISK_BACKING: "loop" })).toThrow(/DROID_SANDBOX_DISK_BACKING/);
    expect(() => readSettings({ DROID_DAILY_USD_PER_REPO: "-1" })).toThrow(/DROID_DAILY_USD_PER_REPO/);
    // Shorter than the webhook redelivery window: a redelivered webhook could run its job again.
    expect(() => readSettings({ DROID_RETENTION_DAYS: "2" })).toThrow(/DROID_RETENTION_DAYS: 0 \(keep forever\) or at least 3 days/);
  });

  it("matches images exactly or by glob, and always allows Droid's own image", () => {
    const policy: OperatorPolicy = { ...DEFAULT_POLICY, allowedImages: ["node:*", "ghcr.io/acme/*", "python:3.12-slim"] };
    expect(imageAllowed(SANDBOX_IMAGE, DEFAULT_POLICY)).toBe(true);
    expect(imageAllowed("node:24", DEFAULT_POLICY)).toBe(false);
    expect(imageAllowed("node:24-bookworm", policy)).toBe(true);
    expect(imageAllowed("ghcr.io/acme/builder:1", policy)).toBe(true);
    expect(imageAllowed("ghcr.io/evil/builder:1", policy)).toBe(false);
    expect(imageAllowed("python:3.12-slim", policy)).toBe(true);
    expect(imageAllowed("python:3.12-slimx", policy)).toBe(false);
    expect(imageAllowed("docker.io/library/node:24", policy)).toBe(false);
  });
});

describe("repository config under the operator policy", () => {
  it("accepts what the policy allows", () => {
    const policy: OperatorPolicy = { ...DEFAULT_POLICY, allowedImages: ["node:*"], allowedNetwork: ["none", "setup", "full"] };
    const result = parseRepoConfig({ image: "node:24", network: "full", limits: { memoryMb: 8192, cpus: 4 }, fix: { maxTurns: 200 } }, policy);
    expect(result).toMatchObject({ ok: true, config: { image: "node:24", network: "full", limits: { memoryMb: 8192, cpus: 4 }, fix: { maxTurns: 200 } } });
  });

  it("refuses every value written beyond the policy, naming the limit and who sets it", () => {
    const result = parseRepoConfig(
      {
        image: "alpine:3",
        network: "full",
        limits: { memoryMb: 65_536, cpus: 64, pids: 32_768, commandTimeoutSeconds: 86_400, setupTimeoutSeconds: 86_400 },
        fix: { maxTurns: 500, maxMinutes: 600 },
        budget: { usd: 1000 },
      },
      DEFAULT_POLICY,
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.config).toEqual(DEFAULT_REPO_CONFIG);
    expect(result.problems.map((p) => p.key)).toEqual([
      "image",
      "network",
      "limits.memoryMb",
      "limits.cpus",
      "limits.pids",
      "limits.commandTimeoutSeconds",
      "limits.setupTimeoutSeconds",
      "fix.maxTurns",
      "fix.maxMinutes",
      "budget.usd",
    ]);
    expect(result.problems.every((p) => p.operatorLimit)).toBe(true);
    expect(result.problems[2]).toEqual({
      key: "limits.memoryMb",
      expected: "at most 8192 (the limit this Droid's operators set: DROID_MAX_MEMORY_MB)",
      got: "number 65536",
      operatorLimit: true,
    });
    expect(result.problems[0]?.expected).toContain("DROID_ALLOWED_IMAGES");
    expect(result.problems[1]?.expected).toMatch(/^one of none, setup /);
    const message = configProblemMessage(result.problems, "https://github.com/acme/droid/blob/main");
    expect(message).toContain("| `limits.memoryMb` | at most 8192");
    expect(message).toContain("this Droid's operators");
    // The documentation it points to is linked when its address is known, named otherwise.
    expect(message).toContain("[The configuration reference](https://github.com/acme/droid/blob/main/README.md#per-repository-githubdroidyml) lists every key.");
    expect(configProblemMessage(result.problems, null)).toContain("The configuration reference (Droid's `README.md`) lists every key.");
  });

  it("lowers a default beyond the policy to the policy's maximum, without a problem", () => {
    const policy: OperatorPolicy = { ...DEFAULT_POLICY, maxMemoryMb: 1024, maxTurns: 10, maxJobUsd: 0.5, maxCommandSeconds: 60 };
    const result = parseRepoConfig({}, policy);
    expect(result).toMatchObject({
      ok: true,
      config: { limits: { memoryMb: 1024, commandTimeoutSeconds: 60, cpus: 2 }, fix: { maxTurns: 10, maxMinutes: 45 }, budget: { usd: 0.5 } },
    });
    // The same value written out is a request beyond the policy: refused, not lowered.
    expect(parseRepoConfig({ limits: { memoryMb: 2048 } }, policy)).toMatchObject({ ok: false, problems: [{ key: "limits.memoryMb" }] });
  });
});
