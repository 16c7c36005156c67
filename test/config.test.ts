import { describe, expect, it } from "vitest";
import { DEFAULT_REPO_CONFIG, parseRepoConfig } from "../src/config/repo-config.ts";
import { repositoryCloneUrl } from "../src/config/github-host.ts";
import { DEFAULT_POLICY } from "../src/config/policy.ts";
import { readSettings, readWebhookSecret } from "../src/config/settings.ts";

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

  it("reads what a plan reads of the code under `planning:`, with defaults, and names a bad value", () => {
    expect(DEFAULT_REPO_CONFIG.planning).toEqual({ codeShare: 0.5, mapShare: 0.2, knowledgeShare: 0.15, candidates: 25, explorationTurns: 4 });
    expect(parseRepoConfig({ planning: { explorationTurns: 0, codeShare: 0.3 } }, DEFAULT_POLICY)).toMatchObject({ ok: true, config: { planning: { explorationTurns: 0, codeShare: 0.3, mapShare: 0.2 } } });
    const result = parseRepoConfig({ planning: { codeShare: 2, turns: 3 } }, DEFAULT_POLICY);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => p.key)).toEqual(["planning.codeShare", "planning.turns"]);
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

  it("exports traces only when an OTLP endpoint is set, by OpenTelemetry's rules", () => {
    expect(readSettings({}).tracing).toBeNull();
    expect(readSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: "" }).tracing).toBeNull();
    expect(readSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/" }).tracing).toEqual({ url: "http://collector:4318/v1/traces", serviceName: "droid" });
    // The traces endpoint is used as it is, and wins.
    expect(readSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318", OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "https://otel.example.com/ingest", OTEL_SERVICE_NAME: "droid-eu" }).tracing).toEqual({
      url: "https://otel.example.com/ingest",
      serviceName: "droid-eu",
    });
    expect(readSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318", OTEL_SDK_DISABLED: "true" }).tracing).toBeNull();
    expect(() => readSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318" })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT: an http/);
  });

  it("reads where Droid's documentation is published, for the links in its messages", () => {
    expect(readSettings({}).docsUrl).toBeNull();
    expect(readSettings({ DROID_DOCS_URL: "https://github.com/acme/droid/blob/main/" }).docsUrl).toBe("https://github.com/acme/droid/blob/main");
    expect(() => readSettings({ DROID_DOCS_URL: "javascript:alert(1)" })).toThrow(/DROID_DOCS_URL/);
    expect(() => readSettings({ DROID_DOCS_URL: "https://x/docs#top" })).toThrow(/DROID_DOCS_URL/);
  });

  it("reads the operators' GitHub logins", () => {
    expect(readSettings({}).operators).toEqual([]);
    expect(readSettings({ DROID_OPERATORS: "Alice, bob-2 carol" }).operators).toEqual(["alice", "bob-2", "carol"]);
    expect(() => readSettings({ DROID_OPERATORS: "alice,@bob" })).toThrow(/DROID_OPERATORS: GitHub logins/);
  });
});

const refused = (env: Record<string, string>) => () => readWebhookSecret(env, { devMode: false });

describe("webhook settings", () => {
  it("defaults to GitHub's 25 MB payload cap, github.com, and no development mode", () => {
    expect(readSettings({})).toMatchObject({ webhookMaxBodyBytes: 25 * 1024 * 1024, githubHost: { protocol: "https", host: "github.com" }, devMode: false });
    expect(readSettings({ DROID_WEBHOOK_MAX_BODY_BYTES: "1048576", DROID_DEV_MODE: "1" })).toMatchObject({ webhookMaxBodyBytes: 1048576, devMode: true });
    expect(() => readSettings({ DROID_WEBHOOK_MAX_BODY_BYTES: "1e12" })).toThrow(/DROID_WEBHOOK_MAX_BODY_BYTES/);
  });

  it("refuses development mode in production", () => {
    expect(() => readSettings({ DROID_DEV_MODE: "1", NODE_ENV: "production" })).toThrow(/DROID_DEV_MODE: development mode cannot be used with NODE_ENV=production/);
    expect(() => readSettings({ DROID_DEV_MODE: "yes" })).toThrow(/DROID_DEV_MODE/);
  });

  it("clones from GHE_HOST / GHE_PROTOCOL, and only a host may be named", () => {
    expect(readSettings({ GHE_HOST: "GHE.example.com" }).githubHost).toEqual({ protocol: "https", host: "ghe.example.com" });
    expect(readSettings({ GHE_HOST: "127.0.0.1:8080", GHE_PROTOCOL: "http" }).githubHost).toEqual({ protocol: "http", host: "127.0.0.1:8080" });
    for (const host of ["https://ghe.example.com", "ghe.example.com/evil", "user:pw@ghe.example.com", "ghe.example.com?x"]) {
      expect(() => readSettings({ GHE_HOST: host })).toThrow(/GHE_HOST: a host name with an optional port/);
    }
    expect(() => readSettings({ GHE_HOST: "ghe.example.com", GHE_PROTOCOL: "ftp" })).toThrow(/GHE_PROTOCOL/);
  });

  it("builds clone URLs from the host and owner/name only, refusing names GitHub does not allow", () => {
    const host = readSettings({ GHE_HOST: "ghe.example.com" }).githubHost;
    expect(repositoryCloneUrl(host, "acme/web.app")).toBe("https://ghe.example.com/acme/web.app.git");
    for (const name of ["acme/..", "../acme/web", "acme/web/extra", "acme%2F..%2Fx/web", "acme", "acme/we b", "@evil.example/web"]) {
      expect(() => repositoryCloneUrl(host, name)).toThrow(/not a GitHub repository name/);
    }
  });

  it("refuses a missing, default or short webhook secret, saying what to set and never echoing it", () => {
    expect(refused({})).toThrow(/WEBHOOK_SECRET: not set \(Probot would then accept deliveries signed with its public default "development"\)\. Set WEBHOOK_SECRET/);
    expect(refused({ WEBHOOK_SECRET: "development" })).toThrow(/WEBHOOK_SECRET: Probot's public default "development"/);
    expect(refused({ WEBHOOK_SECRET: "hunter2-hunter" })).toThrow(/WEBHOOK_SECRET: too short \(14 characters; at least 16\)/);
    expect(refused({ WEBHOOK_SECRET: "hunter2-hunter" })).not.toThrow(/hunter2/);
    expect(refused({})).toThrow(/DROID_DEV_MODE=1/);
    expect(readWebhookSecret({ WEBHOOK_SECRET: "a-long-random-secret-0123" }, { devMode: false })).toEqual({ secret: "a-long-random-secret-0123", weakness: null });
  });

  it("allows a weak secret in development mode, saying why it is weak", () => {
    expect(readWebhookSecret({}, { devMode: true })).toEqual({ secret: "development", weakness: expect.stringContaining("not set") });
    expect(readWebhookSecret({ WEBHOOK_SECRET: "short" }, { devMode: true })).toEqual({ secret: "short", weakness: expect.stringContaining("too short") });
  });
});
