/**
 * Builds Droid's HTTP server (Probot's server with Droid's app loaded) without
 * starting the process-level machinery, so tests and benchmarks run the real thing.
 */
import { createServer } from "node:net";
import type { Logger } from "pino";
import { Probot, Server, type ProbotOctokit } from "probot";
import { droidApp, type AppServices } from "./app.ts";

export interface DroidServerOptions extends AppServices {
  appId: number | string;
  privateKey: string;
  secret: string;
  log: Logger;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** GitHub's API base URL (GitHub Enterprise or a test server). */
  baseUrl?: string;
  Octokit?: typeof ProbotOctokit;
}

export interface RunningServer {
  server: Server;
  url: string;
  stop(): Promise<void>;
}

export async function startDroidServer(options: DroidServerOptions): Promise<RunningServer> {
  const server = new Server({
    Probot: Probot.defaults({
      appId: options.appId,
      privateKey: options.privateKey,
      secret: options.secret,
      log: options.log,
      ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
      ...(options.Octokit ? { Octokit: options.Octokit } : {}),
    }),
    host: options.host ?? "127.0.0.1",
    // Probot's Server reads 0 as "unset" and takes 3000, so a free port is found here.
    port: options.port || (await freePort(options.host ?? "127.0.0.1")),
    log: options.log,
  });
  await server.load(droidApp(options));
  const http = await server.start();
  const address = http.address();
  if (address === null || typeof address === "string") throw new Error("server has no TCP address");
  return { server, url: `http://${address.address}:${address.port}`, stop: () => server.stop() };
}

/** A TCP port that was free a moment ago on `host`. */
export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, host, () => {
      const address = probe.address();
      probe.close(() => (address && typeof address === "object" ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}
