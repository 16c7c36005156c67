import { describe, expect, it } from "vitest";
import { readSentrySettings } from "../../src/sentry/config.ts";
import { signSentryBody, verifySentrySignature } from "../../src/sentry/signature.ts";

const noFiles = (path: string): string => {
  throw new Error(`ENOENT: no such file or directory, open '${path}'`);
};

function read(env: Record<string, string>, file: (p: string) => string = noFiles): () => unknown {
  return () => readSentrySettings(env, file);
}

describe("readSentrySettings", () => {
  it("is off without a client secret", () => {
    expect(readSentrySettings({}, noFiles)).toBeNull();
  });

  it("reads inline mappings with optional installation ids, and the defaults", () => {
    const settings = readSentrySettings(
      { DROID_SENTRY_CLIENT_SECRET: "s3cret-s3cret", DROID_SENTRY_PROJECTS: "front-end=acme/web, api=acme/api@12345" },
      noFiles,
    );
    expect(settings?.maxBodyBytes).toBe(2 * 1024 * 1024);
    expect(settings?.historyDays).toBe(14);
    expect(settings?.replayWindowSeconds).toBe(300);
    expect([...(settings?.projects.values() ?? [])]).toEqual([
      { slug: "front-end", owner: "acme", repo: "web", installationId: null, sourceRoots: [] },
      { slug: "api", owner: "acme", repo: "api", installationId: 12345, sourceRoots: [] },
    ]);
  });

  it("reads a YAML or JSON file", () => {
    const yaml = "projects:\n  front-end: acme/web\n  Backend:\n    repo: acme/api\n    installation: 7\n    sourceRoots: [src]\n";
    const settings = readSentrySettings({ DROID_SENTRY_CLIENT_SECRET: "x", DROID_SENTRY_PROJECTS: "/etc/droid/sentry.yml" }, () => yaml);
    expect(settings?.projects.get("backend")).toEqual({ slug: "Backend", owner: "acme", repo: "api", installationId: 7, sourceRoots: ["src"] });
    const json = JSON.stringify({ projects: { web: "acme/web" } });
    expect(readSentrySettings({ DROID_SENTRY_CLIENT_SECRET: "x", DROID_SENTRY_PROJECTS: "./sentry.json" }, () => json)?.projects.get("web")?.repo).toBe("web");
  });

  it("reads the replay window, within bounds", () => {
    const env = { DROID_SENTRY_CLIENT_SECRET: "x", DROID_SENTRY_PROJECTS: "web=acme/web" };
    expect(readSentrySettings({ ...env, DROID_SENTRY_REPLAY_WINDOW_SECONDS: "600" }, noFiles)?.replayWindowSeconds).toBe(600);
    expect(read({ ...env, DROID_SENTRY_REPLAY_WINDOW_SECONDS: "0" })).toThrow(/DROID_SENTRY_REPLAY_WINDOW_SECONDS/);
  });

  it("says exactly what is wrong", () => {
    expect(read({ DROID_SENTRY_PROJECTS: "web=acme/web" })).toThrow("DROID_SENTRY_PROJECTS is set but DROID_SENTRY_CLIENT_SECRET is not");
    expect(read({ DROID_SENTRY_CLIENT_SECRET: "x" })).toThrow("DROID_SENTRY_CLIENT_SECRET is set but DROID_SENTRY_PROJECTS is not");
    expect(read({ DROID_SENTRY_CLIENT_SECRET: "x", DROID_SENTRY_PROJECTS: "web=acme" })).toThrow("projects.web.repo: owner/name of a GitHub repository");
    expect(read({ DROID_SENTRY_CLIENT_SECRET: "x", DROID_SENTRY_PROJECTS: "web=acme/web@abc" })).toThrow("projects.web.installation");
    expect(read({ DROID_SENTRY_CLIENT_SECRET: "x", DROID_SENTRY_PROJECTS: "/nope.yml" })).toThrow("cannot read /nope.yml: ENOENT");
    expect(read({ DROID_SENTRY_CLIENT_SECRET: "x", DROID_SENTRY_PROJECTS: "/bad.yml" }, () => "projects: [")).toThrow("/bad.yml is not valid YAML");
    expect(read({ DROID_SENTRY_CLIENT_SECRET: "x", DROID_SENTRY_PROJECTS: "/bad.yml" }, () => "projects:\n  web: {repo: acme/web, extra: 1}\n")).toThrow('projects.web: Unrecognized key: "extra"');
    expect(read({ DROID_SENTRY_CLIENT_SECRET: "x", DROID_SENTRY_PROJECTS: "web=acme/web", DROID_SENTRY_MAX_BODY_BYTES: "lots" })).toThrow("DROID_SENTRY_MAX_BODY_BYTES");
  });
});

describe("Sentry signatures", () => {
  const body = Buffer.from('{"action":"triggered"}');

  it("accepts the HMAC-SHA256 hex of the raw body, in either case", () => {
    const signature = signSentryBody(body, "client-secret");
    expect(signature).toMatch(/^[0-9a-f]{64}$/);
    expect(verifySentrySignature(body, signature, "client-secret")).toBe(true);
    expect(verifySentrySignature(body, signature.toUpperCase(), "client-secret")).toBe(true);
  });

  it("rejects another secret, another body, a missing or malformed signature", () => {
    const signature = signSentryBody(body, "client-secret");
    expect(verifySentrySignature(body, signature, "other-secret")).toBe(false);
    expect(verifySentrySignature(Buffer.from('{"action":"triggered" }'), signature, "client-secret")).toBe(false);
    expect(verifySentrySignature(body, undefined, "client-secret")).toBe(false);
    expect(verifySentrySignature(body, `sha256=${signature}`, "client-secret")).toBe(false);
    expect(verifySentrySignature(body, signature.slice(0, 62), "client-secret")).toBe(false);
  });
});
