import type { Readable } from "node:stream";
import type Docker from "dockerode";
import type { Logger } from "pino";
import { SANDBOX_USER } from "../container-spec.ts";
import { DockerFrames } from "../demux.ts";
import { SANDBOX_IMAGE, assertImagePresent, isNotFound } from "../image.ts";
import { type SandboxOwner, ownerLabels } from "../labels.ts";
import type { EgressHostPattern } from "./policy.ts";
import { EGRESS_CONFIG_VARIABLE, type EgressProxyConfig, type EgressProxyEvent, egressProxyEventSchema, egressProxySource } from "./proxy-program.ts";

/**
 * The gate a sandbox with an allowlist goes out through, made with the Docker API only (so a
 * remote engine works the same): an internal network (no route out, and no address of the
 * engine's host on it) that the sandbox joins, and a small container of Droid's image running
 * the egress proxy, on that network and on the outside one. The proxy listens only on its
 * internal address; its events are relayed into Droid's log with the job id.
 */
export interface EgressGate {
  /** The internal network the sandbox joins. */
  readonly networkName: string;
  /** `http://<proxy's internal address>:<port>`, for the sandbox's HTTP(S)_PROXY. */
  readonly proxyUrl: string;
  /** Removes the proxy and the network (the sandbox must have left it). Safe to call more than once. */
  close(): Promise<void>;
}

export interface EgressGateOptions {
  owner: SandboxOwner;
  /** Names the network and the proxy's container. */
  name: string;
  /** The network the proxy reaches the world (or the operator's proxy) through. */
  outsideNetwork: string;
  allow: readonly EgressHostPattern[];
  upstream: EgressProxyConfig["upstream"];
  logger: Logger;
  /** How long the proxy may take to listen (default 30 s). */
  startTimeoutMs?: number;
}

export const EGRESS_PROXY_PORT = 3128;
/** A bridge without an address on the engine's host: the sandbox cannot reach the host's services either. */
const NO_HOST_ADDRESS = { "com.docker.network.bridge.inhibit_ipv4": "true" };
const PROXY_MEMORY = 256 * 1024 * 1024;

export async function openEgressGate(docker: Docker, options: EgressGateOptions): Promise<EgressGate> {
  await assertImagePresent(docker, SANDBOX_IMAGE);
  const labels = ownerLabels(options.owner);
  const network = await docker.createNetwork({ Name: options.name, Internal: true, CheckDuplicate: true, Labels: labels, Options: NO_HOST_ADDRESS });
  let container: Docker.Container | null = null;
  let relay: EventRelay | null = null;
  const close = async () => {
    relay?.stop();
    await container?.remove({ force: true }).catch((error: unknown) => warnUnlessGone(options.logger, error, "could not remove the egress proxy"));
    await network.remove().catch((error: unknown) => warnUnlessGone(options.logger, error, "could not remove the egress network"));
  };
  try {
    const subnet = (await network.inspect()).IPAM?.Config?.[0]?.Subnet;
    if (!subnet) throw new Error(`the egress network ${options.name} has no IPv4 subnet`);
    const config: EgressProxyConfig = { allow: options.allow, listen: { on: "subnet", subnet, port: EGRESS_PROXY_PORT }, upstream: options.upstream };
    container = await docker.createContainer({
      name: options.name,
      Image: SANDBOX_IMAGE,
      Entrypoint: ["node"],
      Cmd: ["-e", egressProxySource()],
      Env: [`${EGRESS_CONFIG_VARIABLE}=${JSON.stringify(config)}`],
      User: SANDBOX_USER,
      Labels: labels,
      HostConfig: {
        NetworkMode: options.name,
        CapDrop: ["ALL"],
        SecurityOpt: ["no-new-privileges:true"],
        ReadonlyRootfs: true,
        PidsLimit: 64,
        Memory: PROXY_MEMORY,
        MemorySwap: PROXY_MEMORY,
        NanoCpus: 1e9,
        Init: true,
      },
    });
    await docker.getNetwork(options.outsideNetwork).connect({ Container: container.id });
    await container.start();
    relay = relayEvents((await container.logs({ follow: true, stdout: true, stderr: true })) as Readable, options);
    const listening = await withTimeout(relay.listening, options.startTimeoutMs ?? 30_000, "the egress proxy did not start listening");
    options.logger.info({ jobId: options.owner.jobId, network: options.name, allow: options.allow.length }, "egress proxy started");
    return { networkName: options.name, proxyUrl: `http://${listening.address}:${listening.port}`, close };
  } catch (error) {
    await close();
    throw error;
  }
}

interface EventRelay {
  listening: Promise<{ address: string; port: number }>;
  stop(): void;
}

/** Follows the proxy's output: JSON events on stdout become log lines with the job id. */
function relayEvents(stream: Readable, options: EgressGateOptions): EventRelay {
  const log = options.logger.child({ jobId: options.owner.jobId, component: "egress-proxy" });
  const { promise: listening, resolve: started, reject: ended } = Promise.withResolvers<{ address: string; port: number }>();
  const lastLines: string[] = [];
  const onEvent = (event: EgressProxyEvent) => {
    switch (event.event) {
      case "listening":
        return started(event);
      case "allowed":
        return log.debug({ method: event.method, target: event.target, via: event.via }, "egress allowed");
      case "refused":
        return log.warn({ method: event.method, target: event.target }, "egress refused: the host is not on DROID_SANDBOX_EGRESS_ALLOW");
      case "failed":
        return log.info({ method: event.method, target: event.target, error: event.error }, "egress failed");
      case "error":
        return log.error({ error: event.error }, "egress proxy error");
    }
  };
  const lines = { stdout: "", stderr: "" };
  const frames = new DockerFrames();
  stream.on("data", (chunk: Buffer) =>
    frames.push(chunk, (kind, payload) => {
      const text = lines[kind] + payload.toString("utf8");
      const complete = text.split("\n");
      lines[kind] = complete.pop() ?? "";
      for (const line of complete.filter((l) => l.trim() !== "")) {
        lastLines.push(line.slice(0, 500));
        if (lastLines.length > 5) lastLines.shift();
        const parsed = kind === "stdout" ? egressProxyEventSchema.safeParse(safeJson(line)) : null;
        if (parsed?.success) onEvent(parsed.data);
        else log.warn({ line: line.slice(0, 500) }, "egress proxy output");
      }
    }),
  );
  const onEnd = () => ended(new Error(`the egress proxy stopped: ${lastLines.join(" | ") || "no output"}`));
  stream.once("end", onEnd);
  stream.once("close", onEnd);
  stream.once("error", (error) => ended(error));
  return { listening, stop: () => stream.destroy() };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${message} within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function warnUnlessGone(logger: Logger, error: unknown, message: string): void {
  if (!isNotFound(error)) logger.warn({ err: error }, message);
}
