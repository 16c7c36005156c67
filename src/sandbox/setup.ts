import type { ExecResult } from "./exec-result.ts";
import { describeExecResult, succeeded } from "./exec-result.ts";
import type { Sandbox } from "./sandbox.ts";
import type { RepoCommand } from "./settings.ts";

export type SetupOutcome =
  | { status: "ready"; results: ExecResult[] }
  | { status: "failed"; command: RepoCommand; result: ExecResult; results: ExecResult[]; message: string };

/**
 * Runs the repo's setup commands in order, stopping at the first failure. Under the `setup`
 * network policy the sandbox is disconnected afterwards, whatever happened, so the agent
 * never gets network access.
 */
export async function runSetup(
  sandbox: Sandbox,
  commands: readonly RepoCommand[],
  options: { timeoutSeconds: number; signal?: AbortSignal },
): Promise<SetupOutcome> {
  const results: ExecResult[] = [];
  try {
    for (const command of commands) {
      const result = await sandbox.exec(command.command, {
        timeoutSeconds: options.timeoutSeconds,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      results.push(result);
      if (!succeeded(result)) {
        return { status: "failed", command, result, results, message: setupFailureMessage(sandbox, command, result) };
      }
    }
    return { status: "ready", results };
  } finally {
    if (sandbox.network === "setup") await sandbox.disconnectNetwork();
  }
}

function setupFailureMessage(sandbox: Sandbox, command: RepoCommand, result: ExecResult): string {
  const origin = command.source === "config" ? "from .github/droid.yml" : `detected from ${command.reason}`;
  const hint =
    sandbox.network === "none"
      ? " The sandbox has no network (`network: none`); if setup must download dependencies, set `network: setup` in .github/droid.yml."
      : "";
  return `Setup command \`${command.command}\` (${origin}) ${describeExecResult(result)}.${hint}`;
}
