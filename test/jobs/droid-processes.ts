/**
 * Real Droid processes for fault tests (test/jobs/fixtures/droid-process.ts), started
 * with Node 24 and killed the way an operator or the kernel would.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const FIXTURE = fileURLToPath(new URL("./fixtures/droid-process.ts", import.meta.url));
const CLI = fileURLToPath(new URL("../../src/cli.ts", import.meta.url));

export interface DroidProcess {
  child: ChildProcess;
  /** SIGKILL: no `finally`, no shutdown, no goodbye. */
  kill9(): Promise<void>;
  /** SIGTERM: graceful shutdown. */
  stop(): Promise<number | null>;
  /** What it wrote to stdout and stderr so far (its log lines). */
  output(): string;
}

const running = new Set<ChildProcess>();

/** The fault-test composition (test runners), ready when it prints "ready". */
export function startDroidProcess(env: Record<string, string>): Promise<DroidProcess> {
  return spawnDroid([FIXTURE], env, "ready");
}

/**
 * The real `droid serve` (src/cli.ts), ready when it logs that its worker started (or,
 * with a shared queue, where `droid serve` runs no worker, that it records jobs).
 */
export function startDroidServe(env: Record<string, string>): Promise<DroidProcess> {
  const ready = env.DROID_QUEUE_URL ? '"msg":"jobs are recorded durably"' : '"msg":"worker started"';
  return spawnDroid([CLI, "serve"], { LOG_FORMAT: "json", ...env }, ready);
}

async function spawnDroid(args: string[], env: Record<string, string>, readyMark: string): Promise<DroidProcess> {
  const child = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  child.once("exit", () => running.delete(child));
  let stderr = "";
  let stdout = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`droid process not ready in 60 s:\n${stdout}${stderr}`)), 60_000);
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes(readyMark)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`droid process exited with ${code} before it was ready:\n${stdout}${stderr}`));
    });
  });
  return {
    child,
    output: () => stdout + stderr,
    async kill9() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, "exit");
      child.kill("SIGKILL");
      await exited;
    },
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      const [code] = (await exited) as [number | null];
      return code;
    },
  };
}

/** Kills every process a test left running. */
export async function killAllDroidProcesses(): Promise<void> {
  await Promise.all(
    [...running].map(async (child) => {
      const exited = once(child, "exit");
      child.kill("SIGKILL");
      await exited;
    }),
  );
}

/** The runners' journal: "start <id>", "end <id>", "reported <id> <reason>" lines. */
export function readRuns(file: string): string[] {
  try {
    return readFileSync(file, "utf8").split("\n").filter(Boolean);
  } catch {
    return [];
  }
}
