/**
 * Droid's own process settings, read from `DROID_*` environment variables and
 * validated with zod. The README lists each one with its default.
 */
import { readFileSync } from "node:fs";
import { availableParallelism, freemem, hostname } from "node:os";
import { z } from "zod";
import { GITHUB_COM, HOST_PATTERN, type GitHubHost } from "./github-host.ts";
import type { SandboxPlatformSettings } from "../sandbox/index.ts";
import { POLICY_ENV, policySettings, type JobCaps, type OperatorPolicy } from "./policy.ts";
import { type SandboxEgress, parseCaCertificates, parseEgressAllowlist, parseNoProxy, parseProxyUrl } from "../sandbox/index.ts";

const seconds = z.coerce.number().int().min(0);
const GITHUB_LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const otlpUrl = z.preprocess((value) => (value === "" ? undefined : value), z.url({ protocol: /^https?$/, error: "an http:// or https:// URL, e.g. http://collector:4318" }).optional());

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
  DROID_DEV_MODE: z.enum(["", "0", "1", "false", "true"], "1 or true (development mode), 0 or false").default(""),
  // GitHub caps a webhook payload at 25 MB.
  DROID_WEBHOOK_MAX_BODY_BYTES: z.coerce.number().int().min(64 * 1024).max(100 * 1024 * 1024).default(25 * 1024 * 1024),
  GHE_HOST: z.string().trim().regex(HOST_PATTERN, "a host name with an optional port, e.g. ghe.example.com (no scheme, path or credentials)").optional(),
  GHE_PROTOCOL: z.enum(["https", "http"], "https or http").default("https"),
  // Where Droid's HTTP server is reachable from outside: run pages, their links, the OAuth callback, check details.
  DROID_PUBLIC_URL: z
    .url({ protocol: /^https?$/, error: "an http:// or https:// URL, e.g. https://droid.example.com" })
    .refine((u) => !/[?#]/.test(u), "no query or fragment")
    .optional(),
  // Where Droid's README.md and docs/ are published: messages that point to documentation link it.
  DROID_DOCS_URL: z
    .url({ protocol: /^https?$/, error: "an http:// or https:// URL, e.g. https://github.com/acme/droid/blob/main" })
    .refine((u) => !/[?#]/.test(u), "no query or fragment")
    .optional(),
  DROID_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  DROID_METRICS_TOKEN: z.string().min(16, "at least 16 characters").optional(),
  DROID_RUN_PAGES: z.enum(["", "on", "off", "1", "0", "true", "false"], "on or off").default(""),
  GITHUB_CLIENT_ID: z.string().trim().optional(),
  GITHUB_CLIENT_SECRET: z.string().trim().optional(),
  DROID_SESSION_SECRET: z.string().min(32, "at least 32 characters (openssl rand -hex 32)").optional(),
  DROID_SESSION_HOURS: z.coerce.number().min(0.1).max(24 * 30).default(8),
  // GitHub logins who see every repository's success rates on the run pages.
  DROID_OPERATORS: z
    .string()
    .default("")
    .transform((text) => text.split(/[\s,]+/).filter(Boolean))
    .refine((logins) => logins.every((login) => GITHUB_LOGIN.test(login)), "GitHub logins separated by commas, e.g. alice,bob"),
  // OpenTelemetry's standard variables: traces are exported only when an endpoint is set.
  OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl,
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: otlpUrl,
  OTEL_SERVICE_NAME: z.string().trim().min(1).default("droid"),
  OTEL_SDK_DISABLED: z.string().trim().toLowerCase().default(""),
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
  /** `DROID_DEV_MODE`: a weak or missing webhook secret is allowed (with a warning), for a development machine only. */
  devMode: boolean;
  /** Larger GitHub webhook bodies are refused with 413 before they are buffered. */
  webhookMaxBodyBytes: number;
  /** Where repositories are cloned from (`GHE_HOST` / `GHE_PROTOCOL`, else github.com). */
  githubHost: GitHubHost;
  /** What repository config may ask for (it can only narrow this). */
  policy: OperatorPolicy;
  /** Daily spending caps and the per-repository queue cap. */
  caps: JobCaps;
  /** Ended jobs older than this many days are pruned (0: never). */
  retentionDays: number;
  /** The sandbox's container runtime and disk quota. */
  sandbox: SandboxPlatformSettings;
  /** `DROID_SANDBOX_*`: the CA bundle, proxies and allowlist for sandboxes with network. */
  sandboxEgress: SandboxEgress;
  /** `DROID_PUBLIC_URL` without a trailing slash: where Droid's HTTP server is reachable (run pages, the links to them, check details). */
  publicUrl: string | null;
  /** `DROID_DOCS_URL` without a trailing slash: where Droid's README.md and docs/ are published (null: messages name pages without links). */
  docsUrl: string | null;
  /** `DROID_METRICS_PORT`: where `droid worker` serves `/metrics`, `/healthz` and `/readyz` (0: not served). */
  metricsPort: number;
  /** `DROID_METRICS_TOKEN`: when set, `/metrics` answers only `Authorization: Bearer <token>`. */
  metricsToken: string | null;
  /** The run pages: served with sign-in through the App's OAuth, or off and why. */
  runPages: RunPagesSettings;
  /** `DROID_OPERATORS`, lower case: GitHub logins who see every repository's success rates (`/runs/stats`). */
  operators: string[];
  /** OpenTelemetry traces of jobs, exported over OTLP/HTTP; null when no endpoint is set (or `OTEL_SDK_DISABLED=true`). */
  tracing: TracingSettings | null;
}

export interface TracingSettings {
  /** The full URL spans are posted to: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, else `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`. */
  url: string;
  /** `OTEL_SERVICE_NAME` (default `droid`). */
  serviceName: string;
}

export type RunPagesSettings =
  | {
      enabled: true;
      /** The GitHub App's OAuth client (`GITHUB_CLIENT_ID` / `GITHUB_CLIENT_SECRET`). */
      clientId: string;
      clientSecret: string;
      /** Signs the session cookies: `DROID_SESSION_SECRET`, else derived from the client secret. */
      sessionSecret: string | null;
      sessionMs: number;
    }
  | { enabled: false; why: string };

/** Probot's secret when `WEBHOOK_SECRET` is unset: public, so anyone can sign deliveries with it. */
export const PROBOT_DEFAULT_SECRET = "development";
export const MIN_WEBHOOK_SECRET_LENGTH = 16;

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
  const devMode = s.DROID_DEV_MODE === "1" || s.DROID_DEV_MODE === "true";
  if (devMode && env.NODE_ENV === "production") {
    throw new SettingsError("invalid settings:\n  DROID_DEV_MODE: development mode cannot be used with NODE_ENV=production; unset one of them");
  }
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
    devMode,
    webhookMaxBodyBytes: s.DROID_WEBHOOK_MAX_BODY_BYTES,
    githubHost: s.GHE_HOST ? { protocol: s.GHE_PROTOCOL, host: s.GHE_HOST.toLowerCase() } : GITHUB_COM,
    ...policySettings(s),
    sandboxEgress: readSandboxEgress(env),
    publicUrl: s.DROID_PUBLIC_URL ? s.DROID_PUBLIC_URL.replace(/\/+$/, "") : null,
    docsUrl: s.DROID_DOCS_URL ? s.DROID_DOCS_URL.replace(/\/+$/, "") : null,
    metricsPort: s.DROID_METRICS_PORT,
    metricsToken: s.DROID_METRICS_TOKEN ?? null,
    runPages: runPagesSettings(s),
    operators: s.DROID_OPERATORS.map((login) => login.toLowerCase()),
    tracing: tracingSettings(s),
  };
}

/** OpenTelemetry's rule: the traces endpoint is used as it is; the general one gets `/v1/traces` appended. */
function tracingSettings(s: z.infer<typeof settingsSchema>): TracingSettings | null {
  if (s.OTEL_SDK_DISABLED === "true") return null;
  const url = s.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (s.OTEL_EXPORTER_OTLP_ENDPOINT ? `${s.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, "")}/v1/traces` : null);
  return url === null ? null : { url, serviceName: s.OTEL_SERVICE_NAME };
}

/** On unless `DROID_RUN_PAGES=off`, when the App's OAuth client and the public URL are set. */
function runPagesSettings(s: z.infer<typeof settingsSchema>): RunPagesSettings {
  if (["off", "0", "false"].includes(s.DROID_RUN_PAGES)) return { enabled: false, why: "DROID_RUN_PAGES is off" };
  const missing = [
    s.GITHUB_CLIENT_ID ? null : "GITHUB_CLIENT_ID",
    s.GITHUB_CLIENT_SECRET ? null : "GITHUB_CLIENT_SECRET",
    s.DROID_PUBLIC_URL ? null : "DROID_PUBLIC_URL",
  ].filter((name) => name !== null);
  if (missing.length > 0 || !s.GITHUB_CLIENT_ID || !s.GITHUB_CLIENT_SECRET) {
    const why = `${missing.join(", ")} not set`;
    if (["on", "1", "true"].includes(s.DROID_RUN_PAGES)) throw new SettingsError(`invalid settings:\n  DROID_RUN_PAGES: on, but ${why} (the pages sign people in with the GitHub App's OAuth client)`);
    return { enabled: false, why };
  }
  return { enabled: true, clientId: s.GITHUB_CLIENT_ID, clientSecret: s.GITHUB_CLIENT_SECRET, sessionSecret: s.DROID_SESSION_SECRET ?? null, sessionMs: s.DROID_SESSION_HOURS * 3_600_000 };
}

/**
 * The secret `droid serve` verifies GitHub's deliveries with (`WEBHOOK_SECRET`). A missing
 * one (Probot would fall back to its public default), the default itself, or one shorter
 * than 16 characters stops the process with a message saying what to set — unless
 * `DROID_DEV_MODE` is on, where it is allowed and `weakness` says what is wrong with it.
 */
export function readWebhookSecret(env: NodeJS.ProcessEnv, settings: Pick<Settings, "devMode">): { secret: string; weakness: string | null } {
  const secret = env.WEBHOOK_SECRET ?? "";
  const weakness = webhookSecretWeakness(secret);
  if (weakness === null) return { secret, weakness };
  if (settings.devMode) return { secret: secret || PROBOT_DEFAULT_SECRET, weakness };
  throw new SettingsError(
    `invalid settings:\n  WEBHOOK_SECRET: ${weakness}. Set WEBHOOK_SECRET to your GitHub App's webhook secret: at least ${MIN_WEBHOOK_SECRET_LENGTH} random characters (e.g. from \`openssl rand -hex 32\`), the same value in the App's settings on GitHub. On a development machine only, DROID_DEV_MODE=1 allows a weak one.`,
  );
}

/** Why a webhook secret is unsafe, or null. Never echoes the secret. */
export function webhookSecretWeakness(secret: string): string | null {
  if (secret === "") return `not set (Probot would then accept deliveries signed with its public default "${PROBOT_DEFAULT_SECRET}")`;
  if (secret.trim().toLowerCase() === PROBOT_DEFAULT_SECRET) return `Probot's public default "${PROBOT_DEFAULT_SECRET}", which anyone can sign deliveries with`;
  if (secret.length < MIN_WEBHOOK_SECRET_LENGTH) return `too short (${secret.length} characters; at least ${MIN_WEBHOOK_SECRET_LENGTH})`;
  return null;
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

/**
 * The sandbox's way out behind an enterprise proxy (docs/sandbox.md#egress): `DROID_SANDBOX_CA_BUNDLE`
 * (a PEM file on the worker, read once at start), `DROID_SANDBOX_HTTP_PROXY` / `_HTTPS_PROXY`
 * (http:// URLs, never echoed: they may hold credentials), `DROID_SANDBOX_NO_PROXY` and
 * `DROID_SANDBOX_EGRESS_ALLOW` (host patterns; set, the sandbox goes out only through Droid's egress proxy).
 */
function readSandboxEgress(env: NodeJS.ProcessEnv): SandboxEgress {
  const value = (name: string) => env[name]?.trim() || null;
  const caPath = value("DROID_SANDBOX_CA_BUNDLE");
  const http = value("DROID_SANDBOX_HTTP_PROXY");
  const https = value("DROID_SANDBOX_HTTPS_PROXY");
  const allow = value("DROID_SANDBOX_EGRESS_ALLOW");
  return {
    caCertificates: caPath === null ? null : check(`DROID_SANDBOX_CA_BUNDLE (${caPath})`, parseCaCertificates(readCaFile(caPath))),
    proxy: {
      http: http === null ? null : check("DROID_SANDBOX_HTTP_PROXY", parseProxyUrl(http)),
      https: https === null ? null : check("DROID_SANDBOX_HTTPS_PROXY", parseProxyUrl(https)),
      noProxy: parseNoProxy(value("DROID_SANDBOX_NO_PROXY") ?? ""),
    },
    allow: allow === null ? null : check("DROID_SANDBOX_EGRESS_ALLOW", parseEgressAllowlist(allow)),
  };
}

function check<T>(name: string, parsed: { ok: true; value: T } | { ok: false; problem: string }): T {
  if (parsed.ok) return parsed.value;
  throw new SettingsError(`invalid settings:\n  ${name}: ${parsed.problem}`);
}

function readCaFile(caPath: string): string {
  try {
    return readFileSync(caPath, "utf8");
  } catch (error) {
    const reason = error instanceof Error && "code" in error ? String(error.code) : String(error);
    throw new SettingsError(`invalid settings:\n  DROID_SANDBOX_CA_BUNDLE: cannot read ${caPath} (${reason}); give the path of a PEM file on the worker`);
  }
}

/** One job per core, and at least 2 GiB of free memory per job (a sandbox's default limit). */
export function defaultConcurrency(): number {
  const byMemory = Math.floor(freemem() / (2 * 1024 ** 3));
  return Math.max(1, Math.min(availableParallelism(), byMemory));
}
