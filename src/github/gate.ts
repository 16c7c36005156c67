/**
 * Who may trigger work: users with write, maintain or admin permission on the
 * repository. Permissions are asked of GitHub and cached briefly. Users without
 * permission get one polite refusal, then silence (no reply storms).
 */
import type { GitHubClient } from "./octokit.ts";
import { hasStatus } from "./octokit.ts";
import type { Actor } from "./triggers.ts";

export type Permission = "admin" | "maintain" | "write" | "triage" | "read" | "none";

export type GateDecision =
  | { allowed: true }
  | { allowed: false; reason: "bot" }
  | { allowed: false; reason: "permission"; permission: Permission; refuse: boolean };

export interface GateOptions {
  cacheMs: number;
  now?: () => number;
  /** How many refused users to remember before forgetting the oldest. */
  refusalMemory?: number;
}

export class PermissionGate {
  readonly #cache = new Map<string, { permission: Promise<Permission>; expires: number }>();
  readonly #refused = new Set<string>();
  readonly #options: Required<GateOptions>;

  constructor(options: GateOptions) {
    this.#options = { now: Date.now, refusalMemory: 10_000, ...options };
  }

  async check(octokit: GitHubClient, repo: { owner: string; name: string }, actor: Actor): Promise<GateDecision> {
    if (actor.isBot) return { allowed: false, reason: "bot" };
    const permission = await this.permission(octokit, repo, actor.login);
    if (isWriter(permission)) return { allowed: true };
    const key = `${repo.owner}/${repo.name}:${actor.login}`.toLowerCase();
    const refuse = !this.#refused.has(key);
    if (refuse) this.#remember(key);
    return { allowed: false, reason: "permission", permission, refuse };
  }

  /** The one write-access check: write, maintain or admin on the repository (asked of GitHub, cached). */
  async hasWriteAccess(octokit: GitHubClient, repo: { owner: string; name: string }, login: string): Promise<boolean> {
    return isWriter(await this.permission(octokit, repo, login));
  }

  async permission(octokit: GitHubClient, repo: { owner: string; name: string }, login: string): Promise<Permission> {
    const key = `${repo.owner}/${repo.name}:${login}`.toLowerCase();
    const now = this.#options.now();
    const cached = this.#cache.get(key);
    if (cached && cached.expires > now) return cached.permission;
    // One in-flight question per user and repository, shared by concurrent webhooks.
    const permission = askGitHub(octokit, repo, login);
    this.#cache.set(key, { permission, expires: now + this.#options.cacheMs });
    permission.catch(() => this.#cache.delete(key));
    if (this.#cache.size > this.#options.refusalMemory) this.#cache.delete(this.#cache.keys().next().value ?? "");
    return permission;
  }

  #remember(key: string): void {
    this.#refused.add(key);
    if (this.#refused.size > this.#options.refusalMemory) {
      this.#refused.delete(this.#refused.values().next().value ?? "");
    }
  }
}

async function askGitHub(octokit: GitHubClient, repo: { owner: string; name: string }, login: string): Promise<Permission> {
  try {
    const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({
      owner: repo.owner,
      repo: repo.name,
      username: login,
    });
    const role = (data.role_name ?? "").toLowerCase();
    if (role === "maintain") return "maintain";
    if (role === "triage") return "triage";
    switch (data.permission) {
      case "admin":
      case "write":
      case "read":
        return data.permission;
      default:
        return "none";
    }
  } catch (error) {
    if (hasStatus(error, 404)) return "none";
    throw error;
  }
}

function isWriter(permission: Permission): boolean {
  return permission === "admin" || permission === "maintain" || permission === "write";
}
