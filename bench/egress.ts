/**
 * npm run bench:egress — what the operator's egress settings cost a job: the sandbox's start
 * with no settings, with a CA bundle, and with an allowlist (the egress proxy's network and
 * container); and HTTPS requests from setup, direct against through the proxy, to a local
 * server with its own CA on a Docker network this script creates (nothing else is contacted).
 */
import type Docker from "dockerode";
import pino from "pino";
import { DEFAULT_LIMITS, LABELS, NO_SANDBOX_EGRESS, SANDBOX_IMAGE, type SandboxEgress, createDockerClient, createSandbox, parseEgressAllowlist } from "../src/sandbox/index.ts";
import { makeTestCa } from "../test/helpers/test-ca.ts";

const docker = createDockerClient();
const logger = pino({ level: "silent" });
const ca = makeTestCa(["secure.droid.test"]);
const outside = `droid-bench-outside-${process.pid}`;
const ROUNDS = 5;
const REQUESTS = 50;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
const ms = (value: number) => `${value.toFixed(value < 10 ? 1 : 0).padStart(6)} ms`;
const allowlist = parseEgressAllowlist("secure.droid.test");
if (!allowlist.ok) throw new Error(allowlist.problem);
const settings: Record<string, SandboxEgress> = {
  "no egress settings": NO_SANDBOX_EGRESS,
  "CA bundle": { ...NO_SANDBOX_EGRESS, caCertificates: ca.caPem },
  "CA bundle + allowlist (egress proxy)": { ...NO_SANDBOX_EGRESS, caCertificates: ca.caPem, allow: allowlist.value },
};
/** One python process making REQUESTS sequential HTTPS requests (a new connection each, like pip's first fetches). */
const requests = `python3 -c "
import time, urllib.request
started = time.monotonic()
for _ in range(${REQUESTS}): urllib.request.urlopen('https://secure.droid.test:8443/', timeout=20).read()
print((time.monotonic() - started) * 1000 / ${REQUESTS})"`;

async function startServer(): Promise<Docker.Container> {
  await docker.createNetwork({ Name: outside, Labels: { [LABELS.app]: "droid-bench" } });
  const server = await docker.createContainer({
    Image: SANDBOX_IMAGE,
    Entrypoint: ["node"],
    Cmd: ["-e", `require("https").createServer({ cert: process.env.CERT, key: process.env.KEY }, (q, s) => s.end("ok")).listen(8443)`],
    Env: [`CERT=${ca.certPem}`, `KEY=${ca.keyPem}`],
    User: "1000:1000",
    HostConfig: { NetworkMode: outside, CapDrop: ["ALL"], ReadonlyRootfs: true },
    NetworkingConfig: { EndpointsConfig: { [outside]: { Aliases: ["secure.droid.test"] } } },
  });
  await server.start();
  return server;
}

async function main(): Promise<void> {
  const server = await startServer();
  try {
    console.log(`sandbox start (create → first command possible), network: setup, median of ${ROUNDS}`);
    const perRequest: Record<string, number> = {};
    for (const [name, egress] of Object.entries(settings)) {
      const starts: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const started = performance.now();
        const sandbox = await createSandbox(docker, { owner: { jobId: `bench-egress-${round}`, instance: "bench-egress" }, image: SANDBOX_IMAGE, network: "setup", networkName: outside, limits: DEFAULT_LIMITS, egress, logger });
        starts.push(performance.now() - started);
        if (round === 0 && egress.caCertificates !== null) {
          const result = await sandbox.exec(requests, { timeoutSeconds: 300 });
          if (result.kind !== "completed" || result.exitCode !== 0) throw new Error(`requests failed: ${result.stderr}`);
          perRequest[name] = Number(result.stdout.trim());
          if (egress.allow !== null) perRequest["proxy container memory"] = await proxyMemory(`bench-egress-${round}`);
        }
        await sandbox.remove();
      }
      console.log(`  ${name.padEnd(40)} ${ms(median(starts))}`);
    }
    console.log(`\nHTTPS request from setup (new connection each, mean of ${REQUESTS})`);
    console.log(`  ${"direct (CA bundle)".padEnd(40)} ${ms(perRequest["CA bundle"] ?? Number.NaN)}`);
    console.log(`  ${"through the egress proxy".padEnd(40)} ${ms(perRequest["CA bundle + allowlist (egress proxy)"] ?? Number.NaN)}`);
    console.log(`\negress proxy container memory after the requests: ${((perRequest["proxy container memory"] ?? 0) / 1024 / 1024).toFixed(1)} MiB`);
  } finally {
    await server.remove({ force: true });
    await docker.getNetwork(outside).remove();
  }
}

async function proxyMemory(jobId: string): Promise<number> {
  const [proxy] = await docker.listContainers({ filters: JSON.stringify({ label: [`${LABELS.job}=${jobId}`], name: ["droid-egress-"] }) });
  if (!proxy) return Number.NaN;
  const stats = await docker.getContainer(proxy.Id).stats({ stream: false });
  return stats.memory_stats.usage ?? Number.NaN;
}

await main();
