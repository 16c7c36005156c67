/**
 * A hardened sandbox: the `Sandbox` interface the agent's computer uses, its creation
 * (`createSandbox`, `withSandbox`) and the container-backed implementation, whose methods
 * (exec, files in and out, network switching, removal) share the container's private state.
 * The container's specification, the command queue and its process reaper, exec plumbing,
 * archives and labels live in their own files. Longer than most files (~370 lines) for
 * that shared state.
 */
import { randomBytes } from "node:crypto";
import path from "node:path";
import { Readable } from "node:stream";
import type Docker from "dockerode";
import type { Logger } from "pino";
import { type ArchiveEntry, packEntries } from "./archive-pack.ts";
import { readArchiveFiles } from "./archive-unpack.ts";
import { CommandRunner, type ExecOptions, SandboxGoneError } from "./command-runner.ts";
import { SANDBOX_GID, SANDBOX_UID, SANDBOX_USER, WORKDIR, containerNamePrefix } from "./container-spec.ts";
import { type StartedContainer, removeContainer, startContainer } from "./container-start.ts";
import { type DiskQuota, NO_DISK_QUOTA, volumeMemoryMb } from "./disk-quota.ts";
import { STATE_DIR } from "./exec.ts";
import type { ExecResult } from "./exec-result.ts";
import { type EgressSession, openEgressSession } from "./egress/session.ts";
import { NO_SANDBOX_EGRESS, type SandboxEgress } from "./egress/policy.ts";
import { assertImagePresent } from "./image.ts";
import type { PoolSpec, SandboxPool } from "./pool.ts";
import type { SandboxOwner } from "./labels.ts";
import type { NetworkPolicy, SandboxLimits } from "./settings.ts";
import { SYSTEM_TOOLS, type SystemToolCommand, type SystemToolRun, startSystemTool, systemToolOutput } from "./system-tool.ts";

/** The computer the agent works on. Every path is inside the container. */
export interface Sandbox {
  /** The container id. */
  readonly id: string;
  /** The work tree, `/workspace`. */
  readonly workdir: string;
  readonly network: NetworkPolicy;
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  readFile(filePath: string): Promise<Buffer>;
  writeFile(filePath: string, content: string | Buffer, options?: { mode?: number }): Promise<void>;
  /** Unpacks a tar archive into a directory under the work tree or `/droid`. */
  putArchive(archive: Readable, directory: string): Promise<void>;
  /**
   * Unpacks a tar archive inside the sandbox, as the sandbox user: the archive is streamed into
   * `tar -x`'s stdin (one exec, no file in between), several times faster than `putArchive`
   * (the engine's own extraction) for trees of many files.
   */
  unpackArchive(archive: Readable, directory: string): Promise<void>;
  /** A tar archive of a path; its entries are prefixed with the path's base name (Docker's format). */
  getArchive(sourcePath: string): Promise<Readable>;
  /**
   * Runs one of the image's own programs for Droid's bookkeeping (system-tool.ts): by absolute
   * path on the read-only root filesystem, no shell, no wrapper, a fixed `PATH`; as the sandbox
   * user, in the work tree. Its stdout streams back.
   */
  runSystemTool(command: SystemToolCommand): Promise<SystemToolRun>;
  /** Takes the sandbox off every network (used after `setup` under the `setup` policy). */
  disconnectNetwork(): Promise<void>;
  /** Removes the container and its volumes. Safe to call more than once. */
  remove(): Promise<void>;
}

/** What a sandbox is made of: its image, network policy, limits, runtime and disk quota. */
export interface SandboxRequest {
  image: string;
  network: NetworkPolicy;
  limits: SandboxLimits;
  /** Container runtime, e.g. "runsc" (gVisor); null for the engine's default. */
  runtime?: string | null;
  /** The quota of the work tree's and `/droid`'s volumes (default: none). */
  disk?: DiskQuota;
}

export interface CreateSandboxOptions extends SandboxRequest {
  owner: SandboxOwner;
  /** Network attached while the policy allows it (default "bridge"). */
  networkName?: string;
  /** A dependency cache entry to start from, mounted read only (setup-cache.ts). */
  setupCacheVolume?: string;
  /** Warm containers (pool.ts): a request that fits takes one instead of waiting for a new one. */
  pool?: SandboxPool;
  /** Strings that must never enter the sandbox (tokens, keys): commands and env carrying one are refused. */
  secrets?: readonly string[];
  /** The operator's CA bundle, proxies and allowlist, for the phases with network (egress/session.ts). */
  egress?: SandboxEgress;
  /** Extra time after a command's timeout before the host stops it through the reaper (default 15 s). */
  hostGraceMs?: number;
  /** How long the process reaper may take after a command before the container is killed instead (default 10 s). */
  reapTimeoutMs?: number;
  logger: Logger;
}

export class SecretInSandboxError extends Error {
  constructor(where: string) {
    super(`Refused to pass a secret into the sandbox (${where}).`);
    this.name = "SecretInSandboxError";
  }
}

/** Creates and starts a hardened sandbox. The caller must `remove()` it when the job ends. */
export async function createSandbox(docker: Docker, options: CreateSandboxOptions): Promise<Sandbox> {
  await assertImagePresent(docker, options.image);
  const disk = options.disk ?? NO_DISK_QUOTA;
  const suffix = randomBytes(4).toString("hex");
  const egress = await openEgressSession(docker, {
    egress: options.egress ?? NO_SANDBOX_EGRESS,
    network: options.network,
    outsideNetwork: options.networkName ?? "bridge",
    owner: options.owner,
    suffix,
    logger: options.logger,
  });
  const spec = poolSpecOf(options, egress.networkName);
  // A pooled container fits only a request that needs nothing made for this job: no cache
  // entry mounted, no network of its own (the allowlist's gate).
  const poolable = options.setupCacheVolume === undefined && (options.network === "none" || egress.networkName === (options.networkName ?? "bridge"));
  let started: StartedContainer | null = null;
  try {
    started = (poolable ? await options.pool?.take(spec) : null) ?? null;
    const warm = started !== null;
    // Labels cannot change: the job's name says whose it is now (reapJobSandboxes looks for it).
    if (started) await started.container.rename({ name: `${containerNamePrefix(options.owner.jobId)}${suffix}` });
    const { disk: _disk, ...plan } = spec;
    started ??= await startContainer(docker, { ...plan, owner: options.owner, suffix, ...(options.setupCacheVolume ? { setupCacheVolume: options.setupCacheVolume } : {}) }, disk, options.logger);
    const sandbox = new DockerSandbox(docker, started.container, started.volumes, options, egress);
    await egress.install(sandbox);
    options.logger.info({ jobId: options.owner.jobId, container: started.container.id.slice(0, 12), image: options.image, network: options.network, warm }, "sandbox started");
    return sandbox;
  } catch (error) {
    if (started) await removeContainer(docker, started, options.logger);
    await egress.close();
    throw error;
  }
}

/** What a pooled container must have been made with to serve this request, on the network its egress session chose. */
function poolSpecOf(request: SandboxRequest, networkName: string): PoolSpec {
  const disk = request.disk ?? NO_DISK_QUOTA;
  return { image: request.image, network: request.network, limits: request.limits, runtime: request.runtime ?? null, volumeMemoryMb: volumeMemoryMb(disk), networkName, disk };
}

/**
 * The pool specification a request takes when it mounts no cache entry, known without starting
 * anything (what the worker warms before any job asked, pool.ts `prewarm`). Null when the request
 * cannot take a pooled container: behind the egress allowlist it gets a network of its own.
 */
export function requestPoolSpec(request: SandboxRequest & Pick<CreateSandboxOptions, "networkName" | "egress">): PoolSpec | null {
  const allowlisted = request.network !== "none" && (request.egress ?? NO_SANDBOX_EGRESS).allow !== null;
  return allowlisted ? null : poolSpecOf(request, request.networkName ?? "bridge");
}

/**
 * Runs `work` with a fresh sandbox and removes the sandbox afterwards, whether `work`
 * succeeded, failed or was cancelled. The way a job should hold a sandbox.
 */
export async function withSandbox<T>(docker: Docker, options: CreateSandboxOptions, work: (sandbox: Sandbox) => Promise<T>): Promise<T> {
  const sandbox = await createSandbox(docker, options);
  try {
    return await work(sandbox);
  } finally {
    await sandbox.remove();
  }
}

const OWNER = { uid: SANDBOX_UID, gid: SANDBOX_GID };

class DockerSandbox implements Sandbox {
  readonly id: string;
  readonly workdir = WORKDIR;
  readonly network: NetworkPolicy;
  readonly #docker: Docker;
  readonly #container: Docker.Container;
  readonly #volumes: string[];
  readonly #options: CreateSandboxOptions;
  readonly #commands: CommandRunner;
  /** Proxy and CA variables while the sandbox has network; closed with the network. */
  readonly #egress: EgressSession;
  #removed = false;

  constructor(docker: Docker, container: Docker.Container, volumes: string[], options: CreateSandboxOptions, egress: EgressSession) {
    this.id = container.id;
    this.network = options.network;
    this.#docker = docker;
    this.#container = container;
    this.#volumes = volumes;
    this.#options = options;
    this.#commands = new CommandRunner({
      container,
      limits: options.limits,
      hostGraceMs: options.hostGraceMs ?? 15_000,
      reapTimeoutMs: options.reapTimeoutMs ?? 10_000,
      readSmallFile: async (filePath) => {
        try {
          return (await this.readFile(filePath)).toString("utf8");
        } catch {
          return null;
        }
      },
      jobId: options.owner.jobId,
      logger: options.logger,
    });
    this.#egress = egress;
  }

  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    this.#assertUsable();
    this.#refuseSecrets(command, "command");
    for (const [key, value] of Object.entries(options.env ?? {})) this.#refuseSecrets(`${key}=${value}`, `environment variable ${key}`);
    return this.#commands.run(command, this.#resolve(options.cwd ?? "."), { ...options, env: { ...this.#egress.env, ...options.env } });
  }

  async readFile(filePath: string): Promise<Buffer> {
    const absolute = this.#resolve(filePath);
    const files = await readArchiveFiles(await this.getArchive(absolute));
    const content = files.get(path.posix.basename(absolute));
    if (content === undefined) throw new Error(`${absolute} is not a regular file in the sandbox`);
    return content;
  }

  async writeFile(filePath: string, content: string | Buffer, options: { mode?: number } = {}): Promise<void> {
    const absolute = this.#resolve(filePath);
    this.#refuseSecrets(Buffer.isBuffer(content) ? content.toString("latin1") : content, `file ${absolute}`);
    const root = writableRoot(absolute);
    if (root === null) throw notWritable(absolute);
    // Parent folders go in the archive too: Docker would create missing ones owned by root.
    const relative = path.posix.relative(root, absolute);
    const parents = relative.split("/").slice(0, -1).map((_, index, all) => all.slice(0, index + 1).join("/"));
    const entries: ArchiveEntry[] = [
      ...parents.map((name): ArchiveEntry => ({ type: "directory", name: `${name}/` })),
      { type: "file", name: relative, content, mode: options.mode ?? 0o644 },
    ];
    await this.#container.putArchive(packEntries(entries, OWNER), { path: root });
  }

  async putArchive(archive: Readable, directory: string): Promise<void> {
    const absolute = this.#resolve(directory);
    if (writableRoot(absolute) === null) throw notWritable(absolute);
    await this.#container.putArchive(archive, { path: absolute });
  }

  async unpackArchive(archive: Readable, directory: string): Promise<void> {
    this.#assertUsable();
    const absolute = this.#resolve(directory);
    if (writableRoot(absolute) === null) throw notWritable(absolute);
    const run = async (command: SystemToolCommand, stdin?: Readable) =>
      systemToolOutput(await startSystemTool(this.#container, command, { user: SANDBOX_USER, workingDir: WORKDIR, timeoutMs: this.#options.limits.commandTimeoutSeconds * 1000, ...(stdin ? { stdin } : {}) }), 64 * 1024);
    try {
      // The work tree is the volume's mount point: it exists (one exec fewer for every job's copy-in).
      if (absolute !== WORKDIR) await run([SYSTEM_TOOLS.mkdir, "-p", "--", absolute]);
      // Straight from the archive's producer into tar's stdin: no file on the worker or in the sandbox.
      await run([SYSTEM_TOOLS.tar, "-x", "-b", String(TAR_RECORD / 512), "-f", "-", "-C", absolute], Readable.from(wholeRecords(archive)));
    } catch (error) {
      throw new Error(`Unpacking into ${absolute} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }

  async getArchive(sourcePath: string): Promise<Readable> {
    return (await this.#container.getArchive({ path: this.#resolve(sourcePath) })) as Readable;
  }

  async runSystemTool(command: SystemToolCommand): Promise<SystemToolRun> {
    this.#assertUsable();
    this.#refuseSecrets(command.join(" "), "command");
    return startSystemTool(this.#container, command, { user: SANDBOX_USER, workingDir: WORKDIR, timeoutMs: this.#options.limits.commandTimeoutSeconds * 1000 });
  }

  async disconnectNetwork(): Promise<void> {
    const info = await this.#container.inspect();
    for (const name of Object.keys(info.NetworkSettings.Networks ?? {})) {
      if (name === "none") continue;
      await this.#docker.getNetwork(name).disconnect({ Container: this.id, Force: true });
    }
    await this.#egress.close();
    this.#options.logger.info({ jobId: this.#options.owner.jobId, container: this.id.slice(0, 12) }, "sandbox network disconnected");
  }

  async remove(): Promise<void> {
    if (this.#removed) return;
    this.#removed = true;
    this.#commands.close("it was removed");
    await removeContainer(this.#docker, { container: this.#container, volumes: this.#volumes }, this.#options.logger);
    await this.#egress.close();
  }

  #assertUsable(): void {
    const gone = this.#commands.gone;
    if (gone !== null) throw new SandboxGoneError(this.id, gone);
  }

  #resolve(filePath: string): string {
    return path.posix.resolve(WORKDIR, filePath);
  }

  #refuseSecrets(text: string, where: string): void {
    for (const secret of this.#options.secrets ?? []) {
      if (secret.length > 0 && text.includes(secret)) throw new SecretInSandboxError(where);
    }
  }
}

/** The record size `tar -x` reads in (20 blocks of 512 bytes, GNU tar's default). */
const TAR_RECORD = 10_240;

/**
 * The archive padded with zeros to whole records: `tar -x` reads the end-of-archive blocks and
 * exits without waiting for the end of its stdin, which a proxy between the worker and the
 * engine may not pass on.
 */
async function* wholeRecords(archive: AsyncIterable<unknown>): AsyncGenerator<Buffer> {
  let bytes = 0;
  for await (const chunk of archive) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    bytes += buffer.length;
    yield buffer;
  }
  const rest = (TAR_RECORD - (bytes % TAR_RECORD)) % TAR_RECORD;
  if (rest > 0) yield Buffer.alloc(rest);
}

/** The volume a path is in, or null: only the work tree and /droid can be written from outside. */
function writableRoot(absolute: string): string | null {
  return [WORKDIR, STATE_DIR].find((root) => absolute === root || absolute.startsWith(`${root}/`)) ?? null;
}

function notWritable(absolute: string): Error {
  return new Error(`Cannot write to ${absolute}: only ${WORKDIR} and ${STATE_DIR} are writable from outside the sandbox.`);
}
