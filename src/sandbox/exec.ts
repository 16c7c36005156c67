import type Docker from "dockerode";
import { demuxDockerStream } from "./demux.ts";
import type { ExecResult } from "./exec-result.ts";
import { OutputCapture } from "./output-capture.ts";

/** Where the sandbox keeps its own state (a volume, like the work tree). */
export const STATE_DIR = "/droid";
export const OUTPUT_DIR = `${STATE_DIR}/out`;
export const RUN_DIR = `${STATE_DIR}/run`;

/**
 * Runs `$DROID_COMMAND` under `timeout -s KILL` (which kills the command's whole process group),
 * kills what the command left running in its process group once it ends (background jobs do not
 * outlive their command, so a fork bomb cannot either), tees stdout and stderr into one log file, and records the exit code and the memory cgroup's
 * OOM-kill counter before and after, so the host can tell an OOM kill from any other SIGKILL.
 * The wrapper's own programs (timeout, tee, env, the shell) are found on the image's `PATH`;
 * only the command itself sees the sandbox-writable `/droid/venv/bin` first.
 * POSIX sh, so repo images without bash work too. Arguments: $1 sequence number, $2 timeout seconds.
 */
const WRAPPER = String.raw`
n="$1"; t="$2"; out=${OUTPUT_DIR}; run=${RUN_DIR}
mkdir -p "$out" "$run"
oom() { for f in /sys/fs/cgroup/memory.events /sys/fs/cgroup/memory/memory.oom_control; do
  if [ -r "$f" ]; then sed -n 's/^oom_kill //p' "$f"; return; fi; done; echo 0; }
before=$(oom)
shell=$(command -v bash || command -v sh)
log="$out/$n.log"; fo="$run/$n.stdout"; fe="$run/$n.stderr"
: > "$log"; rm -f "$fo" "$fe"; mkfifo "$fo" "$fe"
tee -a "$log" < "$fo" &
tee -a "$log" < "$fe" >&2 &
timeout -s KILL "$t" env PATH="${STATE_DIR}/venv/bin:$PATH" "$shell" -c "$DROID_COMMAND" > "$fo" 2> "$fe" < /dev/null &
pid=$!
echo "$pid" > "$run/$n.pid"
wait "$pid"; rc=$?
kill -9 "-$pid" 2>/dev/null
echo "exit=$rc oom_before=$before oom_after=$(oom)" > "$run/$n.status"
rm -f "$fo" "$fe"
exit "$rc"
`;

export interface ExecRequest {
  command: string;
  /** Sequence number of the command in this sandbox (names its log file). */
  sequence: number;
  timeoutSeconds: number;
  user: string;
  workingDir: string;
  env: Record<string, string>;
  outputBytes: number;
  memoryMb: number;
  /** Extra time after the timeout before the host kills the whole container. */
  hostGraceMs: number;
  signal?: AbortSignal;
}

/** What the exec needs from its sandbox beyond the container itself. */
export interface ExecHost {
  container: Docker.Container;
  /** Reads a small file inside the sandbox (null when absent). */
  readSmallFile(path: string): Promise<string | null>;
  /** Kills the container: the last resort when a command cannot be stopped. */
  kill(): Promise<void>;
}

export function logPathFor(sequence: number): string {
  return `${OUTPUT_DIR}/${sequence}.log`;
}

export async function execInSandbox(host: ExecHost, request: ExecRequest): Promise<ExecResult> {
  const started = performance.now();
  const stdout = new OutputCapture(request.outputBytes);
  const stderr = new OutputCapture(request.outputBytes);
  const logPath = logPathFor(request.sequence);
  const exec = await host.container.exec({
    Cmd: ["/bin/sh", "-c", WRAPPER, "droid-exec", String(request.sequence), String(request.timeoutSeconds)],
    Env: [...Object.entries(request.env).map(([key, value]) => `${key}=${value}`), `DROID_COMMAND=${request.command}`],
    User: request.user,
    WorkingDir: request.workingDir,
    AttachStdout: true,
    AttachStderr: true,
    AttachStdin: false,
    Tty: false,
  });
  const stream = await exec.start({ hijack: true, stdin: false });
  const streamDone = demuxDockerStream(
    stream,
    (chunk) => stdout.push(chunk),
    (chunk) => stderr.push(chunk),
  );

  type Ending = { by: "stream" } | { by: "deadline" } | { by: "abort" };
  let stopTimer: NodeJS.Timeout | undefined;
  const deadline = new Promise<Ending>((resolve) => {
    stopTimer = setTimeout(() => resolve({ by: "deadline" }), request.timeoutSeconds * 1000 + request.hostGraceMs);
  });
  // A job-wide signal serves many commands: the listener must go when this command ends.
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<Ending>((resolve) => {
    onAbort = () => resolve({ by: "abort" });
    if (request.signal?.aborted) onAbort();
    request.signal?.addEventListener("abort", onAbort, { once: true });
  });
  const output = () => ({
    command: request.command,
    stdout: stdout.text(logPath),
    stderr: stderr.text(logPath),
    stdoutBytes: stdout.totalBytes,
    stderrBytes: stderr.totalBytes,
    truncated: stdout.truncated || stderr.truncated,
    logPath,
    durationMs: Math.round(performance.now() - started),
  });

  try {
    const ending = await Promise.race([streamDone.then((): Ending => ({ by: "stream" })), deadline, aborted]);
    if (ending.by === "deadline") {
      stream.destroy();
      await host.kill();
      return { ...output(), kind: "killed", reason: "deadline" };
    }
    if (ending.by === "abort") {
      await killProcessGroup(host, request);
      const stopped = await Promise.race([streamDone.then(() => true), delay(5000).then(() => false)]);
      if (!stopped) await host.kill();
      stream.destroy();
      return { ...output(), kind: "killed", reason: "aborted" };
    }
    const inspected = await exec.inspect();
    const exitCode = inspected.ExitCode ?? -1;
    const result = output();
    if (exitCode === 137 || exitCode === -1) {
      const status = parseStatus(await host.readSmallFile(`${RUN_DIR}/${request.sequence}.status`));
      if (status && status.oomAfter > status.oomBefore) return { ...result, kind: "oom", memoryMb: request.memoryMb };
      if (result.durationMs >= request.timeoutSeconds * 1000) {
        return { ...result, kind: "timed-out", timeoutSeconds: request.timeoutSeconds };
      }
    }
    return { ...result, kind: "completed", exitCode };
  } finally {
    clearTimeout(stopTimer);
    if (onAbort) request.signal?.removeEventListener("abort", onAbort);
  }
}

async function killProcessGroup(host: ExecHost, request: ExecRequest): Promise<void> {
  const pidFile = `${RUN_DIR}/${request.sequence}.pid`;
  const killer = await host.container.exec({
    Cmd: ["/bin/sh", "-c", `pid=$(cat ${pidFile} 2>/dev/null) && { kill -9 "-$pid" || kill -9 "$pid"; } 2>/dev/null; true`],
    User: request.user,
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = await killer.start({ hijack: true, stdin: false });
  await demuxDockerStream(stream, () => {}, () => {});
}

function parseStatus(text: string | null): { exit: number; oomBefore: number; oomAfter: number } | null {
  const match = text?.match(/exit=(\d+) oom_before=(\d*) oom_after=(\d*)/);
  if (!match) return null;
  return { exit: Number(match[1]), oomBefore: Number(match[2] || 0), oomAfter: Number(match[3] || 0) };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
