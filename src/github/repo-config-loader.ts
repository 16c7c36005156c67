/**
 * Reads `.github/droid.yml` from the repository's default branch, falling back to the
 * organisation's `.github` repository (Probot's config plugin, as `context.config` does),
 * and holds it to the operator's policy.
 */
import { REPO_CONFIG_FILE } from "../config/names.ts";
import type { OperatorPolicy } from "../config/policy.ts";
import { DEFAULT_REPO_CONFIG, parseRepoConfig, type RepoConfigResult } from "../config/repo-config.ts";
import type { GitHubClient } from "./octokit.ts";

export async function loadRepoConfig(octokit: GitHubClient, repo: { owner: string; name: string }, policy: OperatorPolicy): Promise<RepoConfigResult> {
  let raw: unknown;
  try {
    const { config, files } = await octokit.config.get({
      owner: repo.owner,
      repo: repo.name,
      path: `.github/${REPO_CONFIG_FILE}`,
    });
    raw = files.some((f) => f.config !== null) ? config : {};
  } catch (error) {
    const reason = error instanceof Error ? error.message.replace(/^\[@probot\/octokit-plugin-config\]\s*/, "") : "unknown error";
    if (!/could not be parsed|directory or a submodule|Recursion detected/i.test(reason)) throw error;
    return { ok: false, problems: [{ key: "(file)", expected: "a YAML mapping of known keys", got: reason }], config: DEFAULT_REPO_CONFIG };
  }
  return parseRepoConfig(raw, policy);
}

/**
 * Remembers each repository's configuration briefly, sharing one in-flight read
 * between concurrent webhooks, so a burst of comments costs one read per repository.
 */
export class RepoConfigCache {
  readonly #entries = new Map<string, { result: Promise<RepoConfigResult>; expires: number }>();
  readonly #ttlMs: number;
  readonly #policy: OperatorPolicy;
  readonly #now: () => number;

  constructor(options: { ttlMs: number; policy: OperatorPolicy; now?: () => number }) {
    this.#ttlMs = options.ttlMs;
    this.#policy = options.policy;
    this.#now = options.now ?? Date.now;
  }

  get(octokit: GitHubClient, repo: { owner: string; name: string }): Promise<RepoConfigResult> {
    const key = `${repo.owner}/${repo.name}`.toLowerCase();
    const now = this.#now();
    const cached = this.#entries.get(key);
    if (cached && cached.expires > now) return cached.result;
    const result = loadRepoConfig(octokit, repo, this.#policy);
    this.#entries.set(key, { result, expires: now + this.#ttlMs });
    // A failed read is not remembered.
    result.catch(() => this.#entries.delete(key));
    if (this.#entries.size > 10_000) this.#entries.delete(this.#entries.keys().next().value ?? "");
    return result;
  }
}
