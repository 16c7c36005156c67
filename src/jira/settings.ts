/**
 * Jira settings, from `DROID_JIRA_*` environment variables, validated with zod. The
 * intake is off unless `DROID_JIRA_WEBHOOK_SECRET` is set.
 *
 * `DROID_JIRA_PROJECTS` maps Jira project keys to GitHub repositories, inline
 * (`PROJ=acme/web,OPS=acme/api@12345`) or as the path of a JSON or YAML file:
 *
 *   projects:
 *     PROJ: acme/web
 *     OPS:
 *       repo: acme/api
 *       installation: 12345
 *       transitions: { fixStarted: In Progress, pullRequestReady: In Review, pullRequestMerged: Done }
 *
 * `DROID_JIRA_USERS` maps Jira people to GitHub logins, by Atlassian account id or by
 * email address (read through the Jira user API), inline (`5b10a2844c20165700ede21g=octocat,ada@acme.com=ada`)
 * or as a file (`users: { <account id or email>: <login> }`).
 */
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { DEFAULT_LABEL } from "../config/names.ts";
import { SettingsError } from "../config/settings.ts";

/** Cloud speaks REST v3 with ADF bodies; Data Center speaks REST v2 with wiki-markup text. */
export type JiraFlavour = "cloud" | "datacenter";

export type JiraCredentials = { kind: "basic"; email: string; apiToken: string } | { kind: "bearer"; token: string };

export interface JiraProject {
  key: string;
  owner: string;
  repo: string;
  installationId: number | null;
  /** Transitions by name, applied when they are set (and offered by the ticket's workflow). */
  transitions: { fixStarted: string | null; pullRequestReady: string | null; pullRequestMerged: string | null };
}

export interface JiraSettings {
  webhookSecret: string;
  /** The site people open (ticket links). */
  baseUrl: string;
  /** Where the REST API is called: the site, or Atlassian's gateway for scoped tokens and OAuth 2.0 (`https://api.atlassian.com/ex/jira/<cloud id>`). */
  apiUrl: string;
  flavour: JiraFlavour;
  credentials: JiraCredentials;
  projects: ReadonlyMap<string, JiraProject>;
  /** Jira account id or lowercased email → GitHub login. */
  users: ReadonlyMap<string, string>;
  /** The label that asks for a plan. */
  label: string;
  maxBodyBytes: number;
  replayWindowSeconds: number;
}

const repoName = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9-]{1,39}\/[A-Za-z0-9._-]{1,100}$/, "owner/name of a GitHub repository");
const projectKey = z
  .string()
  .trim()
  .regex(/^[A-Z][A-Z0-9_]{0,49}$/, "a Jira project key (upper-case letters, digits, underscore)");
const login = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/, "a GitHub login");

const projectEntry = z.preprocess(
  (value) => (typeof value === "string" ? { repo: value } : value),
  z.strictObject({
    repo: repoName,
    installation: z.coerce.number().int().positive().nullish().transform((n) => n ?? null),
    transitions: z
      .strictObject({ fixStarted: z.string().trim().min(1).nullish(), pullRequestReady: z.string().trim().min(1).nullish(), pullRequestMerged: z.string().trim().min(1).nullish() })
      .default({})
      .transform((t) => ({ fixStarted: t.fixStarted ?? null, pullRequestReady: t.pullRequestReady ?? null, pullRequestMerged: t.pullRequestMerged ?? null })),
  }),
);
const projectsFile = z.strictObject({ projects: z.record(projectKey, projectEntry) });
const usersFile = z.strictObject({ users: z.record(z.string().trim().min(1), login) });

const envSchema = z.object({
  DROID_JIRA_WEBHOOK_SECRET: z.string().min(1).optional(),
  DROID_JIRA_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  DROID_JIRA_API_URL: z.url({ protocol: /^https?$/ }).optional(),
  DROID_JIRA_FLAVOUR: z.enum(["cloud", "datacenter"]).default("cloud"),
  DROID_JIRA_EMAIL: z.string().trim().min(1).optional(),
  DROID_JIRA_API_TOKEN: z.string().min(1).optional(),
  DROID_JIRA_BEARER_TOKEN: z.string().min(1).optional(),
  DROID_JIRA_PROJECTS: z.string().trim().optional(),
  DROID_JIRA_USERS: z.string().trim().optional(),
  DROID_JIRA_LABEL: z.string().trim().min(1).max(255).default(DEFAULT_LABEL),
  DROID_JIRA_MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).default(2 * 1024 * 1024),
  DROID_JIRA_REPLAY_WINDOW_SECONDS: z.coerce.number().int().min(10).max(86_400).default(300),
});

type Reader = (path: string) => string;

/** Reads the Jira settings; `null` when the intake is not configured (no webhook secret). */
export function readJiraSettings(env: NodeJS.ProcessEnv = process.env, readFile: Reader = (path) => readFileSync(path, "utf8")): JiraSettings | null {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) throw new SettingsError(`invalid Jira settings:\n  ${describe(parsed.error)}`);
  const s = parsed.data;
  if (!s.DROID_JIRA_WEBHOOK_SECRET) {
    if (s.DROID_JIRA_PROJECTS) throw new SettingsError("DROID_JIRA_PROJECTS is set but DROID_JIRA_WEBHOOK_SECRET is not: set the secret of the Jira webhook");
    return null;
  }
  const missing = [
    ...(s.DROID_JIRA_BASE_URL ? [] : ["DROID_JIRA_BASE_URL (e.g. https://acme.atlassian.net)"]),
    ...(s.DROID_JIRA_PROJECTS ? [] : ["DROID_JIRA_PROJECTS (e.g. PROJ=acme/web)"]),
    ...(s.DROID_JIRA_USERS ? [] : ["DROID_JIRA_USERS (e.g. ada@acme.com=ada)"]),
  ];
  if (missing.length > 0) throw new SettingsError(`DROID_JIRA_WEBHOOK_SECRET is set, so these are needed too:\n  ${missing.join("\n  ")}`);
  return {
    webhookSecret: s.DROID_JIRA_WEBHOOK_SECRET,
    baseUrl: (s.DROID_JIRA_BASE_URL ?? "").replace(/\/+$/, ""),
    apiUrl: (s.DROID_JIRA_API_URL ?? s.DROID_JIRA_BASE_URL ?? "").replace(/\/+$/, ""),
    flavour: s.DROID_JIRA_FLAVOUR,
    credentials: credentials(s),
    projects: readProjects(s.DROID_JIRA_PROJECTS ?? "", readFile),
    users: readUsers(s.DROID_JIRA_USERS ?? "", readFile),
    label: s.DROID_JIRA_LABEL,
    maxBodyBytes: s.DROID_JIRA_MAX_BODY_BYTES,
    replayWindowSeconds: s.DROID_JIRA_REPLAY_WINDOW_SECONDS,
  };
}

function credentials(s: z.infer<typeof envSchema>): JiraCredentials {
  if (s.DROID_JIRA_BEARER_TOKEN) return { kind: "bearer", token: s.DROID_JIRA_BEARER_TOKEN };
  if (s.DROID_JIRA_EMAIL && s.DROID_JIRA_API_TOKEN) return { kind: "basic", email: s.DROID_JIRA_EMAIL, apiToken: s.DROID_JIRA_API_TOKEN };
  throw new SettingsError(
    "Jira credentials missing: set DROID_JIRA_EMAIL and DROID_JIRA_API_TOKEN (an Atlassian API token), or DROID_JIRA_BEARER_TOKEN (an OAuth 2.0 access token or a Data Center personal access token)",
  );
}

function readProjects(value: string, readFile: Reader): Map<string, JiraProject> {
  const raw = readMapping("DROID_JIRA_PROJECTS", "projects", value, readFile, inlineProject);
  const parsed = projectsFile.safeParse(raw);
  if (!parsed.success) throw new SettingsError(`DROID_JIRA_PROJECTS:\n  ${describe(parsed.error)}`);
  const projects = new Map<string, JiraProject>();
  for (const [key, entry] of Object.entries(parsed.data.projects)) {
    const [owner = "", repo = ""] = entry.repo.split("/");
    projects.set(key, { key, owner, repo, installationId: entry.installation, transitions: entry.transitions });
  }
  if (projects.size === 0) throw new SettingsError("DROID_JIRA_PROJECTS maps no project: give at least one, e.g. PROJ=acme/web");
  return projects;
}

function readUsers(value: string, readFile: Reader): Map<string, string> {
  const raw = readMapping("DROID_JIRA_USERS", "users", value, readFile, (pair) => {
    const at = pair.lastIndexOf("=");
    return [pair.slice(0, at).trim(), pair.slice(at + 1).trim()];
  });
  const parsed = usersFile.safeParse(raw);
  if (!parsed.success) throw new SettingsError(`DROID_JIRA_USERS:\n  ${describe(parsed.error)}`);
  // Emails are compared case-insensitively; account ids as given.
  return new Map(Object.entries(parsed.data.users).map(([who, to]) => [who.includes("@") ? who.toLowerCase() : who, to]));
}

function readMapping(name: string, top: string, value: string, readFile: Reader, inline: (pair: string) => [string, unknown]): unknown {
  const isFile = /\.(json|ya?ml)$/i.test(value) && !value.includes("=");
  if (!isFile) return { [top]: Object.fromEntries(value.split(",").filter((p) => p.trim() !== "").map(inline)) };
  try {
    const text = readFile(value);
    return /\.json$/i.test(value) ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new SettingsError(`${name}: cannot read ${value}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** `KEY=owner/repo` or `KEY=owner/repo@installation`. */
function inlineProject(pair: string): [string, unknown] {
  const [key = "", target = ""] = pair.split("=", 2).map((p) => p.trim());
  const at = target.lastIndexOf("@");
  return at < 0 ? [key, target] : [key, { repo: target.slice(0, at), installation: target.slice(at + 1) }];
}

function describe(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join(".") || "(top level)"}: ${i.message}`).join("\n  ");
}
