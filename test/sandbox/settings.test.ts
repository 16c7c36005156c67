import { describe, expect, it } from "vitest";
import { planContainer } from "../../src/sandbox/container-spec.ts";
import { OutputCapture } from "../../src/sandbox/output-capture.ts";
import {
  DEFAULT_LIMITS,
  describeRepoCommands,
  detectRepoCommands,
  resolveRepoCommands,
  sandboxConfigSchema,
} from "../../src/sandbox/index.ts";

const files = (present: Record<string, string>) => async (name: string) => present[name] ?? null;

describe("sandbox settings in .github/droid.yml", () => {
  it("defaults to no network and documented limits", () => {
    const config = sandboxConfigSchema.parse({});
    expect(config).toEqual({ network: "none", limits: DEFAULT_LIMITS });
    expect(DEFAULT_LIMITS).toEqual({
      memoryMb: 2048,
      cpus: 2,
      pids: 512,
      tmpMb: 512,
      commandTimeoutSeconds: 600,
      setupTimeoutSeconds: 1200,
      outputBytes: 1_048_576,
    });
  });

  it("accepts a single setup command or a list, and partial limits", () => {
    const config = sandboxConfigSchema.parse({ setup: "npm ci", network: "setup", limits: { memoryMb: 4096 } });
    expect(config.setup).toEqual(["npm ci"]);
    expect(config.limits).toEqual({ ...DEFAULT_LIMITS, memoryMb: 4096 });
  });

  it("rejects unknown network policies and limit keys with the path in the message", () => {
    const bad = sandboxConfigSchema.safeParse({ network: "internet", limits: { memory: 1 } });
    expect(bad.success).toBe(false);
    const paths = bad.error?.issues.map((issue) => issue.path.join("."));
    expect(paths).toEqual(["network", "limits"]);
  });
});

describe("detecting the repo's commands", () => {
  it("uses npm ci and npm test for a package.json with a lock file", async () => {
    const found = await detectRepoCommands(
      files({ "package.json": '{"scripts":{"test":"vitest","lint":"oxlint"}}', "package-lock.json": "{}" }),
    );
    expect(found.setup.map((c) => c.command)).toEqual(["npm ci"]);
    expect(found.test?.command).toBe("npm test");
    expect(found.lint?.command).toBe("npm run lint");
  });

  it("detects pytest, go test and cargo test", async () => {
    expect((await detectRepoCommands(files({ "pyproject.toml": "" }))).test?.command).toBe("pytest");
    expect((await detectRepoCommands(files({ "go.mod": "" }))).test?.command).toBe("go test ./...");
    expect((await detectRepoCommands(files({ "Cargo.toml": "" }))).test?.command).toBe("cargo test");
    expect(await detectRepoCommands(files({}))).toEqual({ setup: [], test: null, lint: null });
  });

  it("lets configured keys win and says where each command came from", async () => {
    const config = sandboxConfigSchema.parse({ test: "make check", setup: [] });
    const commands = await resolveRepoCommands(config, files({ "package.json": '{"scripts":{"lint":"x"}}' }));
    expect(describeRepoCommands(commands)).toEqual([
      "test: `make check` (from .github/droid.yml)",
      "lint: `npm run lint` (detected from package.json scripts.lint)",
    ]);
  });
});

describe("the container Droid creates", () => {
  it("is hardened with every limit applied", () => {
    const plan = planContainer({
      owner: { jobId: "job-1", instance: "worker-a" },
      image: "droid-sandbox:test",
      network: "none",
      limits: DEFAULT_LIMITS,
      runtime: "runsc",
      networkName: "bridge",
      suffix: "abcd",
    });
    // The main process is the process reaper: root with CAP_KILL only, fed on an open stdin;
    // commands are execs as 1000:1000 (exec.docker.test.ts checks they hold no capability).
    expect(plan.create).toMatchObject({ User: "0:0", OpenStdin: true, StdinOnce: false, Entrypoint: [""], Healthcheck: { Test: ["NONE"] } });
    expect(plan.create.Cmd?.slice(0, 2)).toEqual(["/bin/sh", "-c"]);
    expect(plan.create.Labels).toEqual({ "dev.droid.app": "droid", "dev.droid.job": "job-1", "dev.droid.instance": "worker-a" });
    expect(plan.create.HostConfig).toMatchObject({
      NetworkMode: "none",
      CapDrop: ["ALL"],
      CapAdd: ["KILL"],
      SecurityOpt: ["no-new-privileges:true"],
      PidsLimit: 512,
      Memory: 2048 * 1024 * 1024,
      MemorySwap: 2048 * 1024 * 1024,
      NanoCpus: 2e9,
      ReadonlyRootfs: true,
      Init: true,
      Runtime: "runsc",
      Tmpfs: { "/tmp": "rw,nosuid,nodev,exec,size=512m,mode=1777" },
    });
    expect(plan.create.HostConfig?.Mounts?.map((mount) => [mount.Type, mount.Target])).toEqual([
      ["volume", "/workspace"],
      ["volume", "/droid"],
    ]);
    expect(plan.create.HostConfig?.Binds).toBeUndefined();
  });
});

describe("output capture", () => {
  it("keeps head and tail within the budget and counts every byte", () => {
    const capture = new OutputCapture(10);
    for (let index = 0; index < 100; index++) capture.push(Buffer.from(`${index % 10}`));
    expect(capture.totalBytes).toBe(100);
    expect(capture.truncated).toBe(true);
    expect(capture.text("/droid/out/1.log")).toBe("01234\n[… 90 bytes omitted; full output in /droid/out/1.log …]\n56789");
  });
});
