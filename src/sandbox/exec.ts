import type Docker from "dockerode";
import { demuxDockerStream } from "./demux.ts";
import type { ExecResult } from "./exec-result.ts";
import { OutputCapture } from "./output-capture.ts";
import type { ReapOutcome } from "./process-reaper.ts";

/** Where the sandbox keeps its own state (a volume, like the work tree). */
export const STATE_DIR = "/droid";
export const OUTPUT_DIR = `${STATE_DIR}/out`;
export const RUN_DIR = `${STATE_DIR}/run`;

/**
 * Runs `$DROID_COMMAND` under `timeout -s KILL` (which kills the command's whole process group),
 * kills what the command left running in its process group once it ends (so that background jobs
 * holding its output let the tees finish at once), tees stdout and stderr into one log file, and
 * records the exit code and the memory cgroup's OOM-kill counter before and after, so the host can
 * tell an OOM kill from any other SIGKILL. What left the process group is the process reaper's
 * (`process-reaper.ts`), which runs after every command. POSIX sh, so repo images without bash
 * work too. Arguments: $1 sequence number, $2 timeout seconds.
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
  /** Extra time after the timeout before the host stops the command itself (through the reaper). */
  hostGraceMs: number;
  signal?: AbortSignal;
}

/** What the exec needs from its sandbox beyond the container itself. */
export interface ExecHost {
  container: Docker.Container;
  /** Reads a small file inside the sandbox (null when absent). */
  readSmallFile(path: string): Promise<string | null>;
  /** Kills every process left in the sandbox, or says why it could not. */
  reap(): Promise<ReapOutcome>;
  /** Kills the container: the last resort when the reaper fails. */
  kill(): Promise<void>;
}

/** How long the engine may take to close a command's stream once its processes are dead (Docker waits up to 2 s). */
const STREAM_CLOSE_GRACE_MS = 5000;
/** After the wrapper ended, how long its tees may take to pass on the output still in flight. */
const DRAIN_MS = 250;
/** After a stopped command's processes were killed, how long its output may still trickle in. */
const ABORT_DRAIN_MS = 100;

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

  type Ending = { by: "stream" } | { by: "exited" } | { by: "deadline" } | { by: "abort" };
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
  // A process that left the command's process group may hold its output open after the wrapper
  // ended: the stream then stays open (Docker closes it after 2 s, other engines may never).
  const stopWatching = new AbortController();
  const exited = wrapperExited(exec, stopWatching.signal).then(async (): Promise<Ending> => {
    await Promise.race([streamDone.catch(() => {}), delay(DRAIN_MS)]);
    return { by: "exited" };
  });
  let endedAt = started;
  const output = () => ({
    command: request.command,
    stdout: stdout.text(logPath),
    stderr: stderr.text(logPath),
    stdoutBytes: stdout.totalBytes,
    stderrBytes: stderr.totalBytes,
    truncated: stdout.truncated || stderr.truncated,
    logPath,
    durationMs: Math.round(endedAt - started),
  });
  const streamClosed = () => Promise.race([streamDone.catch(() => {}), delay(STREAM_CLOSE_GRACE_MS)]);

  // Whatever ended the wait, nothing the command started survives it: the reaper runs before
  // the result is returned. When the reaper fails, the container is killed (the last resort).
  const unstoppable = async (): Promise<ExecResult> => {
    const result = output();
    await host.kill();
    return { ...result, kind: "killed", reason: "unstoppable" };
  };
  try {
    const ending = await Promise.race([streamDone.then((): Ending => ({ by: "stream" })), exited, deadline, aborted]);
    endedAt = performance.now();
    if (ending.by === "deadline" || ending.by === "abort") {
      // Still running: cancelled, or stuck past its timeout (e.g. it stopped its own timeout).
      if ((await host.reap()).kind === "failed") return await unstoppable();
      // A stop is answered at once: what the stream still holds is not worth waiting for.
      if (ending.by === "abort") await Promise.race([streamDone.catch(() => {}), delay(ABORT_DRAIN_MS)]);
      else await streamClosed();
      return ending.by === "abort"
        ? { ...output(), kind: "killed", reason: "aborted" }
        : { ...output(), kind: "timed-out", timeoutSeconds: request.timeoutSeconds };
    }
    const inspected = await exec.inspect();
    if ((await host.reap()).kind === "failed") return await unstoppable();
    // Once the processes holding the output open are dead, the stream closes.
    if (ending.by === "exited") await streamClosed();
    const result = output();
    const exitCode = inspected.ExitCode ?? -1;
    if (exitCode === 0) return { ...result, kind: "completed", exitCode };
    // A failure: was anything of this command (the command itself, a pipeline stage, a worker
    // it waited for) killed for memory while it ran?
    const status = parseStatus(await host.readSmallFile(`${RUN_DIR}/${request.sequence}.status`));
    if (status && status.oomAfter > status.oomBefore) return { ...result, kind: "oom", memoryMb: request.memoryMb };
    if ((exitCode === 137 || exitCode === -1) && result.durationMs >= request.timeoutSeconds * 1000) {
      return { ...result, kind: "timed-out", timeoutSeconds: request.timeoutSeconds };
    }
    return { ...result, kind: "completed", exitCode };
  } finally {
    clearTimeout(stopTimer);
    stopWatching.abort();
    if (onAbort) request.signal?.removeEventListener("abort", onAbort);
    stream.destroy();
  }
}

/**
 * Resolves once the exec's main process (the wrapper) has ended, asking the engine every 250 ms
 * for the first 10 s and every second after that (never for commands that end within 250 ms);
 * never resolves once `stop` fires.
 */
async function wrapperExited(exec: Docker.Exec, stop: AbortSignal): Promise<void> {
  const started = performance.now();
  for (;;) {
    await delay(performance.now() - started < 10_000 ? 250 : 1000);
    if (stop.aborted) return new Promise<void>(() => {});
    const running = await exec.inspect().then(
      (info) => info.Running,
      () => true,
    );
    if (!running && !stop.aborted) return;
  }
}

function parseStatus(text: string | null): { exit: number; oomBefore: number; oomAfter: number } | null {
  const match = text?.match(/exit=(\d+) oom_before=(\d*) oom_after=(\d*)/);
  if (!match) return null;
  return { exit: Number(match[1]), oomBefore: Number(match[2] || 0), oomAfter: Number(match[3] || 0) };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
