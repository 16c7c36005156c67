export { type ArchiveEntry, type ArchiveOwner, type TreeFile, packDirectory, packEntries } from "./archive-pack.ts";
export { UnsafeArchiveError, extractArchive, readArchiveFiles } from "./archive-unpack.ts";
export { createDockerClient } from "./docker-client.ts";
export { type DiskQuota, NO_DISK_QUOTA, describeDiskQuota } from "./disk-quota.ts";
export { type SandboxPlatform, type SandboxPlatformSettings, SandboxPlatformError, checkRuntime, prepareSandboxPlatform, resolveDiskQuota, settleSandboxPlatform } from "./platform.ts";
export {
  type EgressHostPattern,
  NO_SANDBOX_EGRESS,
  type SandboxEgress,
  parseCaCertificates,
  parseEgressAllowlist,
  parseNoProxy,
  parseProxyUrl,
  proxyCredentials,
} from "./egress/policy.ts";
export { SANDBOX_UID, SANDBOX_GID, WORKDIR, containerNamePrefix } from "./container-spec.ts";
export { OUTPUT_DIR, STATE_DIR } from "./exec.ts";
export { type TreeContent, readTreeEntry } from "./host-files.ts";
export { type ExecOutput, type ExecResult, type ExecResultKind, describeExecResult, succeeded } from "./exec-result.ts";
export { SANDBOX_IMAGE, SandboxImageMissingError, assertImagePresent } from "./image.ts";
export { LABELS, type SandboxOwner } from "./labels.ts";
export { type ReapResult, reapContainers, reapJobSandboxes } from "./reap.ts";
export { POOL_JOB_ID, type PoolSpec, SandboxPool, type SandboxPoolOptions } from "./pool.ts";
export { type ExecOptions, SandboxGoneError } from "./command-runner.ts";
export { type CreateSandboxOptions, type Sandbox, type SandboxRequest, SecretInSandboxError, createSandbox, requestPoolSpec, withSandbox } from "./sandbox.ts";
export {
  DEFAULT_LIMITS,
  NETWORK_POLICIES,
  type NetworkPolicy,
  type ReadRepoFile,
  type RepoCommand,
  type RepoCommands,
  type SandboxConfig,
  type SandboxLimits,
  describeRepoCommands,
  detectRepoCommands,
  resolveRepoCommands,
  sandboxConfigSchema,
  sandboxConfigShape,
  sandboxLimitsSchema,
} from "./settings.ts";
export { type SetupOutcome, runSetup } from "./setup.ts";
export { SETUP_CACHE_LABEL, SetupCache, isLockfile, setupCacheKey } from "./setup-cache.ts";
export { SYSTEM_TOOLS, type SystemToolCommand, type SystemToolRun } from "./system-tool.ts";
export { type IgnoreRules, type SyncResult, type TreeBaseline, bringChangesBack, copyFilesIntoSandbox, copyTreeIntoSandbox } from "./tree-sync.ts";
