/**
 * A small GitHub API stand-in on loopback for benchmarks: answers the calls a
 * trigger makes (installation token, config, permission, reactions, comments).
 * Tests use nock instead; this exists because a benchmark measures real HTTP.
 */
import { createServer, type Server } from "node:http";

export interface FakeGitHub {
  url: string;
  calls: Map<string, number>;
  /** Every request, in order (tests read the bodies of comments). */
  requests: { route: string; path: string; body: string }[];
  /** When it returns true for a request (its route, how many of that route so far), the request is never answered. */
  stall: ((route: string, count: number) => boolean) | undefined;
  close(): Promise<void>;
}

export async function startFakeGitHub(): Promise<FakeGitHub> {
  const calls = new Map<string, number>();
  const requests: FakeGitHub["requests"] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = req.url ?? "/";
      const route = routeOf(req.method ?? "GET", url);
      calls.set(route, (calls.get(route) ?? 0) + 1);
      requests.push({ route, path: url.split("?")[0] ?? "/", body: Buffer.concat(chunks).toString("utf8") });
      if (fake.stall?.(route, calls.get(route) ?? 0)) return;
      const [status, body] = answer(route);
      res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no address");
  const fake: FakeGitHub = {
    url: `http://127.0.0.1:${address.port}`,
    calls,
    requests,
    stall: undefined,
    close: () =>
      new Promise((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
  return fake;
}

function routeOf(method: string, url: string): string {
  const path = url.split("?")[0] ?? "/";
  if (/\/app\/installations\/\d+\/access_tokens$/.test(path)) return "token";
  if (/\/contents\//.test(path)) return "config";
  if (/\/collaborators\/[^/]+\/permission$/.test(path)) return "permission";
  if (/\/reactions$/.test(path)) return "reaction";
  if (method === "GET" && /\/app\/hook\/deliveries$/.test(path)) return "deliveries";
  if (method === "POST" && /\/issues\/\d+\/comments$/.test(path)) return "comment";
  return `${method} ${path}`;
}

function answer(route: string): [number, unknown] {
  switch (route) {
    case "token":
      return [201, { token: "ghs_bench", expires_at: new Date(Date.now() + 3600_000).toISOString() }];
    case "config":
      return [404, { message: "Not Found" }];
    case "permission":
      return [200, { permission: "admin", role_name: "admin", user: { login: "Codertocat" } }];
    case "reaction":
      return [201, { id: 1, content: "eyes" }];
    case "comment":
      return [201, { id: 1 }];
    case "deliveries":
      return [200, []];
    default:
      return [404, { message: `not faked: ${route}` }];
  }
}
