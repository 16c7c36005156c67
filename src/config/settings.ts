/**
 * Droid's own process settings, read from `DROID_*` environment variables and
 * validated with zod. The README lists each one with its default.
 */
import { availableParallelism, freemem, hostname } from "node:os";
import { z } from "zod";
import type { SandboxPlatformSettings } from "../sandbox/index.ts";
import { POLICY_ENV, policySettings, type JobCaps, type OperatorPolicy } from "./policy.ts";

const seconds = z.coerce.number().int().min(0);

const settingsSchema = z.object({
  DROID_DATA_DIR: z.string().min(1).default("./data"),
  DROID_INSTANCE: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,63}$/, "letters, digits, dot, dash or underscore")
    .default(hostname().replace(/[^A-Za-z0-9_.-]/g, "-").slice(0, 63) || "droid"),
  DROID_PERMISSION_CACHE_SECONDS: seconds.default(60),
  DROID_CONFIG_CACHE_SECONDS: seconds.default(30),
  DROID_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(256).optional(),
  DROID_SHUTDOWN_GRACE_SECONDS: seconds.default(30),
  // Checked by `queueUrl` (it may hold a password, which must not be echoed).
  DROID_QUEUE_URL: z.string().optional(),
  DROID_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(3),
  DROID_REDELIVER_WINDOW_HOURS: z.coerce.number().min(0).max(72).default(24),
  // Operator policy, caps, retention and the sandbox platform (`policy.ts`, docs/security.md).
  ...POLICY_ENV,
});

export interface Settings {
  dataDir: string;
  instance: string;
  permissionCacheMs: number;
  configCacheMs: number;
  workerConcurrency: number;
  shutdownGraceMs: number;
  /** The shared Redis queue; unset means the embedded SQLite store in `dataDir`. */
  queueUrl: string | undefined;
  /** How many times an interrupted job is run before it is reported instead of re-queued. */
  maxAttempts: number;
  /** How far back missed webhook deliveries are redelivered on start-up (0: never). */
  redeliverWindowHours: number;
  /** What repository config may ask for (it can only narrow this). */
  policy: OperatorPolicy;
  /** Daily spending caps and the per-repository queue cap. */
  caps: JobCaps;
  /** Ended jobs older than this many days are pruned (0: never). */
  retentionDays: number;
  /** The sandbox's container runtime and disk quota. */
  sandbox: SandboxPlatformSettings;
}

export class SettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SettingsError";
  }
}

export function readSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const parsed = settingsSchema.safeParse(env, { reportInput: true });
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message} (got ${JSON.stringify(i.input)})`);
    throw new SettingsError(`invalid settings:\n  ${lines.join("\n  ")}`);
  }
  const s = parsed.data;
  return {
    dataDir: s.DROID_DATA_DIR,
    instance: s.DROID_INSTANCE,
    permissionCacheMs: s.DROID_PERMISSION_CACHE_SECONDS * 1000,
    configCacheMs: s.DROID_CONFIG_CACHE_SECONDS * 1000,
    workerConcurrency: s.DROID_WORKER_CONCURRENCY ?? defaultConcurrency(),
    shutdownGraceMs: s.DROID_SHUTDOWN_GRACE_SECONDS * 1000,
    queueUrl: queueUrl(s.DROID_QUEUE_URL),
    maxAttempts: s.DROID_MAX_ATTEMPTS,
    redeliverWindowHours: s.DROID_REDELIVER_WINDOW_HOURS,
    ...policySettings(s),
  };
}

function queueUrl(value: string | undefined): string | undefined {
  if (!value) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url?.protocol === "redis:" || url?.protocol === "rediss:") return value;
  const shown = url ? `${url.protocol}//${url.host}` : "not a URL";
  throw new SettingsError(`invalid settings:\n  DROID_QUEUE_URL: a redis:// or rediss:// URL (got ${shown})`);
}

/** One job per core, and at least 2 GiB of free memory per job (a sandbox's default limit). */
export function defaultConcurrency(): number {
  const byMemory = Math.floor(freemem() / (2 * 1024 ** 3));
  return Math.max(1, Math.min(availableParallelism(), byMemory));
}
