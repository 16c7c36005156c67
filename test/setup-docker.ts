import net from "node:net";

/**
 * Network closure for tests that talk to the real Docker engine: connections may go to unix
 * sockets (the engine) and loopback (servers the test starts), nowhere else. A remote engine
 * named by DOCKER_HOST=tcp://… is allowed too.
 */
const dockerHost = process.env["DOCKER_HOST"]?.startsWith("tcp://") ? new URL(process.env["DOCKER_HOST"]).hostname : null;
const allowedHosts = new Set(["127.0.0.1", "localhost", "::1", ...(dockerHost ? [dockerHost] : [])]);
const originalConnect = net.Socket.prototype.connect;

net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: unknown[]): net.Socket {
  const [first, second] = args;
  const options = typeof first === "object" && first !== null && !Array.isArray(first) ? (first as net.NetConnectOpts) : null;
  const isUnix = options ? "path" in options && typeof options.path === "string" : typeof first === "string";
  const host = options && "host" in options ? (options.host ?? "localhost") : typeof second === "string" ? second : "localhost";
  if (!isUnix && !allowedHosts.has(host)) {
    throw new Error(`Network is closed in tests: refused connection to ${host}`);
  }
  return Reflect.apply(originalConnect, this, args) as net.Socket;
} as typeof net.Socket.prototype.connect;
