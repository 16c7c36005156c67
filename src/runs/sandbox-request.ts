/**
 * The sandbox a job asks for: the repository's sandbox settings on this worker's platform (its
 * runtime, disk quota and egress). The workbench creates it; the worker warms the default job's
 * at start-up, before any job asked (docs/sandbox.md, "Warm sandboxes").
 */
import type { OperatorPolicy } from "../config/policy.ts";
import { parseRepoConfig, sandboxSettings } from "../config/repo-config.ts";
import { SANDBOX_IMAGE, requestPoolSpec, type PoolSpec, type SandboxConfig, type SandboxEgress, type SandboxPlatform, type SandboxRequest } from "../sandbox/index.ts";

export interface SandboxSite {
  platform: Pick<SandboxPlatform, "runtime" | "disk">;
  /** The operator's CA bundle, proxies and allowlist for sandboxes with network (default: none). */
  egress?: SandboxEgress;
}

/** The sandbox a job asks for with these settings on this worker. */
export function sandboxRequest(settings: SandboxConfig, site: SandboxSite): SandboxRequest & { egress?: SandboxEgress } {
  const { runtime, disk } = site.platform;
  return { image: settings.image ?? SANDBOX_IMAGE, network: settings.network, limits: settings.limits, runtime, disk, ...(site.egress ? { egress: site.egress } : {}) };
}

/**
 * The pool specification of a code-changing job on a repository without `.github/droid.yml` (the
 * defaults held to the operator's policy). Null when such a job cannot take a pooled container:
 * the policy refuses the default network, or the egress allowlist gives it a network of its own.
 */
export function defaultJobPoolSpec(site: SandboxSite, policy: OperatorPolicy): PoolSpec | null {
  const defaults = parseRepoConfig({}, policy);
  return defaults.ok ? requestPoolSpec(sandboxRequest(sandboxSettings(defaults.config), site)) : null;
}
