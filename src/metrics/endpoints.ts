/**
 * The operators' HTTP endpoints, for `droid serve` (on its port) and `droid worker` (on
 * `DROID_METRICS_PORT`):
 *
 *   GET /metrics   Prometheus text format; with `DROID_METRICS_TOKEN` set, only with
 *                  `Authorization: Bearer <token>` (401 otherwise)
 *   GET /healthz   200 while the process is up
 *   GET /readyz    200 when every dependency answers within 2 s (the job store, the Docker
 *                  engine where jobs run); 503 naming the ones that did not
 */
import { timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { DroidMetrics } from "./metrics.ts";

export type Route = (req: IncomingMessage, res: ServerResponse) => Promise<boolean> | boolean;

/** A dependency `/readyz` asks: resolves when it answers. */
export interface ReadinessCheck {
  name: string;
  check: () => Promise<unknown>;
}

const READY_TIMEOUT_MS = 2000;

/** A GET route on one path. */
function get(path: string, answer: (req: IncomingMessage, res: ServerResponse) => Promise<void> | void): Route {
  return async (req, res) => {
    if (req.method !== "GET" || pathOf(req.url) !== path) return false;
    await answer(req, res);
    return true;
  };
}

export function operatorRoutes(options: { metrics: DroidMetrics; token: string | null; checks: readonly ReadinessCheck[]; log: Logger }): Route[] {
  return [
    get("/healthz", (_req, res) => void res.writeHead(200, { "content-type": "text/plain" }).end("ok\n")),
    get("/readyz", async (_req, res) => {
      const failed = await unreadyDependencies(options.checks, options.log);
      const body = failed.length === 0 ? "ready\n" : `not ready: ${failed.join(", ")}\n`;
      res.writeHead(failed.length === 0 ? 200 : 503, { "content-type": "text/plain" }).end(body);
    }),
    get("/metrics", async (req, res) => {
      if (options.token !== null && !bearerMatches(req.headers.authorization, options.token)) {
        res.writeHead(401, { "www-authenticate": 'Bearer realm="droid metrics"', "content-type": "text/plain" }).end("a bearer token is required\n");
        return;
      }
      const { contentType, body } = await options.metrics.exposition();
      res.writeHead(200, { "content-type": contentType }).end(body);
    }),
  ];
}

/** The names of the dependencies that failed or did not answer in time. */
async function unreadyDependencies(checks: readonly ReadinessCheck[], log: Logger): Promise<string[]> {
  const results = await Promise.all(
    checks.map(async ({ name, check }) => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
      });
      try {
        await Promise.race([check(), late]);
        return null;
      } catch (error) {
        log.warn({ err: error, dependency: name }, "readiness check failed");
        return name;
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return results.filter((name): name is string => name !== null);
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(/^Bearer (.+)$/i.exec(header ?? "")?.[1] ?? "");
  const wanted = Buffer.from(token);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

function pathOf(url: string | undefined): string | null {
  try {
    return new URL(url ?? "/", "http://localhost").pathname;
  } catch {
    return null;
  }
}

/** `droid worker`'s own small server: the operator routes and nothing else. */
export async function startOperatorServer(routes: readonly Route[], options: { host: string; port: number; log: Logger }): Promise<{ server: Server; url: string; stop: () => Promise<void> }> {
  const server = createServer(async (req, res) => {
    try {
      for (const route of routes) if (await route(req, res)) return;
      res.writeHead(404).end();
    } catch (error) {
      options.log.error({ err: error, url: req.url }, "operator request failed");
      if (!res.headersSent) res.writeHead(500).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  const port = address !== null && typeof address === "object" ? address.port : options.port;
  const url = `http://${options.host.includes(":") ? `[${options.host}]` : options.host}:${port}`;
  options.log.info({ url }, "metrics and health checks served");
  return { server, url, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
