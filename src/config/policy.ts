/**
 * Operator policy: what a repository's `.github/droid.yml` may ask for on this Droid, set by
 * the people who run it (`DROID_*` settings, spread into the settings schema from
 * `POLICY_ENV`). A repository can only narrow it. One rule everywhere: a value the
 * repository *writes* beyond the policy is a config problem (the trigger is answered with
 * the problem, nothing runs); a *default* beyond the policy follows the policy (an
 * operator's lower maximum becomes the default).
 */
import { z } from "zod";
import { NETWORK_POLICIES, SANDBOX_IMAGE, type NetworkPolicy, type SandboxLimits, type SandboxPlatformSettings } from "../sandbox/index.ts";
import type { ConfigProblem } from "./config-problem.ts";

export interface OperatorPolicy {
  /** Image patterns a repository may name besides Droid's own image (`*` matches any characters). */
  allowedImages: readonly string[];
  /** Network modes a repository may choose; `none` is always among them. */
  allowedNetwork: readonly NetworkPolicy[];
  maxMemoryMb: number;
  maxCpus: number;
  maxPids: number;
  maxCommandSeconds: number;
  maxSetupSeconds: number;
  maxTurns: number;
  maxMinutes: number;
  /** Dollars one job may spend on the model (`budget.usd`). */
  maxJobUsd: number;
  /** Automatic CI-fix attempts per pull request (`ci.maxAttempts`). */
  maxCiAttempts: number;
}

/** Caps over many jobs, checked when a job is asked for and again when it starts. */
export interface JobCaps {
  /** Dollars the jobs of one repository may spend in 24 hours; null: no cap. */
  dailyUsdPerRepo: number | null;
  /** Dollars the jobs of one GitHub App installation may spend in 24 hours; null: no cap. */
  dailyUsdPerInstallation: number | null;
  /** Jobs that may wait in one repository's queue; a trigger beyond it records nothing. */
  maxQueuedPerRepo: number;
}

const unsetWhenEmpty = (value: unknown) => (value === "" ? undefined : value);
const list = z.string().transform((text) => text.split(",").map((item) => item.trim()).filter(Boolean));
const optionalUsd = z.preprocess(unsetWhenEmpty, z.coerce.number().positive().max(1_000_000).optional());

/** The policy's environment variables, spread into the settings schema (`settings.ts`). */
export const POLICY_ENV = {
  DROID_ALLOWED_IMAGES: list.default([]),
  DROID_ALLOWED_NETWORK: list.pipe(z.array(z.enum(NETWORK_POLICIES))).default(["none", "setup"]),
  DROID_MAX_MEMORY_MB: z.coerce.number().int().min(64).max(65_536).default(8192),
  DROID_MAX_CPUS: z.coerce.number().positive().max(64).default(4),
  DROID_MAX_PIDS: z.coerce.number().int().min(16).max(32_768).default(4096),
  DROID_MAX_COMMAND_SECONDS: z.coerce.number().int().min(1).max(86_400).default(3600),
  DROID_MAX_SETUP_SECONDS: z.coerce.number().int().min(1).max(86_400).default(3600),
  DROID_MAX_TURNS: z.coerce.number().int().min(1).max(500).default(200),
  DROID_MAX_MINUTES: z.coerce.number().int().min(1).max(600).default(120),
  DROID_MAX_JOB_USD: z.coerce.number().positive().max(1000).default(20),
  DROID_MAX_CI_ATTEMPTS: z.coerce.number().int().min(0).max(20).default(5),
  DROID_DAILY_USD_PER_REPO: optionalUsd,
  DROID_DAILY_USD_PER_INSTALLATION: optionalUsd,
  DROID_MAX_QUEUED_PER_REPO: z.coerce.number().int().min(1).max(100_000).default(20),
  // Longer than the webhook redelivery window (72 h at most), so a redelivery never finds its job pruned.
  DROID_RETENTION_DAYS: z.coerce
    .number()
    .int()
    .max(36_500)
    .refine((days) => days === 0 || days >= 3, "0 (keep forever) or at least 3 days")
    .default(30),
  DROID_SANDBOX_RUNTIME: z.preprocess(unsetWhenEmpty, z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/, "a runtime name, e.g. runsc").optional()),
  DROID_SANDBOX_DISK_MB: z.coerce.number().int().min(0).max(1_048_576).default(4096),
  DROID_SETUP_CACHE_MB: z.coerce.number().int().min(0).max(16_777_216).default(10_240),
  DROID_SANDBOX_POOL: z.coerce.number().int().min(0).max(16).default(1),
  DROID_MIRRORS_MB: z.coerce.number().int().min(0).max(16_777_216).default(20_480),
  DROID_SANDBOX_DISK_BACKING: z.enum(["auto", "quota", "tmpfs"]).default("auto"),
};

type PolicyEnv = z.infer<z.ZodObject<typeof POLICY_ENV>>;

/** The settings the policy variables make (see `readSettings`). */
export function policySettings(env: PolicyEnv): {
  policy: OperatorPolicy;
  caps: JobCaps;
  retentionDays: number;
  sandbox: SandboxPlatformSettings;
} {
  return {
    policy: {
      allowedImages: env.DROID_ALLOWED_IMAGES,
      allowedNetwork: ["none", ...env.DROID_ALLOWED_NETWORK.filter((mode) => mode !== "none")],
      maxMemoryMb: env.DROID_MAX_MEMORY_MB,
      maxCpus: env.DROID_MAX_CPUS,
      maxPids: env.DROID_MAX_PIDS,
      maxCommandSeconds: env.DROID_MAX_COMMAND_SECONDS,
      maxSetupSeconds: env.DROID_MAX_SETUP_SECONDS,
      maxTurns: env.DROID_MAX_TURNS,
      maxMinutes: env.DROID_MAX_MINUTES,
      maxJobUsd: env.DROID_MAX_JOB_USD,
      maxCiAttempts: env.DROID_MAX_CI_ATTEMPTS,
    },
    caps: {
      dailyUsdPerRepo: env.DROID_DAILY_USD_PER_REPO ?? null,
      dailyUsdPerInstallation: env.DROID_DAILY_USD_PER_INSTALLATION ?? null,
      maxQueuedPerRepo: env.DROID_MAX_QUEUED_PER_REPO,
    },
    retentionDays: env.DROID_RETENTION_DAYS,
    sandbox: {
      runtime: env.DROID_SANDBOX_RUNTIME ?? null,
      diskMb: env.DROID_SANDBOX_DISK_MB,
      diskBacking: env.DROID_SANDBOX_DISK_BACKING,
      setupCacheMb: env.DROID_SETUP_CACHE_MB,
      poolSize: env.DROID_SANDBOX_POOL,
      mirrorsMb: env.DROID_MIRRORS_MB,
    },
  };
}

const DEFAULTS = policySettings(z.object(POLICY_ENV).parse({}));

/** The policy when no `DROID_*` policy variable is set. */
export const DEFAULT_POLICY: OperatorPolicy = DEFAULTS.policy;

/** The caps when no `DROID_*` cap variable is set. */
export const DEFAULT_CAPS: JobCaps = DEFAULTS.caps;

/** Whether a repository may run its commands in `image`. Droid's own image always may. */
export function imageAllowed(image: string, policy: OperatorPolicy): boolean {
  return image === SANDBOX_IMAGE || policy.allowedImages.some((pattern) => globMatches(pattern, image));
}

function globMatches(pattern: string, text: string): boolean {
  const source = pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*");
  return new RegExp(`^${source}$`).test(text);
}

/** The keys of a repository's config that the policy bounds. */
export interface PolicedConfig {
  image?: string | undefined;
  network: NetworkPolicy;
  limits: SandboxLimits;
  fix: { maxTurns: number; maxMinutes: number };
  budget: { usd: number };
  ci: { maxAttempts: number };
}

/**
 * The config within the policy. `raw` is the document as written: a value it holds beyond
 * the policy is a problem; a default beyond the policy is lowered to the policy's maximum.
 */
export function narrowToPolicy<T extends PolicedConfig>(config: T, raw: unknown, policy: OperatorPolicy): { config: T; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const refuse = (key: string, expected: string, got: string) => problems.push({ key, expected, got, operatorLimit: true });
  const cap = (path: readonly string[], value: number, max: number, setting: string): number => {
    if (value <= max) return value;
    if (written(raw, path)) refuse(path.join("."), `at most ${max} (the limit this Droid's operators set: ${setting})`, `number ${value}`);
    return max;
  };
  if (config.image !== undefined && !imageAllowed(config.image, policy)) {
    const others = policy.allowedImages.length > 0 ? `, or one matching ${policy.allowedImages.map((p) => `\`${p}\``).join(", ")}` : "";
    refuse("image", `Droid's own image (remove \`image:\`)${others} — the images this Droid's operators allow (DROID_ALLOWED_IMAGES)`, `string ${JSON.stringify(config.image)}`);
  }
  if (!policy.allowedNetwork.includes(config.network)) {
    refuse("network", `one of ${policy.allowedNetwork.join(", ")} (the modes this Droid's operators allow: DROID_ALLOWED_NETWORK)`, `string ${JSON.stringify(config.network)}`);
  }
  const { limits, fix, budget, ci } = config;
  const narrowed: T = {
    ...config,
    limits: {
      ...limits,
      memoryMb: cap(["limits", "memoryMb"], limits.memoryMb, policy.maxMemoryMb, "DROID_MAX_MEMORY_MB"),
      cpus: cap(["limits", "cpus"], limits.cpus, policy.maxCpus, "DROID_MAX_CPUS"),
      pids: cap(["limits", "pids"], limits.pids, policy.maxPids, "DROID_MAX_PIDS"),
      commandTimeoutSeconds: cap(["limits", "commandTimeoutSeconds"], limits.commandTimeoutSeconds, policy.maxCommandSeconds, "DROID_MAX_COMMAND_SECONDS"),
      setupTimeoutSeconds: cap(["limits", "setupTimeoutSeconds"], limits.setupTimeoutSeconds, policy.maxSetupSeconds, "DROID_MAX_SETUP_SECONDS"),
    },
    fix: {
      ...fix,
      maxTurns: cap(["fix", "maxTurns"], fix.maxTurns, policy.maxTurns, "DROID_MAX_TURNS"),
      maxMinutes: cap(["fix", "maxMinutes"], fix.maxMinutes, policy.maxMinutes, "DROID_MAX_MINUTES"),
    },
    budget: { ...budget, usd: cap(["budget", "usd"], budget.usd, policy.maxJobUsd, "DROID_MAX_JOB_USD") },
    ci: { ...ci, maxAttempts: cap(["ci", "maxAttempts"], ci.maxAttempts, policy.maxCiAttempts, "DROID_MAX_CI_ATTEMPTS") },
  };
  return { config: narrowed, problems };
}

/** Whether the document as written holds a value at `path`. */
function written(raw: unknown, path: readonly string[]): boolean {
  let node: unknown = raw;
  for (const key of path) {
    if (typeof node !== "object" || node === null) return false;
    node = Object.entries(node).find(([name]) => name === key)?.[1];
  }
  return node !== undefined;
}
