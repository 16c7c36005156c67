// The structured answer of the `run_tests` tool: which runner ran, how many tests
// passed, failed and were skipped, and each failing test with its first assertion
// message. Pure: parses the runner's ordinary console output.

import { outputLines } from "./output-text.ts";
import { parseRunnerOutput, type PackageCounts, type TestRunner } from "./test-runners.ts";
import { formatCount } from "../figures/count.ts";

export type { TestRunner } from "./test-runners.ts";

export interface TestFailure {
  name: string;
  /** The first assertion or error message of the failure ("" when the runner printed none). */
  message: string;
}

export type TestSummary =
  | {
      runner: TestRunner;
      /** The command exited 0 and no test failed. */
      ok: boolean;
      passed: number;
      /** Tests that did not pass, errors included. */
      failed: number;
      /** How many of `failed` the runner reported as errors (pytest `error`, surefire `Errors:`). */
      errors: number;
      skipped: number;
      /** go test's per-package verdicts; null for the other runners. */
      packages: PackageCounts | null;
      failures: TestFailure[];
    }
  | {
      /** No known runner's output: only the exit code says how it went. */
      runner: "unknown";
      ok: boolean;
      exitCode: number | null;
    };

export function parseTestSummary(output: string, exitCode: number | null): TestSummary {
  return summariseTestLines(outputLines(output), exitCode);
}

/** Same as `parseTestSummary`, on output already split by `outputLines`. */
export function summariseTestLines(lines: readonly string[], exitCode: number | null): TestSummary {
  const parsed = parseRunnerOutput(lines);
  if (parsed === null) return { runner: "unknown", ok: exitCode === 0, exitCode };
  return { ...parsed, ok: exitCode === 0 && parsed.failed === 0 };
}

/**
 * One line, with the figures the runner printed: `tests (vitest): 5 failed, 2 passed, 1 skipped`,
 * `tests (maven): 4 failed, 4 errors, 4,000 passed`, `tests (go): 5 failed, 49,648 passed; packages: 5 failed, 35 ok`.
 */
export function renderTestSummaryLine(summary: TestSummary): string {
  if (summary.runner === "unknown") {
    const exit = summary.exitCode === null ? "was killed" : `exited with code ${summary.exitCode}`;
    return `tests: no known test runner output; the command ${exit}`;
  }
  const parts = [`${formatCount(summary.failed - summary.errors)} failed`];
  if (summary.errors > 0) parts.push(`${formatCount(summary.errors)} error${summary.errors === 1 ? "" : "s"}`);
  parts.push(`${formatCount(summary.passed)} passed`);
  if (summary.skipped > 0) parts.push(`${formatCount(summary.skipped)} skipped`);
  const packages = summary.packages === null ? "" : `; packages: ${formatCount(summary.packages.failed)} failed, ${formatCount(summary.packages.ok)} ok`;
  return `tests (${summary.runner}): ${parts.join(", ")}${packages}${summary.ok ? "" : " (not ok)"}`;
}

/** The summary as the model reads it: the counts line, then each failing test and its message. */
export function renderTestSummary(summary: TestSummary, maxFailures = 50): string {
  const lines = [renderTestSummaryLine(summary)];
  if (summary.runner === "unknown") return lines[0] ?? "";
  const listed = summary.failures.slice(0, maxFailures);
  if (listed.length > 0) lines.push("failing:");
  for (const failure of listed) lines.push(`- ${failure.name}${failure.message === "" ? "" : `: ${failure.message}`}`);
  if (summary.failures.length > listed.length) lines.push(`… and ${formatCount(summary.failures.length - listed.length)} more failing tests`);
  return lines.join("\n");
}
