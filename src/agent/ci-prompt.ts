/**
 * The task message of a CI revision: each failing check as fenced DATA from the CI system
 * (its failed steps, the digest of its log — the same digest a command's output gets —,
 * its own report and annotations with file and line), the pull request's diff, and the code.
 * Nothing here is an instruction from a person: nobody asked.
 */
import { renderMapSection, renderRelevantSection, type CodeContext } from "../planning/code-context.ts";
import { dataBlock, droidRecord, labelText, prompt, toolOutput } from "../prompting/index.ts";
import type { Plan, Subtask } from "../planning/schema.ts";
import { digestOutput } from "./digest.ts";

export interface CiAnnotationInput {
  path: string;
  line: number | null;
  level: string;
  message: string;
  title: string | null;
}

/** One failing check, as the run read it. */
export interface CiFailureInput {
  name: string;
  kind: "actions-job" | "check-run" | "status";
  conclusion: string | null;
  failedSteps: readonly string[];
  /** The log's digest (`digestCiLog`), or null. */
  logDigest: string | null;
  logProblem: string | null;
  report: string;
  annotations: readonly CiAnnotationInput[];
  /** The same check fails on the default branch's latest commit. */
  preexisting: boolean;
}

export interface CiTaskInput {
  repo: string;
  pullNumber: number;
  branch: string;
  headSha: string;
  defaultBranch: string;
  failures: readonly CiFailureInput[];
  commands: string;
  /** The pull request's diff against its base, as GitHub gives it (bounded). */
  diff: string;
  code: CodeContext | null;
}

const MAX_REPORT_CHARS = 12_000;
const MAX_DIFF_CHARS = 40_000;
const LOG_DIGEST_CHARS = 24_000;

/** A CI job's log as the agent reads a command's output: errors and failing tests kept, the rest folded. */
export function digestCiLog(input: { check: string; text: string; bytes: number; truncated: boolean }): string {
  const digest = digestOutput({ command: `the log of CI job ${input.check}`, exitCode: 1, output: input.text, savedPath: "(not saved: ask for the check's log on GitHub)" }, { budgetChars: LOG_DIGEST_CHARS });
  return input.truncated ? `${digest}\n(the log had ${input.bytes} bytes; its middle was not downloaded)` : digest;
}

export function ciRevisionTaskMessage(input: CiTaskInput): string {
  const preexisting = input.failures.filter((f) => f.preexisting).map((f) => `\`${labelText(f.name).replaceAll("`", "'")}\``);
  return prompt("ci-revision-task", {
    pr_number: String(input.pullNumber),
    repo: input.repo,
    branch: input.branch,
    head_sha: input.headSha,
    preexisting_rule: preexisting.length === 0 ? prompt("ci-preexisting-none", {}) : prompt("ci-preexisting-some", { checks: preexisting.join(", "), default_branch: input.defaultBranch }),
    failure_count: String(input.failures.length),
    failures: input.failures.map(failureBlock).join("\n\n"),
    commands: input.commands,
    diff: dataBlock({ what: "the pull request's diff against its base", from: droidRecord, text: input.diff.slice(0, MAX_DIFF_CHARS), format: "diff" }),
    code: input.code ? prompt("revise-code", { map: renderMapSection(input.code), relevant: renderRelevantSection(input.code) }) : "",
  });
}

function failureBlock(f: CiFailureInput): string {
  const from = toolOutput(`CI check ${f.name}`);
  const steps = f.failedSteps.length > 0 ? prompt("ci-failed-steps", { steps: f.failedSteps.map((s) => `\`${labelText(s).replaceAll("`", "'")}\``).join(", ") }) : "";
  const parts = [
    prompt("ci-revision-check", { name: labelText(f.name).replaceAll("`", "'"), kind: f.kind, conclusion: f.conclusion ?? "failed", steps: [steps, f.preexisting ? prompt("ci-check-preexisting", {}) : ""].filter(Boolean).join(" ") }),
  ];
  if (f.logDigest !== null) parts.push(dataBlock({ what: "the digest of the job's log", from, text: f.logDigest, format: "text" }));
  else if (f.logProblem !== null) parts.push(prompt("ci-log-unreadable", { problem: labelText(f.logProblem) }));
  if (f.report.trim() !== "") parts.push(dataBlock({ what: "the check's report", from, text: f.report, format: "markdown", maxChars: MAX_REPORT_CHARS }));
  if (f.annotations.length > 0) {
    const lines = f.annotations.map((a) => `${a.path}${a.line === null ? "" : `:${a.line}`}: ${a.level}: ${a.title ? `${a.title}: ` : ""}${a.message}`);
    parts.push(dataBlock({ what: "the check's annotations (file:line: level: message)", from, text: lines.join("\n"), format: "text", maxChars: MAX_REPORT_CHARS }));
  }
  return parts.join("\n\n");
}

/** The live checklist of a CI revision: one unit per failing check this pull request broke (at most 20). */
export function ciChecklist(failures: readonly CiFailureInput[]): Plan {
  const subtasks: Subtask[] = failures
    .filter((f) => !f.preexisting)
    .slice(0, 20)
    .map((f, i) => ({
      id: `S${i + 1}`,
      title: `Make the check ${f.name} pass`.slice(0, 120),
      change: "Find the cause in its log, report and annotations; fix the code (never the check).".slice(0, 1500),
      files: [...new Set(f.annotations.map((a) => a.path))].slice(0, 20).map((p) => p.slice(0, 200)),
      verification: "The command the check runs passes in the sandbox.",
      state: "todo",
    }));
  return {
    summary: `Fix the ${subtasks.length} failing CI check(s) of the pull request.`,
    kind: "revision",
    subtasks,
    testing: "Run what the failing checks run (tests, type check, linter) after each change and before finishing.",
    risks: [],
    rollout: { featureFlag: null, migration: null, deployment: null },
    openQuestions: [],
    checks: [],
    template: { kind: "revision", title: "CI revision", source: "built-in", chosenBy: "model" },
  };
}
