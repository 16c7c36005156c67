import { preciseDuration } from "../figures/duration.ts";

/** What happened to one command run in the sandbox. */
export type ExecResult =
  /** The command ran to its end (any exit code, including signals it caused itself). */
  | (ExecOutput & { kind: "completed"; exitCode: number })
  /** The command ran past its timeout; it and every process it started were killed. */
  | (ExecOutput & { kind: "timed-out"; timeoutSeconds: number })
  /** The command pushed the sandbox past its memory limit and was killed by the kernel. */
  | (ExecOutput & { kind: "oom"; memoryMb: number })
  /**
   * Droid killed the command: `aborted` when its AbortSignal fired (the sandbox stays usable);
   * `unstoppable` when the processes it left could not be killed in time, so the whole sandbox
   * was killed (it is gone: further commands throw `SandboxGoneError`).
   */
  | (ExecOutput & { kind: "killed"; reason: "aborted" | "unstoppable" });

export type ExecResultKind = ExecResult["kind"];

export interface ExecOutput {
  command: string;
  /** Head and tail of stdout within the byte budget (a marker line says what was omitted). */
  stdout: string;
  stderr: string;
  stdoutBytes: number;
  stderrBytes: number;
  /** True when stdout or stderr had more bytes than the budget kept. */
  truncated: boolean;
  /** Path inside the sandbox of the full, interleaved output of the command. */
  logPath: string;
  durationMs: number;
}

/** A one-line, user-facing account of a result, e.g. for a comment or the model. */
export function describeExecResult(result: ExecResult): string {
  switch (result.kind) {
    case "completed":
      return `exited with code ${result.exitCode} after ${seconds(result.durationMs)}`;
    case "timed-out":
      return `timed out after ${result.timeoutSeconds}s and was killed`;
    case "oom":
      return `ran out of memory (limit ${result.memoryMb} MiB) and was killed`;
    case "killed":
      return result.reason === "aborted"
        ? `was cancelled after ${seconds(result.durationMs)}`
        : "left processes that could not be stopped, so the sandbox was killed and can run no more commands";
  }
}

export function succeeded(result: ExecResult): boolean {
  return result.kind === "completed" && result.exitCode === 0;
}

const seconds = preciseDuration;
