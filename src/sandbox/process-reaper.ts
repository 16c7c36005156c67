/**
 * The process reaper: no process outlives its command. The container's main process (under
 * Docker's init) is a tiny POSIX-sh loop that runs as root with one capability, CAP_KILL. After
 * every command (completed, timed out or cancelled) the worker writes `reap <id>` to the
 * container's stdin; the loop sends SIGKILL to every process but itself and the init, again and
 * again, until `kill -9 -1` answers that none is left (zombies included: they count until the
 * init has reaped them, so "none left" also means the pids are free again), then prints
 * `droid-reaper reaped <id> <passes>`, which the worker reads back on the same attach stream.
 *
 * Why this design (measured on Docker 20.10, runc, cgroup v1; see docs/sandbox.md):
 * - Killing the command's process group once is not enough: anything that called `setsid`
 *   (daemons, `setsid -f`, double forks) leaves the group, and a fork bomb that did so kept the
 *   sandbox's 512 pids full forever.
 * - A second `docker exec` cannot clean up: with the pids limit reached, runc cannot clone its
 *   init and about half the execs fail ("read init-p: connection reset by peer").
 * - `docker pause` freezes the processes but the engine refuses `exec` into a paused container
 *   and Docker's kill API only signals the init, so nothing can kill while frozen. A pids cgroup
 *   per command is not possible either: /sys/fs/cgroup is read-only in the container.
 * - Removing the container (the old last resort) loses the job's work tree; it is now only the
 *   answer when the reaper itself fails (no answer within `timeoutMs`).
 * - The loop uses shell builtins only (`read`, `kill`, `[`, `echo`), so it never needs a new pid;
 *   `kill -9 -1` is one system call that signals every process the caller may signal, and a
 *   process with SIGKILL pending can no longer fork, so each pass only leaves what the previous
 *   one missed. A fork bomb is gone in ~20 ms.
 * - Root with CAP_KILL rather than the sandbox user: the commands (uid 1000, no capabilities,
 *   `no-new-privileges`) cannot signal, stop or trace it, nor read or write its stdin and
 *   stdout, so `pkill sh` or `kill -9 -1` in a command cannot take the sandbox down or forge an
 *   answer. Requests travel on stdin rather than as signals: a signal that arrives just before a
 *   blocking `read` would be lost, and signals carry no request id.
 */
import type Docker from "dockerode";
import { Duplex } from "node:stream";
import { demuxDockerStream } from "./demux.ts";

/** The container's main process: reads `reap <id>` lines, answers on stdout. Builtins only. */
export const REAPER_SCRIPT = String.raw`
while read -r verb id; do
  [ "$verb" = reap ] || continue
  passes=0
  while kill -9 -1 2>/dev/null; do passes=$((passes + 1)); done
  echo "droid-reaper reaped $id $passes"
done
`;

/** The container's main process: the reaper, as root, reading an stdin that stays open. */
export const REAPER_PROCESS: Pick<Docker.ContainerCreateOptions, "Cmd" | "User" | "OpenStdin" | "StdinOnce"> = {
  Cmd: ["/bin/sh", "-c", REAPER_SCRIPT, "droid-reaper"],
  User: "0:0",
  OpenStdin: true,
  StdinOnce: false,
};

/** The one capability the container keeps: the reaper's. Commands run as uid 1000 without it. */
export const REAPER_CAPABILITIES = ["KILL"];

export type ReapOutcome =
  /** Nothing but the init and the reaper is left; `passes` kill rounds found something to kill. */
  | { kind: "reaped"; passes: number; durationMs: number }
  /** The reaper did not answer in time (or could not be reached): processes may be left. */
  | { kind: "failed"; reason: string; durationMs: number };

/** The worker's side of the reaper: one request at a time (the caller serialises commands). */
export class ProcessReaper {
  readonly #container: Docker.Container;
  readonly #timeoutMs: number;
  #requests = 0;

  constructor(container: Docker.Container, timeoutMs: number) {
    this.#container = container;
    this.#timeoutMs = timeoutMs;
  }

  async reap(): Promise<ReapOutcome> {
    const id = ++this.#requests;
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const deadline = AbortSignal.timeout(Math.max(0, this.#timeoutMs));
    let socket: Duplex | null = null;
    try {
      const stream = await this.#container.attach({ stream: true, stdin: true, stdout: true, stderr: false, hijack: true, abortSignal: deadline });
      if (!(stream instanceof Duplex)) throw new Error("the engine did not hand over the attach connection");
      socket = stream;
      const answer = readAnswer(stream, id, deadline);
      stream.write(`reap ${id}\n`);
      return { kind: "reaped", passes: await answer, durationMs: elapsed() };
    } catch (error) {
      const reason = deadline.aborted ? `no answer within ${this.#timeoutMs} ms` : error instanceof Error ? error.message : String(error);
      return { kind: "failed", reason, durationMs: elapsed() };
    } finally {
      socket?.destroy();
    }
  }
}

/** Resolves with the number of kill passes once the reaper answers request `id`. */
function readAnswer(stream: Duplex, id: number, deadline: AbortSignal): Promise<number> {
  return new Promise((resolve, reject) => {
    const answer = new RegExp(`^droid-reaper reaped ${id} (\\d+)$`, "m");
    let text = "";
    const onDeadline = () => reject(new Error("deadline"));
    deadline.addEventListener("abort", onDeadline, { once: true });
    const settle = () => deadline.removeEventListener("abort", onDeadline);
    demuxDockerStream(
      stream,
      (chunk) => {
        text += chunk.toString("utf8");
        const match = answer.exec(text);
        if (match) {
          settle();
          resolve(Number(match[1]));
        }
      },
      () => {},
    ).then(
      () => {
        settle();
        reject(new Error("the sandbox closed the connection without answering (its main process may have exited)"));
      },
      (error: unknown) => {
        settle();
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
