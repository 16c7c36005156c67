/**
 * No process outlives its command (the process reaper, src/sandbox/process-reaper.ts), against the
 * real engine: fork bombs inside and outside the command's process group, daemons that left it,
 * and commands that try to stop the reaper (cancellation: exec.docker.test.ts). Prints how long a sandbox takes to be
 * usable again after a fork bomb (a figure, not an assertion).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_LIMITS, SANDBOX_IMAGE, type Sandbox, bringChangesBack, copyTreeIntoSandbox, createSandbox } from "../../src/sandbox/index.ts";
import { docker, dockerAnswers, memoryLogger, uniqueId } from "../helpers/docker.ts";

const engine = await dockerAnswers();

/**
 * Lists, from /proc, every process of the sandbox user (uid 1000) except the listing command's
 * own: its wrapper, tees, timeout and shell (and their subshells).
 */
const LEFTOVERS = [
  ": droid-leftovers",
  "for p in /proc/[0-9]*; do",
  '  [ "$(stat -c %u "$p" 2>/dev/null)" = 1000 ] || continue',
  "  args=$(tr '\\0' ' ' < \"$p/cmdline\" 2>/dev/null)",
  '  case "$args" in "/bin/sh -c "*droid-exec*|"tee -a "*|"timeout -s KILL "*|*"bash -c : droid-leftovers"*|*"sh -c : droid-leftovers"*|"") continue ;; esac',
  '  echo "$p: $args"',
  "done",
].join("\n");

describe.skipIf(!engine)("no process outlives its command", () => {
  let sandbox: Sandbox;
  let tree: string;
  const { logger, lines } = memoryLogger();

  const leftovers = async () => {
    const result = await sandbox.exec(LEFTOVERS, { timeoutSeconds: 30 });
    expect(result).toMatchObject({ kind: "completed", exitCode: 0 });
    return result.stdout;
  };

  /** The reaper's figures for a command that left processes behind, from the log lines since `from`. */
  const reapFigures = (from: number) => {
    const line = lines.slice(from).find((l) => l.includes("killed the processes a command left running"));
    const parsed: unknown = line ? JSON.parse(line) : null;
    if (typeof parsed !== "object" || parsed === null || !("durationMs" in parsed) || !("passes" in parsed)) return "nothing left to reap";
    return `reap ${String(parsed.durationMs)} ms, ${String(parsed.passes)} kill passes`;
  };

  beforeAll(async () => {
    sandbox = await createSandbox(docker, {
      owner: { jobId: uniqueId("procs"), instance: "test-procs" },
      image: SANDBOX_IMAGE,
      network: "none",
      limits: DEFAULT_LIMITS,
      logger,
    });
    tree = await mkdtemp(path.join(tmpdir(), "droid-procs-"));
    await writeFile(path.join(tree, "README.md"), "hello\n");
    await copyTreeIntoSandbox(tree, sandbox);
  });
  afterAll(async () => {
    await sandbox?.remove();
    if (tree) await rm(tree, { recursive: true, force: true });
  });

  const reaped = /^reap \d+ ms, \d+ kill passes$/;
  const reapedOrDiedOut = /^(reap \d+ ms, \d+ kill passes|nothing left to reap)$/;
  it.each([
    ["the classic fork bomb", ":(){ :|:& };:", reapedOrDiedOut],
    ["a fork bomb past its timeout", ":(){ :|:& };:; sleep 60", reapedOrDiedOut],
    // Once the pids run out, forks fail and this bomb sometimes dies out by itself.
    ["the classic fork bomb outside the process group", "setsid -f bash -c ':(){ :|:& };:'", reapedOrDiedOut],
    // Each process forks in an endless loop: it never dies out by itself, so the reaper must act.
    ["an endless fork bomb outside the process group", "setsid -f bash -c 'b() { while :; do b & done; }; b' >/dev/null 2>&1; sleep 1", reaped],
  ])("after %s, the next commands and the work-tree listing work", async (_name, bomb, reaping) => {
    const logged = lines.length;
    const started = performance.now();
    const result = await sandbox.exec(bomb, { timeoutSeconds: 2 });
    const returned = performance.now();
    const ok = await sandbox.exec("echo ok");
    const usable = performance.now();
    expect(ok).toMatchObject({ kind: "completed", exitCode: 0, stdout: "ok\n" });
    expect(reapFigures(logged)).toMatch(reaping);
    console.log(
      `${JSON.stringify(bomb)}: ${result.kind} after ${Math.round(returned - started)} ms (${reapFigures(logged)}); ` +
        `\`echo ok\` answered ${Math.round(usable - returned)} ms later`,
    );
    expect(await leftovers()).toBe("");
    await sandbox.exec("echo more >> README.md");
    const synced = await bringChangesBack(sandbox, tree, async () => async () => false);
    expect(synced).toEqual({ changed: ["README.md"], added: [], deleted: [] });
  }, 60_000);

  it("stops sleepers started with setsid, nohup, a double fork or setsid -f before the next command", async () => {
    const started = await sandbox.exec(
      "setsid sleep 1001 >/dev/null 2>&1 </dev/null & nohup sleep 1002 >/dev/null 2>&1 & " +
        "( ( exec sleep 1003 >/dev/null 2>&1 ) & ); setsid -f sleep 1004 >/dev/null 2>&1; " +
        "sleepers() { ps -eo args= | grep -c '^sleep 100[1-4]$'; }; " +
        'for i in $(seq 50); do [ "$(sleepers)" = 4 ] && break; sleep 0.1; done; sleepers',
    );
    expect(started).toMatchObject({ kind: "completed", exitCode: 0, stdout: "4\n" });
    expect(await leftovers()).toBe("");
  });

  it("stops a sleeper that kept the command's output open, without waiting for the output to close", async () => {
    const result = await sandbox.exec("setsid -f sleep 1005; echo started");
    expect(result).toMatchObject({ kind: "completed", exitCode: 0, stdout: "started\n" });
    expect(await leftovers()).toBe("");
  });

  it("cannot be stopped by the commands: the reaper and the init are root, out of their reach", async () => {
    const owners = await sandbox.exec("ps -eo pid=,user=,comm= | awk '$2 == \"root\" { print $1, $3 }'");
    expect(owners.stdout).toMatch(/^1 docker-init\n\d+ sh\n$/);
    const attempt = await sandbox.exec(
      "for p in $(ps -eo pid=,user= | awk '$2 == \"root\" { print $1 }'); do kill -STOP $p 2>/dev/null && echo stopped $p; done; " +
        "pkill -9 -x sh; pkill -9 -x docker-init; echo tried",
    );
    expect(attempt.stdout).toBe("tried\n");
    const everything = await sandbox.exec("kill -9 -1");
    expect(everything).toMatchObject({ kind: "completed", exitCode: 137 });
    expect((await sandbox.exec("echo still-here")).stdout).toBe("still-here\n");
  });
});
