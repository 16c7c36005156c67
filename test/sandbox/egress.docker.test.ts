import type { Readable } from "node:stream";
import type Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_LIMITS, LABELS, NO_SANDBOX_EGRESS, SANDBOX_IMAGE, type Sandbox, type SandboxEgress, createSandbox, parseEgressAllowlist, reapContainers, runSetup } from "../../src/sandbox/index.ts";
import { DockerFrames } from "../../src/sandbox/demux.ts";
import { docker, dockerAnswers, memoryLogger, uniqueId } from "../helpers/docker.ts";
import { makeTestCa } from "../helpers/test-ca.ts";

/**
 * An enterprise network in miniature, all on Docker networks this test creates: an HTTPS server
 * whose certificate comes from a CA nothing trusts (as behind a TLS-inspecting proxy), reachable
 * as secure.droid.test and other.droid.test on a network of its own, which stands for "outside".
 */
const engine = await dockerAnswers();
const { logger, lines } = memoryLogger();
const ca = makeTestCa(["secure.droid.test", "other.droid.test"]);
const outside = uniqueId("droid-test-outside");
const PORT = 8443;
const SERVER = `require("https").createServer({ cert: process.env.CERT, key: process.env.KEY }, (q, s) => s.end("hello from " + q.headers.host + "\\n")).listen(${PORT}, () => console.log("listening"));`;

/** Python's urllib: honours https_proxy and SSL_CERT_FILE, as pip does. */
const httpsGet = (host: string) =>
  `python3 -c "import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=20).read().decode().strip())" https://${host}:${PORT}/`;
/** Node's https module: honours NODE_EXTRA_CA_CERTS. */
const nodeFetch = (host: string) =>
  `node -e "require('https').get(process.argv[1], (r) => r.pipe(process.stdout)).on('error', (e) => { console.error(e.code || e.message); process.exit(1); })" https://${host}:${PORT}/`;
const direct = (ip: string) => `python3 -c "import socket; socket.create_connection(('${ip}', ${PORT}), timeout=5).close(); print('connected')"`;
const proxyAndCaVariables = "env | grep -i -E '^(https?_proxy|no_proxy|ssl_cert_file|node_extra_ca_certs|requests_ca_bundle|pip_cert|npm_config_cafile)=' || true";

let server: Docker.Container | null = null;
let serverIp = "";

beforeAll(async () => {
  if (!engine) return;
  await docker.createNetwork({ Name: outside, Labels: { [LABELS.app]: "droid-test" } });
  server = await docker.createContainer({
    Image: SANDBOX_IMAGE,
    Entrypoint: ["node"],
    Cmd: ["-e", SERVER],
    Env: [`CERT=${ca.certPem}`, `KEY=${ca.keyPem}`],
    User: "1000:1000",
    HostConfig: { NetworkMode: outside, CapDrop: ["ALL"], ReadonlyRootfs: true },
    NetworkingConfig: { EndpointsConfig: { [outside]: { Aliases: ["secure.droid.test", "other.droid.test"] } } },
  });
  await server.start();
  await outputLine(server, "listening");
  serverIp = (await server.inspect()).NetworkSettings.Networks[outside]?.IPAddress ?? "";
}, 120_000);

afterAll(async () => {
  await server?.remove({ force: true });
  if (engine) await docker.getNetwork(outside).remove();
});

async function outputLine(container: Docker.Container, wanted: string): Promise<void> {
  const stream = (await container.logs({ follow: true, stdout: true, stderr: true })) as Readable;
  const frames = new DockerFrames();
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${wanted}" from the test server`)), 60_000);
    stream.on("data", (chunk: Buffer) =>
      frames.push(chunk, (_kind, payload) => {
        if (!payload.toString().includes(wanted)) return;
        clearTimeout(timer);
        resolve();
      }),
    );
  });
  stream.destroy();
}

const withCa: SandboxEgress = { ...NO_SANDBOX_EGRESS, caCertificates: ca.caPem };
function allowing(text: string): SandboxEgress {
  const parsed = parseEgressAllowlist(text);
  if (!parsed.ok) throw new Error(parsed.problem);
  return { ...withCa, allow: parsed.value };
}

async function withSandboxOn(network: "setup" | "full", egress: SandboxEgress | undefined, work: (sandbox: Sandbox, jobId: string) => Promise<void>): Promise<void> {
  const jobId = uniqueId("job");
  const sandbox = await createSandbox(docker, { owner: { jobId, instance: "test-egress" }, image: SANDBOX_IMAGE, network, networkName: outside, limits: DEFAULT_LIMITS, ...(egress ? { egress } : {}), logger });
  try {
    await work(sandbox, jobId);
  } finally {
    await sandbox.remove();
  }
}

/** Droid's containers and networks of one job, by label. */
async function jobObjects(jobId: string): Promise<{ containers: string[]; networks: string[] }> {
  const filters = JSON.stringify({ label: [`${LABELS.job}=${jobId}`] });
  const containers = (await docker.listContainers({ all: true, filters })).map((c) => (c.Names[0] ?? "").replace(/^\//, ""));
  const networks = (await docker.listNetworks({ filters })).map((n) => n.Name);
  return { containers, networks };
}

describe.skipIf(!engine)("setup behind a TLS-inspecting proxy: the operator's CA bundle", () => {
  it("without it, TLS to the server fails with a certificate error", async () => {
    await withSandboxOn("setup", undefined, async (sandbox) => {
      const setup = await runSetup(sandbox, [{ command: httpsGet("secure.droid.test"), source: "config", reason: ".github/droid.yml" }], { timeoutSeconds: 60 });
      expect(setup.status).toBe("failed");
      expect(setup.status === "failed" && setup.result.stderr).toMatch(/CERTIFICATE_VERIFY_FAILED/);
    });
  }, 120_000);

  it("with it, setup trusts the server (Python and Node); afterwards the agent has neither network nor the variables", async () => {
    await withSandboxOn("setup", withCa, async (sandbox) => {
      const commands = [httpsGet("secure.droid.test"), nodeFetch("secure.droid.test"), "grep -c 'BEGIN CERTIFICATE' /droid/ca/bundle.pem"];
      const setup = await runSetup(sandbox, commands.map((command) => ({ command, source: "config" as const, reason: ".github/droid.yml" })), { timeoutSeconds: 60 });
      expect(setup.status).toBe("ready");
      expect(setup.results.map((r) => r.stdout.trim())).toEqual(["hello from secure.droid.test:8443", "hello from secure.droid.test:8443", expect.stringMatching(/^\d{3}$/)]);
      const agent = await sandbox.exec(`${proxyAndCaVariables}; ${direct(serverIp)}`);
      expect(agent.stdout).toBe("");
      expect(agent.stderr).toMatch(/Network is unreachable/);
    });
  }, 120_000);
});

describe.skipIf(!engine)("the allowlist, enforced outside the sandbox by Droid's egress proxy", () => {
  it("lets setup reach allowed hosts only through the proxy, refuses others with 403, and leaves no direct route", async () => {
    await withSandboxOn("setup", allowing("secure.droid.test"), async (sandbox, jobId) => {
      const before = await jobObjects(jobId);
      expect(before.containers).toHaveLength(2); // the sandbox and its egress proxy
      expect(before.networks).toEqual([expect.stringMatching(/^droid-egress-[0-9a-f]{8}$/)]);
      const networks = Object.keys((await docker.getContainer(sandbox.id).inspect()).NetworkSettings.Networks);
      expect(networks).toEqual(before.networks); // only the internal network: no route out but the proxy

      const allowed = await sandbox.exec(httpsGet("secure.droid.test"));
      expect(allowed.stdout).toBe("hello from secure.droid.test:8443\n");
      const refused = await sandbox.exec(httpsGet("other.droid.test"));
      expect(refused.kind === "completed" && refused.exitCode).not.toBe(0);
      expect(refused.stderr).toMatch(/Tunnel connection failed: 403 Forbidden/);
      const around = await sandbox.exec(direct(serverIp));
      expect(around.stdout).toBe("");
      expect(around.stderr).toMatch(/unreachable|timed out|No route to host/i);
      const variables = await sandbox.exec(proxyAndCaVariables);
      expect(variables.stdout).toMatch(/^HTTPS_PROXY=http:\/\/[\d.]+:3128$/m);

      const refusals = lines.filter((line) => line.includes("egress refused") && line.includes(jobId));
      expect(refusals).toHaveLength(1);
      expect(JSON.parse(refusals[0] ?? "{}")).toMatchObject({ jobId, method: "CONNECT", target: "other.droid.test:8443" });

      const setup = await runSetup(sandbox, [], { timeoutSeconds: 60 });
      expect(setup.status).toBe("ready");
      expect((await sandbox.exec(proxyAndCaVariables)).stdout).toBe("");
      expect(await jobObjects(jobId)).toEqual({ containers: [before.containers.find((name) => name.startsWith(`droid-${jobId}-`))], networks: [] });
    });
  }, 180_000);

  it("under `network: full` every command goes out through the proxy until the sandbox is removed", async () => {
    let jobId = "";
    await withSandboxOn("full", allowing("*.droid.test:8443"), async (sandbox, id) => {
      jobId = id;
      const setup = await runSetup(sandbox, [{ command: httpsGet("secure.droid.test"), source: "config", reason: ".github/droid.yml" }], { timeoutSeconds: 60 });
      expect(setup.status).toBe("ready");
      const agent = await sandbox.exec(httpsGet("other.droid.test"));
      expect(agent.stdout).toBe("hello from other.droid.test:8443\n");
    });
    expect(await jobObjects(jobId)).toEqual({ containers: [], networks: [] });
  }, 180_000);

  it("reaps the proxy and the network a crashed worker left", async () => {
    const instance = uniqueId("crashed-egress");
    const jobId = uniqueId("job");
    await createSandbox(docker, { owner: { jobId, instance }, image: SANDBOX_IMAGE, network: "setup", networkName: outside, limits: DEFAULT_LIMITS, egress: allowing("*"), logger });
    expect((await jobObjects(jobId)).networks).toHaveLength(1); // never removed: the worker "crashed"
    expect(await reapContainers(docker, instance, logger)).toEqual({ containers: 2, volumes: 2 });
    expect(await jobObjects(jobId)).toEqual({ containers: [], networks: [] });
  }, 180_000);
});
