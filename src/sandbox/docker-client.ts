import http from "node:http";
import https from "node:https";
import net from "node:net";
import Docker from "dockerode";

/**
 * A Docker client for `DOCKER_HOST` (unix socket by default, `tcp://` for a remote engine, TLS when
 * `DOCKER_TLS_VERIFY=1`). Connections are not kept alive: the engine closes idle sockets, and a
 * reused dead socket fails the next call with EPIPE.
 */
export function createDockerClient(env: NodeJS.ProcessEnv = process.env): Docker {
  const host = env["DOCKER_HOST"];
  if (!host || host.startsWith("unix://")) {
    const socketPath = host ? host.slice("unix://".length) : "/var/run/docker.sock";
    return withAgent({ socketPath }, new UnixSocketAgent(socketPath));
  }
  const tls = env["DOCKER_TLS_VERIFY"] === "1";
  return withAgent({}, tls ? new https.Agent({ keepAlive: false }) : new http.Agent({ keepAlive: false }));
}

/** docker-modem takes an `agent` option that @types/dockerode does not declare. */
function withAgent(options: Docker.DockerOptions, agent: http.Agent): Docker {
  const withAgentOption: Docker.DockerOptions & { agent: http.Agent } = { ...options, agent };
  return new Docker(withAgentOption);
}

/** Always dials the engine's socket, whatever the request options say (HTTP interceptors drop socketPath). */
class UnixSocketAgent extends http.Agent {
  readonly #socketPath: string;
  constructor(socketPath: string) {
    super({ keepAlive: false });
    this.#socketPath = socketPath;
  }
  override createConnection(): net.Socket {
    return net.createConnection(this.#socketPath);
  }
}
