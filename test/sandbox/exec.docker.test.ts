import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_LIMITS, SANDBOX_IMAGE, type Sandbox, SandboxGoneError, createSandbox, describeExecResult } from "../../src/sandbox/index.ts";
import { docker, dockerAnswers, memoryLogger, uniqueId } from "../helpers/docker.ts";

const engine = await dockerAnswers();

describe.skipIf(!engine)("sandbox exec against the real Docker engine", () => {
  let sandbox: Sandbox;
  const { logger } = memoryLogger();

  beforeAll(async () => {
    sandbox = await createSandbox(docker, {
      owner: { jobId: uniqueId("exec"), instance: "test-exec" },
      image: SANDBOX_IMAGE,
      network: "none",
      limits: { ...DEFAULT_LIMITS, memoryMb: 256, pids: 128, tmpMb: 8 },
      logger,
    });
  });
  afterAll(async () => {
    await sandbox?.remove();
  });

  it("returns stdout, stderr and the exit code, and keeps the full output in a log file", async () => {
    const result = await sandbox.exec("echo out; echo err >&2; exit 3");
    expect(result).toMatchObject({ kind: "completed", exitCode: 3, stdout: "out\n", stderr: "err\n", truncated: false });
    const log = (await sandbox.readFile(result.logPath)).toString();
    expect(log.split("\n").sort()).toEqual(["", "err", "out"]);
  });

  it("runs in the work tree as an unprivileged user", async () => {
    // The container keeps CAP_KILL for its process reaper (root); commands get no capability at all.
    const result = await sandbox.exec("pwd; id -u; grep -E '^Cap(Inh|Prm|Eff|Amb)' /proc/self/status");
    expect(result.stdout).toBe("/workspace\n1000\nCapInh:\t0000000000000000\nCapPrm:\t0000000000000000\nCapEff:\t0000000000000000\nCapAmb:\t0000000000000000\n");
  });

  it("caps output in memory while the log file keeps every byte", async () => {
    const result = await sandbox.exec("head -c 300000 /dev/zero | tr '\\0' a; echo; echo last-line", { outputBytes: 1024 });
    expect(result.kind).toBe("completed");
    expect(result.stdoutBytes).toBe(300_011);
    expect(result.truncated).toBe(true);
    expect(result.stdout.length).toBeLessThan(1200);
    expect(result.stdout).toContain(`full output in ${result.logPath}`);
    expect(result.stdout.endsWith("last-line\n")).toBe(true);
    const size = await sandbox.exec(`wc -c < ${result.logPath}`);
    expect(size.stdout.trim()).toBe("300011");
  });

  it("kills a command that sleeps past its timeout, children included, and reports it", async () => {
    const started = Date.now();
    const result = await sandbox.exec("sleep 300 & sleep 300", { timeoutSeconds: 1 });
    expect(result.kind).toBe("timed-out");
    expect(describeExecResult(result)).toBe("timed out after 1s and was killed");
    expect(Date.now() - started).toBeLessThan(8000);
    const left = await sandbox.exec("ps -eo comm | grep -c '^sleep$' || true");
    expect(left.stdout.trim()).toBe("0");
  });

  it("cancels a command through its AbortSignal, what it started outside its process group too, and stays usable", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 500);
    const result = await sandbox.exec("setsid -f sleep 1006 >/dev/null 2>&1; sleep 60", { signal: controller.signal });
    expect(result).toMatchObject({ kind: "killed", reason: "aborted" });
    expect(result.durationMs).toBeLessThan(10_000);
    expect((await sandbox.exec("echo still-here; ps -eo comm= | grep -c '^sleep$' || true")).stdout).toBe("still-here\n0\n");
    const cancelled = await sandbox.exec("touch /workspace/should-not-exist", { signal: AbortSignal.abort() });
    expect(cancelled).toMatchObject({ kind: "killed", reason: "aborted", durationMs: 0 });
    expect((await sandbox.exec("ls /workspace/should-not-exist 2>&1 || true")).stdout).toMatch(/No such file/);
  });

  it("reports a command that exceeds the memory limit as out of memory", async () => {
    const result = await sandbox.exec("python3 -c 'b = bytearray(600 * 1024 * 1024); print(len(b))'");
    expect(result.kind).toBe("oom");
    expect(describeExecResult(result)).toBe("ran out of memory (limit 256 MiB) and was killed");
    expect((await sandbox.exec("echo alive")).stdout).toBe("alive\n");
  });

  it("reports 10 GB allocations as out of memory, and stays usable", async () => {
    // 10 GiB in 1 MiB pieces, so the kernel's overcommit check never refuses it up front (a
    // single bytearray(10 GiB) is a MemoryError on hosts with less RAM than that).
    const allocate = "python3 -c 'chunks = [bytearray(1 << 20) for _ in range(10 * 1024)]'";
    expect(await sandbox.exec(allocate)).toMatchObject({ kind: "oom", memoryMb: 256 });
    // Without python: tail keeps the one endless "line" in memory.
    expect(await sandbox.exec("head -c 10G /dev/zero | tail")).toMatchObject({ kind: "oom", memoryMb: 256 });
    // Killed in a pipeline stage the command does not end with, or in a worker it waits for.
    expect(await sandbox.exec("head -c 10G /dev/zero | tail | wc -c; exit 1")).toMatchObject({ kind: "oom" });
    expect(await sandbox.exec(`${allocate} & worker=$!; sleep 1; wait $worker`)).toMatchObject({ kind: "oom" });
    expect((await sandbox.exec("echo alive")).stdout).toBe("alive\n");
  });

  it("has no network under the none policy", async () => {
    const result = await sandbox.exec(
      "python3 -c \"import socket; socket.create_connection(('1.1.1.1', 80), timeout=3)\"; echo rc=$?; " +
        "getent hosts deb.debian.org || echo no-dns; tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '",
    );
    expect(result.stderr).toMatch(/Network is unreachable/);
    expect(result.stdout).toBe("rc=1\nno-dns\nlo\n");
  });

  it("lets commands write only to the work tree, /droid and a size-limited /tmp", async () => {
    const result = await sandbox.exec(
      "for p in /etc/x /usr/bin/x /x /home/x /var/tmp/x; do touch $p 2>/dev/null && echo wrote $p || echo denied $p; done; " +
        "touch /workspace/ok /tmp/ok /droid/home/ok && echo work-ok; " +
        "head -c 20M /dev/zero > /tmp/big 2>/dev/null || echo tmp-full; rm -f /tmp/big /workspace/ok",
    );
    expect(result.stdout).toBe(
      "denied /etc/x\ndenied /usr/bin/x\ndenied /x\ndenied /home/x\ndenied /var/tmp/x\nwork-ok\ntmp-full\n",
    );
  });

  it("contains a fork bomb and the worker survives", async () => {
    const result = await sandbox.exec("bomb() { bomb | bomb & }; bomb; sleep 2", { timeoutSeconds: 5 });
    expect(["timed-out", "completed"]).toContain(result.kind);
    expect(result.stderr).toMatch(/fork: (retry: )?Resource temporarily unavailable/);
    const host = await import("node:child_process").then(({ execFileSync }) => execFileSync("echo", ["host-ok"]).toString());
    expect(host).toBe("host-ok\n");
    const after = await sandbox.exec("sleep 1; echo sandbox-ok", { timeoutSeconds: 30 });
    expect(after.stdout).toBe("sandbox-ok\n");
  });

  it("reads and writes files in the work tree as tar archives", async () => {
    await sandbox.writeFile("dir/hello.sh", "#!/bin/sh\necho hello\n", { mode: 0o755 });
    expect((await sandbox.readFile("/workspace/dir/hello.sh")).toString()).toBe("#!/bin/sh\necho hello\n");
    const run = await sandbox.exec("./dir/hello.sh && stat -c '%U %a' dir/hello.sh");
    expect(run.stdout).toBe("hello\ndroid 755\n");
    await expect(sandbox.writeFile("/etc/evil", "x")).rejects.toThrow(/only \/workspace and \/droid are writable/);
  });
});

const sandboxWith = (options: { hostGraceMs?: number; reapTimeoutMs?: number }) =>
  createSandbox(docker, {
    owner: { jobId: uniqueId("deadline"), instance: "test-exec" },
    image: SANDBOX_IMAGE,
    network: "none",
    limits: DEFAULT_LIMITS,
    ...options,
    logger: memoryLogger().logger,
  });

describe.skipIf(!engine)("host-side deadline and the last resort", () => {
  it("stops a command that stopped its own timeout, and the sandbox stays usable", async () => {
    const sandbox = await sandboxWith({ hostGraceMs: 1000 });
    try {
      const started = Date.now();
      const result = await sandbox.exec("kill -STOP $PPID; sleep 30", { timeoutSeconds: 2 });
      expect(result).toMatchObject({ kind: "timed-out", timeoutSeconds: 2 });
      expect(Date.now() - started).toBeLessThan(10_000);
      const after = await sandbox.exec("ps -eo comm= | grep -c '^sleep$' || true");
      expect(after).toMatchObject({ kind: "completed", exitCode: 0, stdout: "0\n" });
    } finally {
      await sandbox.remove();
    }
  });

  it("kills the whole sandbox when the reaper cannot answer, and says so", async () => {
    const sandbox = await sandboxWith({ reapTimeoutMs: 0 });
    try {
      const result = await sandbox.exec("echo hello");
      expect(result).toMatchObject({ kind: "killed", reason: "unstoppable", stdout: "hello\n" });
      expect(describeExecResult(result)).toBe("left processes that could not be stopped, so the sandbox was killed and can run no more commands");
      await expect(sandbox.exec("true")).rejects.toThrow(SandboxGoneError);
      await expect(sandbox.exec("true")).rejects.toThrow(/can no longer run commands: a command left processes that could not be stopped/);
      const state = await docker.getContainer(sandbox.id).inspect();
      expect(state.State.Running).toBe(false);
    } finally {
      await sandbox.remove();
    }
  });
});
