/**
 * The per-repository configuration, `.github/droid.yml`, validated with zod.
 * Every key is documented in the README ("Configuration").
 */
import { z } from "zod";
import { PlanningSettingsSchema, type PlanningSettings } from "../planning/settings.ts";
import { sandboxConfigShape, type SandboxConfig } from "../sandbox/index.ts";
import type { ConfigProblem } from "./config-problem.ts";
import { DEFAULT_COMMAND_WORD, DEFAULT_LABEL } from "./names.ts";
import { narrowToPolicy, type OperatorPolicy } from "./policy.ts";

export type { ConfigProblem } from "./config-problem.ts";

const commandWord = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,38}$/, "a lowercase word of letters, digits and dashes, e.g. droid");

export const repoConfigSchema = z.strictObject({
  /** The label that triggers a plan when added to an issue. */
  label: z.string().trim().min(1).max(50).default(DEFAULT_LABEL),
  /** The word after the slash in commands: `/<command> plan`. */
  command: commandWord.default(DEFAULT_COMMAND_WORD),
  /** Planning and model settings: model, budget, templatesDir, contextChars, maxOutputTokens, planning (code share, exploration turns). */
  ...PlanningSettingsSchema.shape,
  /** The sandbox and the repo's own commands: image, setup, test, lint, network, limits. */
  ...sandboxConfigShape,
  /** Execution limits of `/droid fix` and revisions. */
  fix: z
    .strictObject({
      maxTurns: z.number().int().min(1).max(500).default(80),
      maxMinutes: z.number().int().min(1).max(600).default(45),
      /** Push a stopped run's partial work as a draft PR. */
      pushPartialWorkOnStop: z.boolean().default(false),
    })
    .prefault({}),
  /** The secret scan before every push: paths (gitignore patterns) whose added lines are not scanned, e.g. fixtures with fake keys. */
  secretScan: z
    .strictObject({
      allowPaths: z.array(z.string().trim().min(1).max(200)).max(100).default([]),
    })
    .prefault({}),
  /** CI on Droid's pull requests: automatic attempts to fix failing checks per pull request (0: off). */
  ci: z
    .strictObject({
      maxAttempts: z.number().int().min(0).max(20).default(2),
    })
    .prefault({}),
  /** Resolve a review thread after Droid pushed a change for it (off: the reviewer resolves). */
  resolveReviewThread: z.boolean().default(false),
});

export type RepoConfig = z.infer<typeof repoConfigSchema>;

export const DEFAULT_REPO_CONFIG: RepoConfig = repoConfigSchema.parse({});

export type RepoConfigResult =
  | { ok: true; config: RepoConfig }
  | { ok: false; problems: ConfigProblem[]; config: RepoConfig };

/**
 * Validates a parsed YAML document, then holds it to the operator's policy (values written
 * beyond it are problems; defaults beyond it follow it). On failure, `config` holds the
 * defaults so that triggers can still be recognised (and the problem reported) with default names.
 */
export function parseRepoConfig(raw: unknown, policy: OperatorPolicy): RepoConfigResult {
  const result = repoConfigSchema.safeParse(raw ?? {}, { reportInput: true });
  if (!result.success) return { ok: false, problems: result.error.issues.map(describeIssue), config: DEFAULT_REPO_CONFIG };
  const narrowed = narrowToPolicy(result.data, raw, policy);
  if (narrowed.problems.length > 0) return { ok: false, problems: narrowed.problems, config: DEFAULT_REPO_CONFIG };
  return { ok: true, config: narrowed.config };
}

function describeIssue(issue: z.core.$ZodIssue): ConfigProblem {
  const key = issue.path.length > 0 ? issue.path.join(".") : "(top level)";
  switch (issue.code) {
    case "unrecognized_keys":
      return {
        key: issue.keys.map((k) => (issue.path.length > 0 ? `${key}.${k}` : k)).join(", "),
        expected: "only known keys",
        got: `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.join(", ")}`,
      };
    case "invalid_type":
      return { key, expected: issue.expected, got: describeValue(issue.input) };
    default:
      return { key, expected: issue.message, got: describeValue(issue.input) };
  }
}

function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  const text = JSON.stringify(value);
  const shown = text.length > 80 ? `${text.slice(0, 77)}...` : text;
  return `${Array.isArray(value) ? "a list" : typeof value} ${shown}`;
}

/** The planning part of a repository's configuration. */
export function planningSettings(config: RepoConfig): PlanningSettings {
  const { model, budget, templatesDir, contextChars, maxOutputTokens, planning } = config;
  return { ...(model === undefined ? {} : { model }), budget, templatesDir, contextChars, maxOutputTokens, planning };
}

/** The sandbox part of a repository's configuration. */
export function sandboxSettings(config: RepoConfig): SandboxConfig {
  const { image, setup, test, lint, network, limits } = config;
  return { image, setup, test, lint, network, limits };
}
