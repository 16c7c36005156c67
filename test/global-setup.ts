/**
 * Runs once, before any test file. nock (through @mswjs/interceptors) intercepts every
 * `http` request in the test processes; for requests to a unix socket its passthrough
 * drops `socketPath`, and Docker API calls then fail with EPIPE. So when the engine is
 * on the local socket, tests reach it over TCP through this small loopback proxy
 * (plain `net`, which nothing intercepts). This also exercises Droid's `DOCKER_HOST=tcp://`
 * path, the one a remote engine uses.
 */
import { existsSync } from "node:fs";
import net from "node:net";

export default async function setup(): Promise<() => Promise<void>> {
  const socket = "/var/run/docker.sock";
  if (process.env.DOCKER_HOST || !existsSync(socket)) return async () => {};
  const proxy = net.createServer((client) => {
    const engine = net.connect({ path: socket });
    client.pipe(engine).pipe(client);
    client.on("error", () => engine.destroy());
    engine.on("error", () => client.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  const address = proxy.address();
  if (address === null || typeof address === "string") throw new Error("docker proxy has no port");
  process.env.DOCKER_HOST = `tcp://127.0.0.1:${address.port}`;
  return () => new Promise((resolve) => proxy.close(() => resolve()));
}
