/**
 * Droid's HTTP server: a plain `node:http` server whose routes are listed here, in
 * order, so that nothing reaches Probot's webhook middleware unchecked.
 *
 *   GET  /ping                  health check ("PONG")
 *   GET  /healthz, /readyz,     the operators' routes, when `operator` is given
 *        /metrics               (`metrics/endpoints.ts`; webhook answers are counted and timed)
 *   POST <webhook path>         GitHub webhooks: the body is read here within the limit
 *                               (413 before buffering: from Content-Length, or as soon as
 *                               a chunked body passes it), then Probot verifies the
 *                               signature and dispatches to Droid's app
 *   the app's routes            the Sentry intake (`addHandler`), with its own limit
 *   /runs…                      the run pages, when on (src/pages/routes.ts lists them)
 *   anything else               404
 *
 * The webhook secret is checked before anything listens: a missing, default or short
 * one refuses to start outside development mode (`readWebhookSecret`).
 * `droid serve` runs this server; tests and benchmarks start it in-process.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createNetServer } from "node:net";
import type { Logger } from "pino";
import { Probot, createProbot, type ProbotOctokit } from "probot";
import { droidApp, type AppServices } from "./app.ts";
import { readWebhookSecret, SettingsError } from "./config/settings.ts";
import { readBoundedBody, refuseTooLarge } from "./http/body.ts";
import { operatorRoutes, type ReadinessCheck } from "./metrics/endpoints.ts";
import type { DroidMetrics } from "./metrics/metrics.ts";
import type { RunPagesRoute } from "./pages/index.ts";

/** Probot's (and GitHub's documentation's) webhook path. */
export const DEFAULT_WEBHOOK_PATH = "/api/github/webhooks";
/** GitHub caps webhook payloads at 25 MB. */
export const DEFAULT_WEBHOOK_MAX_BODY_BYTES = 25 * 1024 * 1024;
/** How long a client may take to send a whole request (GitHub gives a delivery 10 s in all). */
const REQUEST_TIMEOUT_MS = 30_000;

/** The GitHub App: its credentials (tests, benchmarks), or read from the environment as Probot does. */
export type DroidServerApp =
  | {
      appId: number | string;
      privateKey: string;
      /** GitHub's API base URL (GitHub Enterprise or a test server). */
      baseUrl?: string;
      Octokit?: typeof ProbotOctokit;
    }
  /** `APP_ID`, `PRIVATE_KEY` / `PRIVATE_KEY_PATH`, `GHE_HOST` / `GHE_PROTOCOL`, `LOG_LEVEL`. */
  | { env: NodeJS.ProcessEnv };

export type DroidServerOptions = AppServices &
  DroidServerApp & {
    /** The secret GitHub signs deliveries with; a weak one refuses to start unless `devMode`. */
    secret: string;
    /** `DROID_DEV_MODE`: a weak secret is allowed, with a warning. */
    devMode?: boolean;
    log: Logger;
    host?: string;
    /** 0 picks a free port. */
    port?: number;
    webhookPath?: string;
    /** Larger webhook bodies are answered 413 before they are buffered. */
    maxBodyBytes?: number;
    /** A smee.io channel whose deliveries are forwarded to the webhook route (local development). */
    webhookProxy?: string;
    /** Metrics and health checks: `/metrics` (behind `token` when set), `/healthz`, `/readyz`. */
    operator?: { metrics: DroidMetrics; token: string | null; checks: readonly ReadinessCheck[] };
    /** The run pages' routes (`runPagesRoute`), when they are on. */
    runPages?: RunPagesRoute;
  };

export interface RunningServer {
  http: Server;
  url: string;
  stop(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean> | boolean;

export async function startDroidServer(options: DroidServerOptions): Promise<RunningServer> {
  const log = options.log;
  const { secret, weakness } = readWebhookSecret({ WEBHOOK_SECRET: options.secret }, { devMode: options.devMode ?? false });
  if (weakness) log.warn({ weakness }, "development mode: the webhook secret is weak, so anyone can forge deliveries; never expose this server");
  const probot = appProbot(options, secret);
  const webhookPath = options.webhookPath ?? DEFAULT_WEBHOOK_PATH;
  const limit = options.maxBodyBytes ?? DEFAULT_WEBHOOK_MAX_BODY_BYTES;

  const appRoutes: Handler[] = [];
  await probot.load(droidApp(options), { cwd: process.cwd(), addHandler: (handler) => void appRoutes.push(async (req, res) => (await handler(req, res)) === true) });
  const webhooks = await probot.getNodeMiddleware({ path: webhookPath, log });
  const operator = options.operator ? operatorRoutes({ ...options.operator, log }) : [];
  const routes: Handler[] = [ping, ...operator, webhookBodyLimit(webhookPath, limit, log), (req, res) => webhooks(req, res), ...appRoutes, ...(options.runPages ? [options.runPages] : [])];

  const httpLog = log.child({ name: "http" });
  const isWebhook = (req: IncomingMessage) => req.method === "POST" && withoutTrailingSlashes(pathOf(req.url) ?? "") === withoutTrailingSlashes(webhookPath);
  const http = createServer({ requestTimeout: REQUEST_TIMEOUT_MS }, (req, res) => {
    const started = performance.now();
    res.once("finish", () => {
      const ms = performance.now() - started;
      httpLog.debug(`${req.method} ${req.url} ${res.statusCode} - ${Math.round(ms)}ms`);
      if (isWebhook(req)) options.operator?.metrics.webhookAnswered(eventLabel(req.headers["x-github-event"]), res.statusCode, ms / 1000);
    });
    void route(routes, req, res).catch((error: unknown) => {
      httpLog.error({ err: error, method: req.method, url: req.url }, "request failed");
      if (!res.headersSent && !res.destroyed) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    const refused = (error: NodeJS.ErrnoException) =>
      reject(error.code === "EADDRINUSE" ? new Error(`port ${options.port} is already in use: set PORT to a free one`, { cause: error }) : error);
    http.once("error", refused);
    http.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
      http.off("error", refused);
      resolve();
    });
  });
  const address = http.address();
  if (address === null || typeof address === "string") throw new Error("server has no TCP address");
  const printable = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${printable}:${address.port}`;
  log.info({ url, webhookPath, maxBodyBytes: limit }, "Droid is listening for webhooks");
  const stopProxy = options.webhookProxy ? await proxyWebhooks(options.webhookProxy, `${url}${webhookPath}`, log) : () => {};
  return {
    http,
    url,
    stop: async () => {
      stopProxy();
      await new Promise<void>((resolve, reject) => http.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

function appProbot(options: DroidServerApp & { log: Logger }, secret: string): Probot {
  if (!("env" in options)) {
    return new Probot({
      appId: options.appId,
      privateKey: options.privateKey,
      secret,
      log: options.log,
      ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
      ...(options.Octokit ? { Octokit: options.Octokit } : {}),
    });
  }
  try {
    return createProbot({ env: options.env, overrides: { log: options.log, secret } });
  } catch (error) {
    const problem = error instanceof Error ? error.message : String(error);
    throw new SettingsError(`invalid settings:\n  APP_ID is set but the GitHub App cannot be loaded (${problem}): set PRIVATE_KEY or PRIVATE_KEY_PATH to the App's private key`);
  }
}

async function route(routes: Handler[], req: IncomingMessage, res: ServerResponse): Promise<void> {
  for (const handler of routes) {
    if (await handler(req, res)) return;
  }
  if (!res.headersSent) res.writeHead(404).end();
}

const ping: Handler = (req, res) => {
  if (req.method !== "GET" || pathOf(req.url) !== "/ping") return false;
  res.writeHead(200, { "content-type": "text/plain" }).end("PONG");
  return true;
};

/**
 * In front of Probot's webhook middleware: reads a POST's body within `limit` and hands
 * it on as `request.body` (the Express convention the middleware honours, so it never
 * reads the stream itself); a larger body is answered 413 and never buffered. The path
 * test is a superset of the middleware's own (trailing slashes ignored either way), so
 * no request reaches the middleware unread.
 */
function webhookBodyLimit(webhookPath: string, limit: number, log: Logger): Handler {
  const path = withoutTrailingSlashes(webhookPath);
  const decoder = new TextDecoder("utf-8", { fatal: false });
  return async (req, res) => {
    if (req.method !== "POST") return false;
    const url = req.url ?? "/";
    if (pathOf(withoutTrailingSlashes(url)) !== path && withoutTrailingSlashes(pathOf(url) ?? "") !== path) return false;
    let body: Buffer | "too-large";
    try {
      body = await readBoundedBody(req, limit);
    } catch (error) {
      log.debug({ err: error }, "GitHub webhook: the client went away before its body ended");
      req.socket.destroy();
      return true;
    }
    if (body === "too-large") {
      log.warn(
        { limit, contentLength: req.headers["content-length"] ?? null, deliveryId: req.headers["x-github-delivery"] ?? null, event: req.headers["x-github-event"] ?? null },
        "GitHub webhook refused: body larger than DROID_WEBHOOK_MAX_BODY_BYTES (never buffered)",
      );
      refuseTooLarge(req, res, limit);
      return true;
    }
    Object.assign(req, { body: decoder.decode(body) });
    return false;
  };
}

/** The event header as a metric label: GitHub's event names, anything else (unsigned noise) as `other`. */
function eventLabel(header: string | string[] | undefined): string {
  return typeof header === "string" && /^[a-z_]{1,40}$/.test(header) ? header : "other";
}

function pathOf(url: string | undefined): string | null {
  try {
    return new URL(url ?? "/", "http://localhost").pathname;
  } catch {
    return null;
  }
}

function withoutTrailingSlashes(path: string): string {
  const trimmed = path.replace(/\/+$/, "");
  return trimmed === "" ? "/" : trimmed;
}

/** Forwards a smee.io channel's deliveries to the webhook route (smee-client is a development dependency). */
async function proxyWebhooks(source: string, target: string, log: Logger): Promise<() => void> {
  try {
    const { SmeeClient } = await import("smee-client");
    const proxyLog = log.child({ name: "smee" });
    const client = new SmeeClient({ source, target, logger: { info: (...data: unknown[]) => proxyLog.info(data.join(" ")), error: (...data: unknown[]) => proxyLog.error(data.join(" ")) } });
    const events = await client.start();
    return () => events.close();
  } catch (error) {
    log.warn({ err: error }, "WEBHOOK_PROXY_URL is set but smee-client could not start (npm install --save-dev smee-client)");
    return () => {};
  }
}

/** A TCP port that was free a moment ago on `host`. */
export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once("error", reject);
    probe.listen(0, host, () => {
      const address = probe.address();
      probe.close(() => (address && typeof address === "object" ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}
