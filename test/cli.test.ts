import { spawn, type ChildProcess } from "node:child_process";
import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { pino } from "pino";
import { REDACTED_PATHS } from "../src/log.ts";
import { freePort } from "../src/server.ts";
import { TEST_PRIVATE_KEY } from "./helpers/github.ts";
import { issueComment } from "./helpers/payloads.ts";
import { sendWebhook } from "./helpers/webhook.ts";

let child: ChildProcess | undefined;

afterEach(() => {
  child?.kill("SIGKILL");
  child = undefined;
});

async function waitFor(url: string, ms = 20_000): Promise<Response> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      return await fetch(url, { redirect: "manual" });
    } catch (error) {
      if (Date.now() > end) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: "development", ...extra };
  return env;
}

describe("droid serve", () => {
  it("without credentials serves Probot's setup page that registers the app from app.yml", async () => {
    const port = await freePort();
    child = spawn(process.execPath, ["src/cli.ts", "serve"], {
      env: cleanEnv({ PORT: String(port), LOG_LEVEL: "warn", NO_SMEE_SETUP: "true", DROID_DATA_DIR: "/tmp/droid-cli-test" }),
      stdio: "ignore",
    });
    const root = await waitFor(`http://127.0.0.1:${port}/`);
    expect(root.status).toBe(302);
    expect(root.headers.get("location")).toBe("/probot");
    const page = await (await fetch(`http://127.0.0.1:${port}/probot`)).text();
    expect(page).toContain("Register GitHub App");
    // The manifest posted to GitHub is app.yml's, with its events and permissions.
    expect(page).toMatch(/pull_request_review_comment/);
    expect(page).toMatch(/&quot;contents&quot;:&quot;write&quot;|"contents":"write"/);
  });

  it("in setup mode has no webhook route: a delivery signed with Probot's default secret gets 404 (Probot's route would verify it)", async () => {
    const port = await freePort();
    child = spawn(process.execPath, ["src/cli.ts", "serve"], {
      env: cleanEnv({ PORT: String(port), LOG_LEVEL: "warn", NO_SMEE_SETUP: "true", DROID_DATA_DIR: "/tmp/droid-cli-test" }),
      stdio: "ignore",
    });
    const url = `http://127.0.0.1:${port}`;
    expect((await waitFor(`${url}/probot`)).status).toBe(200);
    const forged = await sendWebhook(url, "issue_comment", issueComment("/droid fix"), { secret: "development" });
    expect(forged.status).toBe(404);
  });

  it.each([
    ["no webhook secret", {}, "not set"],
    ["Probot's default secret", { WEBHOOK_SECRET: "development" }, `Probot's public default "development"`],
    ["a short secret", { WEBHOOK_SECRET: "secret" }, "too short (6 characters; at least 16)"],
  ])("refuses to start with %s, saying which variable to set, and nothing listens for a forged delivery", async (_case, secret: Record<string, string>, why) => {
    const port = await freePort();
    child = spawn(process.execPath, ["src/cli.ts", "serve"], {
      env: cleanEnv({ APP_ID: "1", PRIVATE_KEY: TEST_PRIVATE_KEY, PORT: String(port), NODE_ENV: "production", DROID_DATA_DIR: "/tmp/droid-cli-test", ...secret }),
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((r) => child?.on("exit", r));
    expect(code).toBe(2);
    expect(stderr).toContain(`WEBHOOK_SECRET: ${why}`);
    expect(stderr).toContain("Set WEBHOOK_SECRET to your GitHub App's webhook secret");
    await expect(sendWebhook(`http://127.0.0.1:${port}`, "issue_comment", issueComment("/droid fix"), { secret: "development" })).rejects.toThrow(/fetch failed/);
  });

  it("stops at start with a clear message on a bad setting", async () => {
    child = spawn(process.execPath, ["src/cli.ts", "serve"], {
      env: cleanEnv({ DROID_WORKER_CONCURRENCY: "many" }),
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((r) => child?.on("exit", r));
    expect(code).toBe(2);
    expect(stderr).toContain("DROID_WORKER_CONCURRENCY");
  });

  it("rejects an unknown command with the usage", async () => {
    child = spawn(process.execPath, ["src/cli.ts", "frobnicate"], { env: cleanEnv({}), stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((r) => child?.on("exit", r));
    expect(code).toBe(2);
    expect(stderr).toContain("usage: droid");
  });
});

describe("logging", () => {
  it("redacts secrets wherever they sit in a log object", () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
    const log = pino({ redact: { paths: REDACTED_PATHS, censor: "[redacted]" } }, sink);
    log.info({ token: "ghs_secret1", auth: { token: "ghs_secret2" }, headers: { authorization: "token ghs_secret3" } }, "x");
    log.child({ jobId: "j1" }).error({ err: { request: { headers: { authorization: "token ghs_secret4" } } } }, "y");
    const all = lines.join("");
    expect(all).not.toMatch(/ghs_secret/);
    expect(all).toContain('"jobId":"j1"');
  });
});
