import { spawn } from "node:child_process";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parseEgressAllowlist } from "../../src/sandbox/index.ts";
import {
  EGRESS_CONFIG_VARIABLE,
  type EgressProxyConfig,
  type EgressProxyEvent,
  egressProxyEventSchema,
  egressProxySource,
  runEgressProxy,
} from "../../src/sandbox/egress/proxy-program.ts";

// nock's interceptor rewrites proxy-style requests (an absolute URL as the path) into invalid URLs,
// so this file closes the network the way the Docker tests do: loopback and unix sockets only.
// Everything listens on loopback: the proxy, the servers it reaches, the upstream proxy it chains to.
// oxlint-disable-next-line import/no-unassigned-import -- the Docker tests' socket guard applies on import
import "../setup-docker.ts";

beforeAll(() => nock.restore());
afterAll(() => void nock.activate());

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

function allow(text: string): EgressProxyConfig["allow"] {
  const parsed = parseEgressAllowlist(text);
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.value;
}

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

async function startProxy(allowlist: string, upstream: Partial<EgressProxyConfig["upstream"]> = {}) {
  const events: EgressProxyEvent[] = [];
  const config: EgressProxyConfig = {
    allow: allow(allowlist),
    listen: { on: "host", host: "127.0.0.1", port: 0 },
    upstream: { http: null, https: null, noProxy: [], ...upstream },
  };
  const server = await runEgressProxy({ net, http, os }, config, (event) => events.push(event));
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return { port: address.port, events };
}

/** Sends raw bytes to a port and collects everything until the other side closes. */
function exchange(port: number, request: string, after?: (head: string, socket: net.Socket) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => socket.write(request));
    let received = "";
    let answered = false;
    socket.on("data", (chunk) => {
      received += chunk.toString("latin1");
      if (!answered && received.includes("\r\n\r\n")) {
        answered = true;
        after?.(received, socket);
      }
    });
    socket.on("end", () => resolve(received));
    socket.on("error", reject);
  });
}

/** A CONNECT through the proxy; once tunnelled, sends `ping` and half-closes. */
const tunnelled = (proxyPort: number, authority: string, headers = "") =>
  exchange(proxyPort, `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n${headers}\r\n`, (head, socket) => {
    if (head.startsWith("HTTP/1.1 200")) socket.end("ping");
  });

let echoPort = 0;
let webPort = 0;
beforeAll(async () => {
  const echo = net.createServer((socket) => {
    socket.on("error", () => {});
    socket.once("data", (data) => socket.end(`echo:${data.toString()}`));
  });
  const web = http.createServer((request, response) => response.end(`web ${request.method} ${request.url} host=${request.headers.host}`));
  for (const server of [echo, web]) await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  echoPort = (echo.address() as net.AddressInfo).port;
  webPort = (web.address() as net.AddressInfo).port;
  afterAll(() => {
    echo.close();
    web.close();
  });
});

describe("egress proxy: the allowlist", () => {
  it("tunnels CONNECT to an allowed host and refuses any other with 403, connecting nowhere", async () => {
    const proxy = await startProxy("127.0.0.1");
    const allowed = await tunnelled(proxy.port, `127.0.0.1:${echoPort}`);
    expect(allowed).toMatch(/^HTTP\/1\.1 200 Connection Established\r\n\r\necho:ping$/);
    const refused = await tunnelled(proxy.port, "evil.example:443");
    expect(refused).toMatch(/^HTTP\/1\.1 403 Forbidden\r\n/);
    expect(refused).toContain("evil.example:443 is not on this Droid's allowlist (DROID_SANDBOX_EGRESS_ALLOW)");
    expect(proxy.events).toContainEqual({ event: "refused", method: "CONNECT", target: "evil.example:443" });
    expect(proxy.events).toContainEqual({ event: "allowed", method: "CONNECT", target: `127.0.0.1:${echoPort}`, via: "direct" });
  });

  it("holds a host to its port when the pattern names one", async () => {
    const proxy = await startProxy(`127.0.0.1:${webPort}`);
    expect(await tunnelled(proxy.port, `127.0.0.1:${echoPort}`)).toMatch(/^HTTP\/1\.1 403/);
    expect(await tunnelled(proxy.port, `127.0.0.1:${webPort}`)).toMatch(/^HTTP\/1\.1 200/);
  });

  it("forwards plain HTTP in absolute form when allowed, refuses it otherwise, and wants absolute URLs", async () => {
    const proxy = await startProxy("127.0.0.1");
    const get = (url: string) => exchange(proxy.port, `GET ${url} HTTP/1.1\r\nHost: ignored.example\r\nProxy-Authorization: Basic c2VjcmV0\r\nConnection: close\r\n\r\n`);
    const allowed = await get(`http://127.0.0.1:${webPort}/simple/?q=1`);
    expect(allowed).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(allowed).toContain("web GET /simple/?q=1 host=ignored.example");
    const refused = await get("http://pypi.example/simple/");
    expect(refused).toMatch(/^HTTP\/1\.1 403 Forbidden/);
    expect(proxy.events).toContainEqual({ event: "refused", method: "GET", target: "pypi.example:80" });
    expect(await get("/not-absolute")).toMatch(/^HTTP\/1\.1 400/);
  });

  it("answers 502 when an allowed host cannot be reached", async () => {
    const closed = await listen(net.createServer());
    await closers.pop()?.(); // free the port: nothing listens there now
    const proxy = await startProxy("127.0.0.1");
    expect(await tunnelled(proxy.port, `127.0.0.1:${closed}`)).toMatch(/^HTTP\/1\.1 502 Bad Gateway/);
    expect(proxy.events.some((e) => e.event === "failed")).toBe(true);
  });
});

/** An upstream proxy that records what it was asked, accepts CONNECT and then echoes. */
async function upstreamProxy() {
  const asked: string[] = [];
  const server = net.createServer((socket) => {
    socket.on("error", () => {});
    let head = "";
    const onData = (chunk: Buffer) => {
      head += chunk.toString("latin1");
      if (!head.includes("\r\n\r\n")) return;
      socket.off("data", onData);
      asked.push(head);
      if (head.startsWith("CONNECT ")) {
        socket.write("HTTP/1.1 200 OK\r\n\r\n");
        socket.once("data", (data) => socket.end(`upstream-echo:${data.toString()}`));
      } else {
        socket.end("HTTP/1.1 200 OK\r\nContent-Length: 8\r\nConnection: close\r\n\r\nupstream");
      }
    };
    socket.on("data", onData);
  });
  return { port: await listen(server), asked };
}

describe("egress proxy: chaining to the operator's proxy", () => {
  it("sends allowed requests through the upstream with its credentials, and checks the allowlist first", async () => {
    const upstream = await upstreamProxy();
    const url = `http://corp%40user:p%40ss@127.0.0.1:${upstream.port}`;
    const proxy = await startProxy("*.pkg.example", { http: url, https: url });
    // No name is resolved here: the upstream gets the name, as a TLS-inspecting proxy expects.
    expect(await tunnelled(proxy.port, "files.pkg.example:443", "Proxy-Authorization: Basic c2FuZGJveA==\r\n")).toMatch(/upstream-echo:ping$/);
    expect(upstream.asked[0]).toMatch(/^CONNECT files\.pkg\.example:443 HTTP\/1\.1\r\n/);
    expect(upstream.asked[0]).toContain(`Proxy-Authorization: Basic ${Buffer.from("corp@user:p@ss").toString("base64")}`);
    expect(await tunnelled(proxy.port, "pkg.example:443")).toMatch(/^HTTP\/1\.1 403/); // *.domain is not the domain itself
    const plain = await exchange(proxy.port, "GET http://a.pkg.example/x HTTP/1.1\r\nHost: a.pkg.example\r\nProxy-Authorization: Basic c2FuZGJveA==\r\nConnection: close\r\n\r\n");
    expect(plain).toMatch(/upstream$/);
    expect(upstream.asked[1]).toMatch(/^GET http:\/\/a\.pkg\.example\/x HTTP\/1\.1\r\n/);
    expect(upstream.asked[1]).toContain(Buffer.from("corp@user:p@ss").toString("base64"));
    expect(upstream.asked.join("")).not.toContain("c2FuZGJveA=="); // the sandbox's own header never travels on
    expect(upstream.asked).toHaveLength(2);
  });

  it("goes direct for hosts on NO_PROXY", async () => {
    const upstream = await upstreamProxy();
    const proxy = await startProxy("127.0.0.1", { https: `http://127.0.0.1:${upstream.port}`, noProxy: ["127.0.0.1"] });
    expect(await tunnelled(proxy.port, `127.0.0.1:${echoPort}`)).toMatch(/\r\n\r\necho:ping$/);
    expect(upstream.asked).toEqual([]);
  });

  it("answers 502 when the upstream refuses", async () => {
    const refusing = net.createServer((socket) => socket.resume().end("HTTP/1.1 407 Proxy Authentication Required\r\n\r\n"));
    const proxy = await startProxy("*", { https: `http://127.0.0.1:${await listen(refusing)}` });
    expect(await tunnelled(proxy.port, "registry.example:443")).toMatch(/^HTTP\/1\.1 502 Bad Gateway[\s\S]*refused registry\.example:443 \(407\)/);
  });
});

describe("egress proxy: the program shipped to its container", () => {
  it("runs from its source text alone, in a fresh node process", async () => {
    const config: EgressProxyConfig = { allow: allow("127.0.0.1"), listen: { on: "host", host: "127.0.0.1", port: 0 }, upstream: { http: null, https: null, noProxy: [] } };
    const child = spawn(process.execPath, ["-e", egressProxySource()], { env: { [EGRESS_CONFIG_VARIABLE]: JSON.stringify(config) }, stdio: ["ignore", "pipe", "pipe"] });
    closers.push(async () => void child.kill("SIGKILL"));
    const listening = await new Promise<EgressProxyEvent>((resolve, reject) => {
      child.stdout.once("data", (data: Buffer) => resolve(egressProxyEventSchema.parse(JSON.parse(data.toString().split("\n")[0] ?? ""))));
      child.once("exit", (code) => reject(new Error(`the program exited (${code})`)));
    });
    expect(listening).toMatchObject({ event: "listening", address: "127.0.0.1" });
    const port = listening.event === "listening" ? listening.port : 0;
    expect(await tunnelled(port, `127.0.0.1:${echoPort}`)).toMatch(/echo:ping$/);
    expect(await tunnelled(port, "elsewhere.example:443")).toMatch(/^HTTP\/1\.1 403/);
  });
});
