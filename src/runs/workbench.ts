/**
 * The steps every code-changing job shares (`/droid fix`, review revisions): the
 * repository cloned on the worker, a fresh sandbox with the work tree copied in and the
 * repo's setup run, the agent's computer, and the figures (tokens, cost, time) its
 * reports show. `close()` removes the sandbox and the job's folder; call it in a `finally`.
 */
import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import type Docker from "dockerode";
import type { Logger } from "pino";
import { repositoryCloneUrl, type GitHubHost } from "../config/github-host.ts";
import { sandboxSettings, type RepoConfig } from "../config/repo-config.ts";
import type { RunFigures } from "../github/fix-report.ts";
import { inlineCode } from "../github/safe-markdown.ts";
import type { Job, JobOutcome } from "../jobs/types.ts";
import type { UsageLedger } from "../llm/index.ts";
import { DEFAULT_LIMITS, SANDBOX_IMAGE, UnsafeArchiveError, bringChangesBack, copyFilesIntoSandbox, createSandbox, describeExecResult, isLockfile, reapJobSandboxes, resolveRepoCommands, runSetup, setupCacheKey, SetupCache, type RepoCommands, type Sandbox, type SandboxConfig, type SandboxPlatform, type SandboxEgress } from "../sandbox/index.ts";
import { Repository, WorkspaceRefusal, type Checkout } from "../workspace/index.ts";
import { describeChanges } from "../agent/changes.ts";
import { AgentComputer, type CommandOutput } from "../agent/computer.ts";
import type { AgentOutcome, ChangeReport } from "../agent/loop.ts";
import { agentSystemPrompt } from "../agent/prompts.ts";
import { jobFolder, mirrorsFolder } from "../config/data-dir.ts";
import { removeLeftoverFolder } from "./job-folder.ts";
import { sandboxRequest } from "./sandbox-request.ts";

export interface WorkbenchDeps {
  docker: Docker;
  /** The runtime and disk quota of this worker's sandboxes. */
  platform: SandboxPlatform;
  config: RepoConfig;
  /** The installation token, for git over HTTPS on the worker only. */
  token: () => Promise<string>;
  /** Strings that must never reach the sandbox (tokens, keys). */
  secrets: string[];
  dataDir: string;
  instance: string;
  /** The host repositories are cloned from (GHE_HOST, else github.com): the token goes nowhere else. */
  githubHost: GitHubHost;
  /** The operator's CA bundle, proxies and allowlist for sandboxes with network (default: none). */
  egress?: SandboxEgress;
  log: Logger;
  /** Told how long sandboxes take to start and setups to run (`/metrics`). */
  metrics?: SandboxTimings;
  /** The job's trace: told each step a code run enters. */
  trace?: { step(step: string): void };
  /** `DROID_PUBLIC_URL`: the job's reports link to its run page. */
  publicUrl?: string | null;
}

/** How long a sandbox took to start (created, started, the work tree copied in) and the repository's setup to run. */
export interface SandboxTimings {
  sandboxStarted(seconds: number): void;
  setupFinished(seconds: number, result: "succeeded" | "failed" | "stopped"): void;
}

export interface Workbench {
  repo: Repository;
  sandbox: Sandbox;
  commands: RepoCommands;
  settings: SandboxConfig;
  computer: AgentComputer;
  systemPrompt: string;
  /** Every string that must never be posted or reach the sandbox, the installation token included. */
  secrets: readonly string[];
  /** Brings the sandbox's work tree back to the worker and describes it against the branch's last commit. */
  inspect(): Promise<ChangeReport>;
}

export type WorkbenchOpening =
  | { kind: "ready"; bench: Workbench }
  | { kind: "setup-failed"; message: string }
  | { kind: "cancelled" };

/** An investigation's sandbox: Droid's image, no network, default limits with one-minute commands. */
const SEARCH_SETTINGS: SandboxConfig = {
  image: SANDBOX_IMAGE,
  setup: [],
  network: "none",
  limits: { ...DEFAULT_LIMITS, commandTimeoutSeconds: 60 },
};
const NO_COMMANDS: RepoCommands = { setup: [], test: null, lint: null };

/** Owns the job's folder and sandbox from the first step on, so `close()` is always safe. */
export class WorkbenchSite {
  readonly #deps: WorkbenchDeps;
  readonly #job: Job;
  readonly #jobDir: string;
  #sandbox: Sandbox | null = null;

  readonly #onStep: (step: "clone" | "sandbox" | "setup") => Promise<void>;

  constructor(deps: WorkbenchDeps, job: Job, onStep: (step: "clone" | "sandbox" | "setup") => Promise<void> = async () => {}) {
    this.#deps = deps;
    this.#job = job;
    this.#onStep = onStep;
    this.#jobDir = jobFolder(deps.dataDir, job.id);
  }

  /**
   * Clones `checkout` (of `repository`, `owner/name` on the configured GitHub host; default the
   * job's repository), starts the sandbox and
   * runs the repo's setup. `searchOnly` (an investigation): a read-only clone in Droid's own
   * image with no network, no setup and short commands, whatever the repository configures.
   * Starts clean: the folder and sandbox an earlier attempt of the job left (its process was
   * killed) are removed first.
   */
  async open(
    checkout: Checkout,
    signal: AbortSignal,
    options: { repository?: string; readOnly?: boolean; searchOnly?: boolean; onRepository?: (repo: Repository) => void; onOutput?: (output: CommandOutput) => void } = {},
  ): Promise<WorkbenchOpening> {
    const deps = this.#deps;
    await this.#onStep("clone");
    await removeLeftoverFolder(deps.dataDir, this.#jobDir);
    await mkdir(this.#jobDir, { recursive: true });
    const token = await deps.token();
    const repository = options.repository ?? `${this.#job.repo.owner}/${this.#job.repo.name}`;
    const repo = await Repository.open({
      cloneUrl: repositoryCloneUrl(deps.githubHost, repository),
      token,
      defaultBranch: this.#job.repo.defaultBranch,
      jobDir: this.#jobDir,
      checkout,
      ...(options.readOnly || options.searchOnly ? { readOnly: true } : {}),
      mirrorsDir: mirrorsFolder(deps.dataDir),
      ...(deps.platform.mirrorsMb ? { mirrorsMb: deps.platform.mirrorsMb } : {}),
      signal,
      logger: deps.log,
    });
    options.onRepository?.(repo);
    if (signal.aborted) return { kind: "cancelled" };
    const settings: SandboxConfig = options.searchOnly ? SEARCH_SETTINGS : sandboxSettings(deps.config);
    const commands = options.searchOnly ? NO_COMMANDS : await resolveRepoCommands(settings, (file) => repo.regularFileText(file));
    const cached = options.searchOnly ? null : await setupCacheEntry(deps, repo, settings, commands, repository);
    await this.#onStep("sandbox");
    await reapJobSandboxes(deps.docker, this.#job.id, deps.log);
    const starting = performance.now();
    const sandbox = await createSandbox(deps.docker, {
      owner: { jobId: this.#job.id, instance: deps.instance },
      ...sandboxRequest(settings, deps),
      secrets: [...deps.secrets, token],
      ...(cached?.volume ? { setupCacheVolume: cached.volume } : {}),
      ...(deps.platform.pool ? { pool: deps.platform.pool } : {}),
      logger: deps.log,
    });
    this.#sandbox = sandbox;
    if (signal.aborted) return { kind: "cancelled" };
    const baseline = await copyFilesIntoSandbox(repo.files(), sandbox);
    deps.metrics?.sandboxStarted((performance.now() - starting) / 1000);
    // The code index reads files on the worker: checked out beside the job while setup runs.
    void repo.readingTree().catch(() => {});
    await this.#onStep("setup");
    const restored = cached?.volume ? await cached.cache.restore(sandbox).then(() => true, (error: unknown) => (deps.log.warn({ err: error }, "the setup cache could not be restored; running setup"), false)) : false;
    // A restored cache skips the commands; runSetup still takes the sandbox off the network.
    const settingUp = performance.now();
    const setup = await runSetup(sandbox, restored ? [] : commands.setup, { timeoutSeconds: settings.limits.setupTimeoutSeconds, signal });
    if (commands.setup.length > 0 && !restored) deps.metrics?.setupFinished((performance.now() - settingUp) / 1000, signal.aborted ? "stopped" : setup.status === "failed" ? "failed" : "succeeded");
    if (restored) deps.log.info({ jobId: this.#job.id, key: cached?.key }, "setup restored from the cache");
    else if (cached && setup.status === "ready" && !signal.aborted) {
      // Right after setup and before any other command: nothing but setup wrote what is kept.
      await cached.cache
        .save(sandbox, cached.key, { repository, image: settings.image ?? SANDBOX_IMAGE, tracked: (relative) => baseline.has(relative) })
        .catch((error: unknown) => deps.log.warn({ err: error }, "setup could not be cached"));
    }
    if (signal.aborted) return { kind: "cancelled" };
    if (setup.status === "failed") {
      return { kind: "setup-failed", message: `I couldn't prepare the repository: \`${setup.command.command}\` ${describeExecResult(setup.result)}.\n\n${setup.message}` };
    }
    const computer = new AgentComputer({
      sandbox,
      commands,
      commandTimeoutSeconds: settings.limits.commandTimeoutSeconds,
      testTimeoutSeconds: settings.limits.commandTimeoutSeconds,
      digestChars: options.searchOnly ? 6_000 : 32_000,
      signal,
      ...(options.onOutput ? { onOutput: options.onOutput } : {}),
    });
    return {
      kind: "ready",
      bench: {
        repo,
        sandbox,
        commands,
        settings,
        computer,
        secrets: [...deps.secrets, token],
        systemPrompt: agentSystemPrompt({ workdir: sandbox.workdir, commandTimeoutSeconds: settings.limits.commandTimeoutSeconds, testCommand: commands.test?.command ?? null }),
        inspect: async () => {
          const sync = await bringChangesBack(sandbox, repo.tree, () => repo.ignoreRules(), baseline).catch((error: unknown) => {
            if (!(error instanceof UnsafeArchiveError)) throw error;
            deps.log.warn({ jobId: this.#job.id, err: error }, "copy-back refused");
            throw new WorkspaceRefusal(unsafeTreeMessage(error));
          });
          repo.markDeleted(sync.deleted);
          return describeChanges(repo);
        },
      },
    };
  }

  /** Removes the sandbox now (the work is back on the worker); `close()` still removes the folder. */
  async removeSandbox(): Promise<void> {
    const sandbox = this.#sandbox;
    this.#sandbox = null;
    await sandbox?.remove().catch((error: unknown) => this.#deps.log.error({ err: error }, "could not remove the sandbox"));
  }

  async close(): Promise<void> {
    await this.removeSandbox();
    await rm(this.#jobDir, { recursive: true, force: true }).catch(() => {});
  }
}

/**
 * The dependency cache entry for this job's setup (docs/sandbox.md, "Dependency cache"): the key
 * from the image, the setup commands, the network policy and the commit's lockfiles; the
 * entry's volume on a hit. Null when the cache is off or there is no setup.
 */
async function setupCacheEntry(deps: WorkbenchDeps, repo: Repository, settings: SandboxConfig, commands: RepoCommands, repository: string): Promise<{ cache: SetupCache; key: string; volume: string | null } | null> {
  const maxMb = deps.platform.setupCacheMb ?? 0;
  if (maxMb === 0 || commands.setup.length === 0) return null;
  try {
    const imageId = (await deps.docker.getImage(settings.image ?? SANDBOX_IMAGE).inspect()).Id;
    const lockfiles: [string, string][] = [];
    for (const relative of (await repo.committedPaths()).filter(isLockfile)) {
      const text = await repo.regularFileText(relative);
      if (text !== null) lockfiles.push([relative, text]);
    }
    const key = setupCacheKey({ repository, imageId, commands: commands.setup.map((c) => c.command), network: settings.network, lockfiles });
    const cache = new SetupCache(deps.docker, { dir: path.join(deps.dataDir, "setup-cache"), maxMb, logger: deps.log });
    return { cache, key, volume: await cache.lookup(key) };
  } catch (error) {
    deps.log.warn({ err: error }, "the setup cache could not be read; running setup");
    return null;
  }
}

/** What the requester reads when the sandbox's work tree holds something Droid will not bring back. */
function unsafeTreeMessage(error: UnsafeArchiveError): string {
  return (
    `the sandbox's work tree holds ${inlineCode(error.entry)}, which I will not bring back: a link that leads outside the repository ` +
    "(or loops), a hard link to a link, or a special file. Something run in the sandbox made it (a command, a test or install script). " +
    "Nothing was committed or pushed; remove it and ask again."
  );
}

/** The figures a job's reports show, read from its ledger at the moment of asking. */
export function runFigures(input: { ledger: UsageLedger; model: string; started: number; now: () => number; jobId: string; pageUrl?: string | null }): () => RunFigures {
  return () => {
    const u = input.ledger.usage;
    const tokensIn = u.input + u.cacheWrite + u.cacheRead;
    return {
      model: input.model,
      inputTokens: tokensIn,
      outputTokens: u.output,
      cachedShare: tokensIn === 0 ? 0 : u.cacheRead / tokensIn,
      costUsd: input.ledger.costUsd,
      durationMs: input.now() - input.started,
      jobId: input.jobId,
      pageUrl: input.pageUrl ?? null,
    };
  };
}

/** How a code run ends after its agent: finished (with or without passing tests), stopped, a limit, the model failing. */
export function jobOutcomeOf(outcome: AgentOutcome): JobOutcome {
  switch (outcome.kind) {
    case "finished":
      return { state: "succeeded", kind: outcome.lastTestRun && !outcome.lastTestRun.summary.ok ? "succeeded-with-failing-tests" : "succeeded" };
    case "cancelled":
      return { state: "cancelled", kind: "stopped-by-user" };
    case "limit":
      return { state: "failed", error: `limit reached: ${outcome.detail}`, kind: LIMIT_KINDS[outcome.limit] };
    case "failed":
      return { state: "failed", error: outcome.reason, kind: "model-error" };
  }
}

/**
 * A code run that pushed nothing: when the agent finished, the kind says why — it changed
 * nothing (`no-change-needed`), or its changes stayed on the worker (`not-pushed`: a fork, a
 * conflicting push, GitHub refusing the push). A run that ended otherwise keeps its kind.
 */
export function unpushedOutcome(outcome: JobOutcome, changes: { files: readonly unknown[] }): JobOutcome {
  if (outcome.state !== "succeeded") return outcome;
  return { state: "succeeded", kind: changes.files.length === 0 ? "no-change-needed" : "not-pushed" };
}

const LIMIT_KINDS = { turns: "turn-limit", time: "time-limit", budget: "budget-reached" } as const;
