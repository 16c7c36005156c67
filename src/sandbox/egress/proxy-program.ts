/**
 * Droid's egress proxy: the only way out of a sandbox when the operator sets an allowlist
 * (`DROID_SANDBOX_EGRESS_ALLOW`). It speaks HTTP CONNECT (https, and anything tunnelled) and
 * forwards plain HTTP requests in absolute form; each request's host and port are checked
 * against the allowlist before anything is resolved or connected, refusals get 403 and an
 * event. It can chain to the operator's upstream proxy, whose credentials stay here.
 *
 * It runs in a small container of Droid's own image (Node 18 there), which has no copy of
 * Droid: `egressProxySource()` ships the source text of `runEgressProxy` as `node -e`. So that
 * function is self-contained — it uses only its parameters and the language's globals (URL,
 * Buffer), nothing imported or declared outside it — and keeps to syntax Node 18 runs. Tests
 * run the same function in-process.
 */
/* oxlint-disable unicorn/consistent-function-scoping -- runEgressProxy ships as source: its helpers must live inside it */
import type * as http from "node:http";
import type * as net from "node:net";
import type * as os from "node:os";
import type { Duplex } from "node:stream";
import { z } from "zod";
import type { EgressHostPattern } from "./policy.ts";

export interface EgressProxyModules {
  net: typeof net;
  http: typeof http;
  os: typeof os;
}

export interface EgressProxyConfig {
  allow: readonly EgressHostPattern[];
  /** Listen on this container's address in an IPv4 subnet (the sandbox's network only), or on a given host. */
  listen: { on: "subnet"; subnet: string; port: number } | { on: "host"; host: string; port: number };
  /** The operator's proxies to chain to (http:// URLs, credentials allowed); hosts matching `noProxy` go direct. */
  upstream: { http: string | null; https: string | null; noProxy: readonly string[] };
}

/** One line of the proxy's stdout (JSON), relayed into Droid's log with the job id. */
export const egressProxyEventSchema = z.discriminatedUnion("event", [
  z.object({ event: z.literal("listening"), address: z.string(), port: z.number().int() }),
  z.object({ event: z.literal("allowed"), method: z.string(), target: z.string(), via: z.enum(["direct", "upstream"]) }),
  z.object({ event: z.literal("refused"), method: z.string(), target: z.string() }),
  z.object({ event: z.literal("failed"), method: z.string(), target: z.string(), error: z.string() }),
  z.object({ event: z.literal("error"), error: z.string() }),
]);
export type EgressProxyEvent = z.infer<typeof egressProxyEventSchema>;

/** The environment variable carrying the JSON `EgressProxyConfig` into the proxy's container. */
export const EGRESS_CONFIG_VARIABLE = "DROID_EGRESS_CONFIG";

/** The program the proxy container runs with `node -e`. */
export function egressProxySource(): string {
  return [
    `"use strict";`,
    `const emit = (event) => process.stdout.write(JSON.stringify(event) + "\\n");`,
    `process.on("uncaughtException", (error) => emit({ event: "error", error: String((error && error.stack) || error) }));`,
    `(${runEgressProxy.toString()})({ net: require("node:net"), http: require("node:http"), os: require("node:os") }, JSON.parse(process.env.${EGRESS_CONFIG_VARIABLE}), emit)`,
    `  .catch((error) => { emit({ event: "error", error: String(error) }); process.exit(1); });`,
  ].join("\n");
}

/** Starts the proxy; resolves once it listens. Self-contained: see the file's comment. */
export function runEgressProxy(node: EgressProxyModules, config: EgressProxyConfig, emit: (event: EgressProxyEvent) => void): Promise<http.Server> {
  const AUTHORITY = /^(\[[0-9a-f:.]+\]|[a-z0-9_.-]+):(\d{1,5})$/;
  const bare = (host: string) => host.replace(/^\[(.*)\]$/, "$1");
  const refusal = (target: string) => `droid egress proxy: ${target} is not on this Droid's allowlist (DROID_SANDBOX_EGRESS_ALLOW)\n`;

  function allowed(host: string, port: number): boolean {
    return config.allow.some(
      (p) => (p.port === null || p.port === port) && (p.kind === "any" || (p.kind === "host" ? host === p.host : host.endsWith(`.${p.domain}`))),
    );
  }

  function upstreamFor(host: string, scheme: "http" | "https"): URL | null {
    const proxy = scheme === "https" ? config.upstream.https : config.upstream.http;
    if (proxy === null) return null;
    const name = bare(host);
    const direct = config.upstream.noProxy.some((entry) => {
      const domain = bare(entry.replace(/^\*?\./, ""));
      return entry === "*" || name === domain || name.endsWith(`.${domain}`);
    });
    return direct ? null : new URL(proxy);
  }

  function authorization(proxy: URL): string | null {
    if (proxy.username === "" && proxy.password === "") return null;
    return `Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString("base64")}`;
  }

  function answer(socket: Duplex, status: string, text: string): void {
    socket.end(`HTTP/1.1 ${status}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
  }

  function tunnel(client: Duplex, head: Buffer, host: string, port: number): void {
    const target = `${host}:${port}`;
    const upstream = upstreamFor(host, "https");
    const remote = upstream ? node.net.connect(Number(upstream.port || 80), bare(upstream.hostname)) : node.net.connect(port, bare(host));
    // connecting → spliced (bytes flow both ways) or answered (the client got an error status).
    let state: "connecting" | "spliced" | "answered" = "connecting";
    const fail = (status: string, text: string) => {
      if (state !== "connecting") return;
      state = "answered";
      answer(client, status, text);
      remote.destroy();
    };
    remote.setTimeout(30_000, () => remote.destroy(new Error("timed out connecting")));
    client.on("close", () => remote.destroy());
    remote.on("close", () => {
      if (state === "spliced") client.destroy();
    });
    remote.on("error", (error) => {
      emit({ event: "failed", method: "CONNECT", target, error: error.message });
      fail("502 Bad Gateway", `droid egress proxy: could not reach ${target} (${error.message})\n`);
    });
    const splice = (early: Buffer) => {
      state = "spliced";
      remote.setTimeout(0);
      emit({ event: "allowed", method: "CONNECT", target, via: upstream ? "upstream" : "direct" });
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (early.length > 0) client.write(early);
      if (head.length > 0) remote.write(head);
      client.pipe(remote);
      remote.pipe(client);
    };
    remote.once("connect", () => {
      if (!upstream) return splice(Buffer.alloc(0));
      const auth = authorization(upstream);
      remote.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n${auth ? `Proxy-Authorization: ${auth}\r\n` : ""}\r\n`);
      let received = Buffer.alloc(0);
      const onData = (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        const end = received.indexOf("\r\n\r\n");
        if (end === -1) {
          if (received.length > 16_384) remote.destroy(new Error("the upstream proxy's answer is too long"));
          return;
        }
        remote.off("data", onData);
        const status = /^HTTP\/1\.[01] (\d{3})/.exec(received.toString("latin1", 0, end))?.[1] ?? "no status";
        if (status === "200") return splice(received.subarray(end + 4));
        emit({ event: "failed", method: "CONNECT", target, error: `the upstream proxy answered ${status}` });
        fail("502 Bad Gateway", `droid egress proxy: the upstream proxy refused ${target} (${status})\n`);
      };
      remote.on("data", onData);
    });
  }

  function forward(request: http.IncomingMessage, response: http.ServerResponse): void {
    let url: URL | null;
    try {
      url = new URL(request.url ?? "");
    } catch {
      url = null;
    }
    if (url === null || url.protocol !== "http:") {
      response.writeHead(400, { "content-type": "text/plain" }).end("droid egress proxy: send absolute http:// URLs, and CONNECT for anything else\n");
      return;
    }
    const host = url.hostname;
    const port = Number(url.port || 80);
    const target = `${host}:${port}`;
    const method = request.method ?? "GET";
    if (!allowed(host, port)) {
      emit({ event: "refused", method, target });
      response.writeHead(403, { "content-type": "text/plain" }).end(refusal(target));
      return;
    }
    const upstream = upstreamFor(host, "http");
    const headers = { ...request.headers };
    delete headers["proxy-authorization"];
    delete headers["proxy-connection"];
    const auth = upstream ? authorization(upstream) : null;
    if (auth) headers["proxy-authorization"] = auth;
    const outgoing = node.http.request(
      upstream
        ? { host: bare(upstream.hostname), port: Number(upstream.port || 80), method, path: url.href, headers }
        : { host: bare(host), port, method, path: `${url.pathname}${url.search}`, headers },
      (answered) => {
        response.writeHead(answered.statusCode ?? 502, answered.headers);
        answered.pipe(response);
      },
    );
    outgoing.on("error", (error) => {
      emit({ event: "failed", method, target, error: error.message });
      if (response.headersSent) response.destroy();
      else response.writeHead(502, { "content-type": "text/plain" }).end(`droid egress proxy: could not reach ${target} (${error.message})\n`);
    });
    emit({ event: "allowed", method, target, via: upstream ? "upstream" : "direct" });
    request.pipe(outgoing);
  }

  function addressIn(cidr: string): string {
    const [base = "", bitsText = "32"] = cidr.split("/");
    const bits = Number(bitsText);
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    const number = (ip: string) => ip.split(".").reduce((sum, part) => sum * 256 + Number(part), 0);
    for (const entries of Object.values(node.os.networkInterfaces())) {
      for (const entry of entries ?? []) {
        if (/^\d+\.\d+\.\d+\.\d+$/.test(entry.address) && ((number(entry.address) & mask) >>> 0) === ((number(base) & mask) >>> 0)) return entry.address;
      }
    }
    throw new Error(`this container has no address in ${cidr}`);
  }

  const server = node.http.createServer(forward);
  server.on("connect", (request: http.IncomingMessage, client: Duplex, head: Buffer) => {
    client.on("error", () => client.destroy());
    const match = AUTHORITY.exec((request.url ?? "").toLowerCase());
    const port = Number(match?.[2]);
    if (!match?.[1] || port < 1 || port > 65_535) {
      answer(client, "400 Bad Request", "droid egress proxy: CONNECT needs host:port\n");
      return;
    }
    const target = `${match[1]}:${port}`;
    if (!allowed(match[1], port)) {
      emit({ event: "refused", method: "CONNECT", target });
      answer(client, "403 Forbidden", refusal(target));
      return;
    }
    tunnel(client, head, match[1], port);
  });
  server.on("clientError", (_error: Error, socket: Duplex) => socket.destroy());
  return new Promise((resolve, reject) => {
    const listen = config.listen;
    const address = listen.on === "subnet" ? addressIn(listen.subnet) : listen.host;
    server.once("error", reject);
    server.listen(listen.port, address, () => {
      const bound = server.address();
      emit({ event: "listening", address, port: typeof bound === "object" && bound !== null ? bound.port : listen.port });
      resolve(server);
    });
  });
}
