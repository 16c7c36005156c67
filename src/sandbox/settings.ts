import { z } from "zod";

/**
 * The `.github/droid.yml` keys the sandbox owns: `image`, `setup`, `test`, `lint`, `network`,
 * `limits`. The config module composes `sandboxConfigShape` into the full repo schema.
 */

export const NETWORK_POLICIES = ["none", "setup", "full"] as const;
export type NetworkPolicy = (typeof NETWORK_POLICIES)[number];

/** Resource limits of one sandbox. Every default is documented in docs/sandbox.md. */
export const sandboxLimitsSchema = z
  .object({
    /** Memory limit in MiB; swap is disabled (memory + swap = memory). */
    memoryMb: z.number().int().min(64).max(65_536).default(2048),
    /** CPU quota in CPUs (fractions allowed). */
    cpus: z.number().positive().max(64).default(2),
    /** Maximum number of processes and threads in the container. */
    pids: z.number().int().min(16).max(32_768).default(512),
    /** Size of the `/tmp` tmpfs in MiB (counts against the memory limit when filled). */
    tmpMb: z.number().int().min(1).max(16_384).default(512),
    /** Default per-command timeout in seconds (the agent may ask for less, never for more). */
    commandTimeoutSeconds: z.number().int().min(1).max(86_400).default(600),
    /** Timeout in seconds of each `setup` command. */
    setupTimeoutSeconds: z.number().int().min(1).max(86_400).default(1200),
    /** Bytes of stdout and of stderr kept in memory per command (head and tail); the rest is in the log file. */
    outputBytes: z.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
  })
  .strict();

export type SandboxLimits = z.infer<typeof sandboxLimitsSchema>;

export const DEFAULT_LIMITS: SandboxLimits = sandboxLimitsSchema.parse({});

const commandSchema = z.string().trim().min(1, "a command cannot be empty");

/** Shape to spread into the repo config object schema. */
export const sandboxConfigShape = {
  /** Image to run the repo's commands in; absent → Droid's own image (SANDBOX_IMAGE). */
  image: z.string().trim().min(1).optional(),
  /** Commands that prepare the work tree (e.g. `npm ci`); absent → detected from the repo. */
  setup: z
    .union([commandSchema, z.array(commandSchema)])
    .transform((value) => (typeof value === "string" ? [value] : value))
    .optional(),
  /** The command that proves a change; absent → detected from the repo. */
  test: commandSchema.optional(),
  /** An optional lint command; absent → detected from the repo. */
  lint: commandSchema.optional(),
  network: z.enum(NETWORK_POLICIES).default("none"),
  limits: sandboxLimitsSchema.prefault({}),
};

export const sandboxConfigSchema = z.object(sandboxConfigShape);
export type SandboxConfig = z.infer<typeof sandboxConfigSchema>;

/** One command the sandbox will run, with where it came from (stated in the plan). */
export interface RepoCommand {
  command: string;
  source: "config" | "detected";
  /** Why: ".github/droid.yml" or e.g. "package-lock.json". */
  reason: string;
}

export interface RepoCommands {
  setup: RepoCommand[];
  test: RepoCommand | null;
  lint: RepoCommand | null;
}

/** Reads a file at the repository root; null when it does not exist. */
export type ReadRepoFile = (path: string) => Promise<string | null>;

const packageJsonSchema = z.object({ scripts: z.record(z.string(), z.string()).optional() }).loose();

/** Default commands detected from the repository's files, in order of precedence. */
export async function detectRepoCommands(readFile: ReadRepoFile): Promise<RepoCommands> {
  const packageJson = await readFile("package.json");
  if (packageJson !== null) {
    const parsed = packageJsonSchema.safeParse(safeJson(packageJson));
    const scripts = parsed.success ? (parsed.data.scripts ?? {}) : {};
    const hasLock = (await readFile("package-lock.json")) !== null;
    return {
      setup: [detected(hasLock ? "npm ci" : "npm install", hasLock ? "package-lock.json" : "package.json")],
      test: scripts["test"] === undefined ? null : detected("npm test", "package.json scripts.test"),
      lint: scripts["lint"] === undefined ? null : detected("npm run lint", "package.json scripts.lint"),
    };
  }
  if ((await readFile("pyproject.toml")) !== null) {
    return {
      setup: [
        detected("python3 -m venv /droid/venv", "pyproject.toml"),
        detected("pip install -e . pytest", "pyproject.toml"),
      ],
      test: detected("pytest", "pyproject.toml"),
      lint: null,
    };
  }
  if ((await readFile("go.mod")) !== null) {
    return { setup: [detected("go mod download", "go.mod")], test: detected("go test ./...", "go.mod"), lint: null };
  }
  if ((await readFile("Cargo.toml")) !== null) {
    return { setup: [detected("cargo fetch", "Cargo.toml")], test: detected("cargo test", "Cargo.toml"), lint: null };
  }
  return { setup: [], test: null, lint: null };
}

/** The repo's commands: configured keys win, each absent key falls back to detection. */
export async function resolveRepoCommands(config: SandboxConfig, readFile: ReadRepoFile): Promise<RepoCommands> {
  const found = await detectRepoCommands(readFile);
  return {
    setup: config.setup === undefined ? found.setup : config.setup.map(configured),
    test: config.test === undefined ? found.test : configured(config.test),
    lint: config.lint === undefined ? found.lint : configured(config.lint),
  };
}

/** One line per command for the plan, e.g. "test: `npm test` (detected from package.json scripts.test)". */
export function describeRepoCommands(commands: RepoCommands): string[] {
  return [
    ...commands.setup.map((c) => line("setup", c)),
    ...(commands.test ? [line("test", commands.test)] : ["test: none found — add `test:` to .github/droid.yml"]),
    ...(commands.lint ? [line("lint", commands.lint)] : []),
  ];
}

function configured(command: string): RepoCommand {
  return { command, source: "config", reason: ".github/droid.yml" };
}

function line(role: string, command: RepoCommand): string {
  return `${role}: \`${command.command}\` (${command.source === "config" ? "from" : "detected from"} ${command.reason})`;
}

function detected(command: string, reason: string): RepoCommand {
  return { command, source: "detected", reason };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
