/**
 * Droid's own bookkeeping inside a sandbox (listing the work tree, packing and unpacking it)
 * runs the image's programs by absolute path, with no shell, without the exec wrapper (which
 * puts the sandbox-writable `/droid/venv/bin` first on `PATH`), and with a fixed environment.
 * The programs live on the container's root filesystem, which is mounted read only
 * (`ReadonlyRootfs` in container-spec.ts); the sandbox user (uid 1000, no capabilities,
 * no-new-privileges) can write only the `/workspace` and `/droid` volumes and the `/tmp`
 * tmpfs, so it cannot replace them, nor the libraries they load.
 */
import { type Duplex, type Readable, Transform } from "node:stream";
import type Docker from "dockerode";
import { DockerFrames } from "./demux.ts";

/** The image's programs Droid runs for itself (GNU find and tar, as in Debian-based images). */
export const SYSTEM_TOOLS = { find: "/usr/bin/find", tar: "/bin/tar", mkdir: "/bin/mkdir", rm: "/bin/rm" } as const;
export type SystemTool = (typeof SYSTEM_TOOLS)[keyof typeof SYSTEM_TOOLS];
/** A program of `SYSTEM_TOOLS` and its arguments: nothing else can be run this way. */
export type SystemToolCommand = readonly [SystemTool, ...string[]];

/** Only system folders on `PATH`; nothing that could load other code or change a tool's options. */
const SYSTEM_ENV = ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", "LD_PRELOAD=", "LD_LIBRARY_PATH=", "LD_AUDIT=", "TAR_OPTIONS="];
const STDERR_BYTES = 4096;

export interface SystemToolRun {
  /** The program's stdout, with backpressure. Read it before awaiting `done`. */
  stdout: Readable;
  /** Settles once the program has exited; rejects when it failed or ran out of time. */
  done: Promise<void>;
}

export interface SystemToolOptions {
  user: string;
  workingDir: string;
  timeoutMs: number;
  /** Streamed into the program's stdin, which is closed at its end (e.g. an archive for `tar -x`). */
  stdin?: Readable;
}

export async function startSystemTool(container: Docker.Container, command: SystemToolCommand, options: SystemToolOptions): Promise<SystemToolRun> {
  const input = options.stdin;
  const exec = await container.exec({
    Cmd: [...command],
    Env: SYSTEM_ENV,
    User: options.user,
    WorkingDir: options.workingDir,
    AttachStdout: true,
    AttachStderr: true,
    AttachStdin: input !== undefined,
    Tty: false,
  });
  const raw = (await exec.start({ hijack: true, stdin: input !== undefined })) as Duplex;
  // The input's end half-closes the connection: the engine then closes the program's stdin.
  if (input) input.on("error", (error) => raw.destroy(error)).pipe(raw);
  const frames = new DockerFrames();
  let stderr = "";
  const stdout = new Transform({
    transform(chunk: Buffer, _encoding, next) {
      frames.push(chunk, (stream, payload) => {
        if (stream === "stdout") this.push(payload);
        else if (stderr.length < STDERR_BYTES) stderr += payload.toString("utf8");
      });
      next();
    },
  });
  raw.pipe(stdout);
  // A reader that gives up (an unsafe archive) ends the program too: its writes then fail.
  stdout.once("close", () => raw.destroy());
  const label = command.join(" ").slice(0, 200);
  let timer: NodeJS.Timeout | undefined;
  const done = new Promise<void>((resolve, reject) => {
    timer = setTimeout(() => {
      const error = new Error(`${label} did not finish within ${options.timeoutMs / 1000} s`);
      stdout.destroy(error);
      reject(error);
    }, options.timeoutMs);
    const exited = () => {
      if (!stdout.writableEnded) stdout.end();
      resolve();
    };
    raw.once("error", reject);
    raw.once("end", exited);
    raw.once("close", exited);
  }).then(async () => {
    const { ExitCode } = await exitOf(exec);
    if (ExitCode !== 0) throw new Error(`${label} exited ${ExitCode ?? "without a code"}: ${stderr.trim()}`);
  });
  void done.finally(() => clearTimeout(timer)).catch(() => {});
  return { stdout, done };
}

/** The exec's state once it has ended: its stream can close a moment before the engine records the exit. */
async function exitOf(exec: Docker.Exec): Promise<Docker.ExecInspectInfo> {
  for (let attempt = 0; ; attempt++) {
    const info = await exec.inspect();
    if (!info.Running || attempt >= 200) return info;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** All of a run's stdout (refused beyond `maxBytes`), once the program has succeeded. */
export async function systemToolOutput(run: SystemToolRun, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  const read = (async () => {
    for await (const chunk of run.stdout) {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
      bytes += buffer.length;
      if (bytes > maxBytes) throw new Error(`The output is larger than ${maxBytes} bytes.`);
      chunks.push(buffer);
    }
  })();
  await Promise.all([read, run.done]);
  return Buffer.concat(chunks);
}
