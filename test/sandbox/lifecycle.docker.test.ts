import net from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_LIMITS, SANDBOX_IMAGE, createSandbox, reapContainers, runSetup, withSandbox } from "../../src/sandbox/index.ts";
import { docker, dockerAnswers, memoryLogger, uniqueId } from "../helpers/docker.ts";

const engine = await dockerAnswers();
const { logger } = memoryLogger();

const sandboxFor = (instance: string, network: "none" | "setup" = "none") =>
  createSandbox(docker, { owner: { jobId: uniqueId("life"), instance }, image: SANDBOX_IMAGE, network, limits: DEFAULT_LIMITS, logger });

const gone = (promise: Promise<unknown>) => expect(promise).rejects.toMatchObject({ statusCode: 404 });

describe.skipIf(!engine)("sandbox lifecycle", () => {
  it("removes the container and its volumes, and remove() can be repeated", async () => {
    const sandbox = await sandboxFor("test-life");
    const volumes = (await docker.getContainer(sandbox.id).inspect()).Mounts.map((mount) => mount.Name ?? "");
    expect(volumes).toHaveLength(2);
    await sandbox.remove();
    await sandbox.remove();
    await gone(docker.getContainer(sandbox.id).inspect());
    for (const volume of volumes) await gone(docker.getVolume(volume).inspect());
  });

  it("removes the sandbox when the job's work fails", async () => {
    let id = "";
    const options = { owner: { jobId: uniqueId("life"), instance: "test-life" }, image: SANDBOX_IMAGE, network: "none" as const, limits: DEFAULT_LIMITS, logger };
    await expect(
      withSandbox(docker, options, async (sandbox) => {
        id = sandbox.id;
        await sandbox.exec("true");
        throw new Error("the job failed");
      }),
    ).rejects.toThrow("the job failed");
    await gone(docker.getContainer(id).inspect());
  });

  it("reaps what a crashed worker left behind, and only that worker's sandboxes", async () => {
    const crashed = uniqueId("crashed-worker");
    const other = uniqueId("other-worker");
    const leftover = await sandboxFor(crashed); // never removed: the worker "crashed"
    const alive = await sandboxFor(other);
    try {
      expect(await reapContainers(docker, crashed, logger)).toEqual({ containers: 1, volumes: 2 });
      await gone(docker.getContainer(leftover.id).inspect());
      expect((await docker.getContainer(alive.id).inspect()).State.Running).toBe(true);
      expect(await reapContainers(docker, crashed, logger)).toEqual({ containers: 0, volumes: 0 });
    } finally {
      await alive.remove();
    }
  });
});

describe.skipIf(!engine)("network policy `setup`", () => {
  let server: net.Server;
  let gateway: string;
  let port: number;

  beforeAll(async () => {
    server = net.createServer((socket) => {
      socket.on("error", () => {}); // the probe closes without reading
      socket.end("hello\n");
    });
    await new Promise<void>((resolve) => server.listen(0, "0.0.0.0", resolve));
    port = (server.address() as AddressInfo).port;
    const bridge = await docker.getNetwork("bridge").inspect();
    gateway = bridge.IPAM?.Config?.[0]?.Gateway ?? "172.17.0.1";
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("has network while setup runs, none afterwards", async () => {
    const connect = `python3 -c "import socket; socket.create_connection(('${gateway}', ${port}), timeout=3).close(); print('connected')"`;
    const sandbox = await sandboxFor("test-life", "setup");
    try {
      const setup = await runSetup(sandbox, [{ command: connect, source: "config", reason: ".github/droid.yml" }], {
        timeoutSeconds: 30,
      });
      expect(setup.status).toBe("ready");
      expect(setup.results[0]?.stdout).toBe("connected\n");
      const after = await sandbox.exec(`${connect}; tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '`);
      expect(after.stderr).toMatch(/Network is unreachable/);
      expect(after.stdout).toBe("lo\n");
    } finally {
      await sandbox.remove();
    }
  });

  it("explains a failed setup command under `none`", async () => {
    const sandbox = await sandboxFor("test-life", "none");
    try {
      const setup = await runSetup(sandbox, [{ command: "npm ci", source: "detected", reason: "package-lock.json" }], {
        timeoutSeconds: 30,
      });
      expect(setup.status).toBe("failed");
      expect(setup.status === "failed" && setup.message).toMatch(
        /^Setup command `npm ci` \(detected from package-lock.json\) exited with code \d+ after .*set `network: setup` in .github\/droid.yml/,
      );
    } finally {
      await sandbox.remove();
    }
  });
});
