/**
 * Runs a sandbox's commands one at a time, each followed by the process reaper, so that no
 * process outlives its command and a reap can never hit the next command. When the reaper
 * fails, the container is killed and the sandbox is gone: the command's result says so
 * (`killed`/`unstoppable`) and every later command throws `SandboxGoneError`.
 */
import type Docker from "dockerode";
import type { Logger } from "pino";
import { SANDBOX_USER } from "./container-spec.ts";
import { execInSandbox, logPathFor } from "./exec.ts";
import type { ExecOutput, ExecResult } from "./exec-result.ts";
import { isNotFound } from "./image.ts";
import { ProcessReaper, type ReapOutcome } from "./process-reaper.ts";
import type { SandboxLimits } from "./settings.ts";

export interface ExecOptions {
  /** Working directory: relative to the work tree, or absolute. */
  cwd?: string;
  env?: Record<string, string>;
  /** Per-command timeout; capped at the sandbox's `commandTimeoutSeconds`. */
  timeoutSeconds?: number;
  /** Bytes of stdout and of stderr to keep in the result (default: the sandbox's `outputBytes`). */
  outputBytes?: number;
  /** Cancels the command: everything it started is killed and the result is `killed`/`aborted`. */
  signal?: AbortSignal;
}

export class SandboxGoneError extends Error {
  constructor(id: string, reason: string, options?: ErrorOptions) {
    super(`The sandbox ${id.slice(0, 12)} can no longer run commands: ${reason}.`, options);
    this.name = "SandboxGoneError";
  }
}

export interface CommandRunnerOptions {
  container: Docker.Container;
  limits: SandboxLimits;
  /** Extra time after a command's timeout before the host stops it through the reaper. */
  hostGraceMs: number;
  /** How long the reaper may take before the container is killed instead. */
  reapTimeoutMs: number;
  /** Reads a small file inside the sandbox (null when absent). */
  readSmallFile(path: string): Promise<string | null>;
  jobId: string;
  logger: Logger;
}

export class CommandRunner {
  readonly #o: CommandRunnerOptions;
  readonly #reaper: ProcessReaper;
  #sequence = 0;
  #queue: Promise<unknown> = Promise.resolve();
  #gone: string | null = null;

  constructor(options: CommandRunnerOptions) {
    this.#o = options;
    this.#reaper = new ProcessReaper(options.container, options.reapTimeoutMs);
  }

  /** Why the sandbox can run no more commands, or null while it can. */
  get gone(): string | null {
    return this.#gone;
  }

  /** Marks the sandbox gone (e.g. removed): queued and later commands throw `SandboxGoneError`. */
  close(reason: string): void {
    this.#gone ??= reason;
  }

  /** Runs `command` in `workingDir` (absolute) once every earlier command has ended and been reaped. */
  run(command: string, workingDir: string, options: ExecOptions): Promise<ExecResult> {
    const turn = this.#queue.then(() => this.#runNow(command, workingDir, options));
    this.#queue = turn.catch(() => {});
    return turn;
  }

  async #runNow(command: string, workingDir: string, options: ExecOptions): Promise<ExecResult> {
    const { container, limits, jobId, logger } = this.#o;
    if (this.#gone !== null) throw new SandboxGoneError(container.id, this.#gone);
    const sequence = ++this.#sequence;
    if (options.signal?.aborted) return { ...emptyOutput(command, logPathFor(sequence)), kind: "killed", reason: "aborted" };
    const timeoutSeconds = Math.min(options.timeoutSeconds ?? limits.commandTimeoutSeconds, limits.commandTimeoutSeconds);
    const reaps: ReapOutcome[] = [];
    const reap = async () => {
      const outcome = await this.#reap(sequence);
      reaps.push(outcome);
      return outcome;
    };
    let result: ExecResult;
    try {
      result = await execInSandbox(
        { container, readSmallFile: this.#o.readSmallFile, reap, kill: () => this.#kill() },
        {
          command,
          sequence,
          timeoutSeconds,
          user: SANDBOX_USER,
          workingDir,
          env: options.env ?? {},
          outputBytes: options.outputBytes ?? limits.outputBytes,
          memoryMb: limits.memoryMb,
          hostGraceMs: this.#o.hostGraceMs,
          ...(options.signal ? { signal: options.signal } : {}),
        },
      );
    } catch (error) {
      if (await this.#running()) throw error;
      this.close("its container stopped unexpectedly");
      throw new SandboxGoneError(container.id, this.#gone ?? "its container stopped unexpectedly", { cause: error });
    }
    const reaped = reaps.at(-1);
    logger.debug({ jobId, sequence, kind: result.kind, durationMs: result.durationMs, reapMs: reaped?.durationMs, reapPasses: reaped?.kind === "reaped" ? reaped.passes : undefined }, "sandbox command finished");
    return result;
  }

  async #reap(sequence: number): Promise<ReapOutcome> {
    const outcome = await this.#reaper.reap();
    const { jobId, logger } = this.#o;
    const container = this.#o.container.id.slice(0, 12);
    if (outcome.kind === "failed") {
      logger.error({ jobId, container, sequence, reason: outcome.reason, durationMs: outcome.durationMs }, "the process reaper failed; killing the sandbox");
    } else if (outcome.passes > 0) {
      logger.info({ jobId, container, sequence, passes: outcome.passes, durationMs: outcome.durationMs }, "killed the processes a command left running");
    }
    return outcome;
  }

  async #kill(): Promise<void> {
    this.close("a command left processes that could not be stopped, so the sandbox was killed");
    await this.#o.container.kill().catch(() => {});
  }

  /** Whether the container still runs (an engine that does not answer counts as running: its error is the news). */
  async #running(): Promise<boolean> {
    try {
      return (await this.#o.container.inspect()).State.Running;
    } catch (error) {
      return !isNotFound(error);
    }
  }
}

function emptyOutput(command: string, logPath: string): ExecOutput {
  return { command, stdout: "", stderr: "", stdoutBytes: 0, stderrBytes: 0, truncated: false, logPath, durationMs: 0 };
}
