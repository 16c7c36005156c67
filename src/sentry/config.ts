/**
 * Sentry intake settings, from `DROID_SENTRY_*` environment variables, validated
 * with zod. The intake is off unless `DROID_SENTRY_CLIENT_SECRET` is set.
 *
 * `DROID_SENTRY_PROJECTS` maps Sentry project slugs to GitHub repositories, either
 * inline (`front-end=acme/web,api=acme/api@12345`, the optional `@n` being the
 * GitHub App installation id) or as the path of a JSON or YAML file:
 *
 *   projects:
 *     front-end: acme/web
 *     api:
 *       repo: acme/api
 *       installation: 12345
 *       sourceRoots: [src]
 */
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { SettingsError } from "../config/settings.ts";

export interface SentryProject {
  /** The Sentry project slug. */
  slug: string;
  owner: string;
  repo: string;
  /** The GitHub App installation to act as; looked up from the repository when absent. */
  installationId: number | null;
  /** Directories the deployed code was built from, tried first when mapping frames to files. */
  sourceRoots: string[];
}

export interface SentrySettings {
  clientSecret: string;
  projects: ReadonlyMap<string, SentryProject>;
  maxBodyBytes: number;
  /** How far `Sentry-Hook-Timestamp` may be from now (either way) before a delivery is refused as a replay. */
  replayWindowSeconds: number;
  /** How far before the first occurrence suspect commits are searched. */
  historyDays: number;
}

const repoName = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9-]{1,39}\/[A-Za-z0-9._-]{1,100}$/, "owner/name of a GitHub repository");

const slug = z
  .string()
  .trim()
  .regex(/^[a-z0-9][a-z0-9_-]{0,99}$/i, "a Sentry project slug (letters, digits, dash, underscore)");

/** `owner/name`, or `{ repo, installation?, sourceRoots? }`. */
const projectEntry = z.preprocess(
  (value) => (typeof value === "string" ? { repo: value } : value),
  z.strictObject({
    repo: repoName,
    installation: z.coerce.number().int().positive().nullish().transform((n) => n ?? null),
    sourceRoots: z.array(z.string().trim().min(1)).default([]),
  }),
);

const projectsFile = z.strictObject({ projects: z.record(slug, projectEntry) });

const envSchema = z.object({
  DROID_SENTRY_CLIENT_SECRET: z.string().min(1).optional(),
  DROID_SENTRY_PROJECTS: z.string().trim().optional(),
  DROID_SENTRY_MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).default(2 * 1024 * 1024),
  DROID_SENTRY_HISTORY_DAYS: z.coerce.number().int().min(1).max(365).default(14),
  DROID_SENTRY_REPLAY_WINDOW_SECONDS: z.coerce.number().int().min(10).max(86_400).default(300),
});

/** Reads the intake settings; `null` when the intake is not configured (no client secret). */
export function readSentrySettings(
  env: NodeJS.ProcessEnv = process.env,
  readFile: (path: string) => string = (path) => readFileSync(path, "utf8"),
): SentrySettings | null {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) throw new SettingsError(`invalid Sentry settings:\n  ${describe(parsed.error)}`);
  const s = parsed.data;
  if (!s.DROID_SENTRY_CLIENT_SECRET) {
    if (s.DROID_SENTRY_PROJECTS) {
      throw new SettingsError("DROID_SENTRY_PROJECTS is set but DROID_SENTRY_CLIENT_SECRET is not: set the Sentry integration's client secret");
    }
    return null;
  }
  if (!s.DROID_SENTRY_PROJECTS) {
    throw new SettingsError("DROID_SENTRY_CLIENT_SECRET is set but DROID_SENTRY_PROJECTS is not: map Sentry projects to repositories, e.g. front-end=acme/web");
  }
  return {
    clientSecret: s.DROID_SENTRY_CLIENT_SECRET,
    projects: readProjects(s.DROID_SENTRY_PROJECTS, readFile),
    maxBodyBytes: s.DROID_SENTRY_MAX_BODY_BYTES,
    replayWindowSeconds: s.DROID_SENTRY_REPLAY_WINDOW_SECONDS,
    historyDays: s.DROID_SENTRY_HISTORY_DAYS,
  };
}

function readProjects(value: string, readFile: (path: string) => string): Map<string, SentryProject> {
  const isFile = /\.(json|ya?ml)$/i.test(value) && !value.includes("=");
  let raw: unknown;
  if (isFile) {
    let text: string;
    try {
      text = readFile(value);
    } catch (error) {
      throw new SettingsError(`DROID_SENTRY_PROJECTS: cannot read ${value}: ${error instanceof Error ? error.message : String(error)}`);
    }
    try {
      raw = /\.json$/i.test(value) ? JSON.parse(text) : parseYaml(text);
    } catch (error) {
      throw new SettingsError(`DROID_SENTRY_PROJECTS: ${value} is not valid ${/\.json$/i.test(value) ? "JSON" : "YAML"}: ${error instanceof Error ? error.message : String(error)}`);
    }
  } else {
    raw = { projects: Object.fromEntries(value.split(",").filter((p) => p.trim() !== "").map(inlineEntry)) };
  }
  const parsed = projectsFile.safeParse(raw);
  if (!parsed.success) throw new SettingsError(`DROID_SENTRY_PROJECTS${isFile ? ` (${value})` : ""}:\n  ${describe(parsed.error)}`);
  const projects = new Map<string, SentryProject>();
  for (const [key, entry] of Object.entries(parsed.data.projects)) {
    const [owner = "", repo = ""] = entry.repo.split("/");
    projects.set(key.toLowerCase(), { slug: key, owner, repo, installationId: entry.installation, sourceRoots: entry.sourceRoots });
  }
  if (projects.size === 0) throw new SettingsError("DROID_SENTRY_PROJECTS maps no project: give at least one, e.g. front-end=acme/web");
  return projects;
}

/** `slug=owner/repo` or `slug=owner/repo@installation`. */
function inlineEntry(pair: string): [string, unknown] {
  const [key = "", target = ""] = pair.split("=", 2).map((p) => p.trim());
  const at = target.lastIndexOf("@");
  if (at < 0) return [key, target];
  return [key, { repo: target.slice(0, at), installation: target.slice(at + 1) }];
}

function describe(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join(".") || "(top level)"}: ${i.message}`).join("\n  ");
}
