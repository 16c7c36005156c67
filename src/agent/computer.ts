/**
 * Executes the agent's tools in the sandbox and turns every result into text the
 * model can use: command output is digested, searches are capped and counted, test
 * runs are summarised, and an edit that adds lint problems is reported at once.
 */
import type { ExecResult, RepoCommands, Sandbox } from "../sandbox/index.ts";
import { describeExecResult } from "../sandbox/index.ts";
import { digestOutput } from "./digest.ts";
import { runEditor } from "./editor.ts";
import { parseTestSummary, renderTestSummary, type TestSummary } from "./test-summary.ts";
import type { EditorInput } from "./tools/inputs.ts";
import { shellQuote, type PathPolicy } from "./workspace-path.ts";

export interface ToolAnswer {
  text: string;
  isError: boolean;
}

/** Thrown when a command was killed because the job was cancelled. */
export class CommandCancelled extends Error {
  constructor() {
    super("command cancelled");
    this.name = "CommandCancelled";
  }
}

export interface TestRun {
  command: string;
  summary: TestSummary;
  exitCode: number | null;
  /** One line for comments and the PR body. */
  line: string;
}

export interface ComputerOptions {
  sandbox: Sandbox;
  commands: RepoCommands;
  commandTimeoutSeconds: number;
  testTimeoutSeconds: number;
  /** Characters of digest per tool result (about 4 a token). */
  digestChars: number;
  signal: AbortSignal;
  /** Given every command's whole output once it ended (the job's transcript keeps it as the full log). */
  onOutput?: (output: CommandOutput) => void;
}

/** A command's whole output, where the sandbox saved it, and how it ended. */
export interface CommandOutput {
  command: string;
  /** The log file in the sandbox the digest names. */
  logPath: string;
  output: string;
  exitCode: number | null;
  durationMs: number;
}

const QUIET_ENV = {
  PAGER: "cat",
  GIT_PAGER: "cat",
  MANPAGER: "cat",
  TERM: "dumb",
  NO_COLOR: "1",
  CI: "true",
  DEBIAN_FRONTEND: "noninteractive",
  GIT_TERMINAL_PROMPT: "0",
};

const MAX_LOG_BYTES = 64 * 1024 * 1024;
const SEARCH_FILE_CAP = 50;
const SEARCH_LINE_CAP = 200;
const FIND_CAP = 200;

export class AgentComputer {
  readonly #o: ComputerOptions;
  readonly #lintBaseline = new Map<string, number>();
  readonly policy: PathPolicy;
  lastTestRun: TestRun | null = null;

  constructor(options: ComputerOptions) {
    this.#o = options;
    this.policy = { workdir: options.sandbox.workdir, readOnlyRoots: ["/droid/out"] };
  }

  get hasTests(): boolean {
    return this.#o.commands.test !== null;
  }

  async bash(command: string): Promise<ToolAnswer> {
    const result = await this.#exec(command, this.#o.commandTimeoutSeconds);
    return { text: await this.#digest(result), isError: result.kind !== "completed" };
  }

  async editor(input: EditorInput): Promise<ToolAnswer & { changedPath: string | null; viewedPath: string | null }> {
    const lintBefore = input.command !== "view" ? await this.#lintBaselineFor(input.path) : null;
    const result = await runEditor(this.#o.sandbox, input, this.policy);
    if (result.changedPath === null || lintBefore === null) return result;
    const lint = await this.#lint(result.changedPath);
    if (lint === null) return result;
    this.#lintBaseline.set(result.changedPath, lint.problems);
    if (lint.problems <= lintBefore) return result;
    return {
      ...result,
      text: `${result.text}\n\nLint found ${lint.problems - lintBefore} new problem(s) after this edit (${lint.problems} now, ${lintBefore} before):\n${lint.digest}`,
    };
  }

  async searchCode(input: { pattern: string; path?: string | undefined; glob?: string | undefined; case_sensitive: boolean; show_lines: boolean }): Promise<ToolAnswer> {
    const flags = [input.case_sensitive ? "" : "-i", input.glob ? `-g ${shellQuote(input.glob)}` : ""].filter(Boolean).join(" ");
    const where = shellQuote(input.path ?? ".");
    const counts = await this.#exec(`rg --count-matches --no-messages ${flags} -e ${shellQuote(input.pattern)} -- ${where}`, 120);
    if (counts.kind === "completed" && counts.exitCode === 2) return { text: `search failed: ${counts.stderr.trim() || "invalid pattern"}`, isError: true };
    const rows = counts.stdout
      .split("\n")
      .map((l) => /^(.*):(\d+)$/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ file: (m[1] ?? "").replace(/^\.\//, ""), count: Number(m[2]) }))
      .sort((a, b) => b.count - a.count || a.file.localeCompare(b.file));
    if (rows.length === 0) return { text: `No matches for ${JSON.stringify(input.pattern)}.`, isError: false };
    const total = rows.reduce((sum, r) => sum + r.count, 0);
    const shown = rows.slice(0, SEARCH_FILE_CAP);
    const lines = [`${total} matches in ${rows.length} files${rows.length > shown.length ? ` (showing the ${shown.length} with most matches; narrow your search with path or glob)` : ""}:`];
    for (const r of shown) lines.push(`${r.file}: ${r.count}`);
    if (input.show_lines) {
      const detail = await this.#exec(`rg -n --no-messages --max-columns 300 ${flags} -e ${shellQuote(input.pattern)} -- ${where} | head -${SEARCH_LINE_CAP + 1}`, 120);
      const matchLines = detail.stdout.split("\n").filter(Boolean);
      lines.push("", ...matchLines.slice(0, SEARCH_LINE_CAP).map((l) => l.replace(/^\.\//, "")));
      if (matchLines.length > SEARCH_LINE_CAP) lines.push(`… more than ${SEARCH_LINE_CAP} matching lines; narrow your search.`);
    }
    return { text: lines.join("\n"), isError: false };
  }

  async findFiles(input: { pattern: string; path?: string | undefined }): Promise<ToolAnswer> {
    const result = await this.#exec(`rg --files --no-messages -g ${shellQuote(input.pattern)} -- ${shellQuote(input.path ?? ".")} | sort | head -${FIND_CAP + 1}`, 120);
    const files = result.stdout.split("\n").filter(Boolean).map((f) => f.replace(/^\.\//, ""));
    if (files.length === 0) return { text: `No files match ${JSON.stringify(input.pattern)}.`, isError: false };
    const more = files.length > FIND_CAP ? `\n… more than ${FIND_CAP} files; narrow the pattern.` : "";
    return { text: `${files.slice(0, FIND_CAP).join("\n")}${more}`, isError: false };
  }

  async runTests(filter?: string): Promise<ToolAnswer & { run: TestRun | null }> {
    const test = this.#o.commands.test;
    if (!test) return { text: "This repository has no test command (add `test:` to .github/droid.yml).", isError: true, run: null };
    const command = filter ? `${test.command} ${shellQuote(filter)}` : test.command;
    const result = await this.#exec(command, this.#o.testTimeoutSeconds);
    const output = await this.#fullOutput(result);
    const exitCode = result.kind === "completed" ? result.exitCode : null;
    const summary = parseTestSummary(output, exitCode);
    const run: TestRun = { command, summary, exitCode, line: `${renderTestSummary(summary).split("\n")[0]} — \`${command}\`` };
    if (!filter) this.lastTestRun = run;
    const digest = digestOutput({ command, exitCode, output, savedPath: result.logPath, durationMs: result.durationMs, timedOut: result.kind === "timed-out" }, { budgetChars: this.#o.digestChars });
    const status = result.kind === "completed" ? "" : `The test command ${describeExecResult(result)}.\n`;
    return { text: `${status}${renderTestSummary(summary)}\n\n${digest}`, isError: false, run };
  }

  async #lintBaselineFor(inputPath: string): Promise<number | null> {
    if (!this.#o.commands.lint) return null;
    const absolute = inputPath.startsWith("/") ? inputPath : `${this.policy.workdir}/${inputPath}`;
    const known = this.#lintBaseline.get(absolute);
    if (known !== undefined) return known;
    const lint = await this.#lint(absolute);
    const problems = lint?.problems ?? 0;
    this.#lintBaseline.set(absolute, problems);
    return problems;
  }

  async #lint(file: string): Promise<{ problems: number; digest: string } | null> {
    const lint = this.#o.commands.lint;
    if (!lint) return null;
    const exists = await this.#exec(`test -f ${shellQuote(file)}`, 30);
    if (exists.kind !== "completed" || exists.exitCode !== 0) return { problems: 0, digest: "" };
    const command = `${lint.command} ${shellQuote(file)}`;
    const result = await this.#exec(command, this.#o.commandTimeoutSeconds);
    const output = await this.#fullOutput(result);
    const exitCode = result.kind === "completed" ? result.exitCode : null;
    const problems = exitCode === 0 ? 0 : output.split("\n").filter((l) => /\d+:\d+|\berror\b|\bwarning\b/i.test(l)).length || 1;
    return { problems, digest: digestOutput({ command, exitCode, output, savedPath: result.logPath }, { budgetChars: 6_000 }) };
  }

  async #exec(command: string, timeoutSeconds: number): Promise<ExecResult> {
    const result = await this.#o.sandbox.exec(command, { timeoutSeconds, env: QUIET_ENV, signal: this.#o.signal });
    if (result.kind === "killed" && result.reason === "aborted") throw new CommandCancelled();
    return result;
  }

  async #digest(result: ExecResult): Promise<string> {
    const output = await this.#fullOutput(result);
    const exitCode = result.kind === "completed" ? result.exitCode : null;
    const note = result.kind === "completed" ? "" : `Note: the command ${describeExecResult(result)}.\n`;
    return note + digestOutput(
      { command: result.command, exitCode, output, savedPath: result.logPath, durationMs: result.durationMs, timedOut: result.kind === "timed-out" },
      { budgetChars: this.#o.digestChars },
    );
  }

  /** The whole output (told to `onOutput`). */
  async #fullOutput(result: ExecResult): Promise<string> {
    const output = await this.#readOutput(result);
    const exitCode = result.kind === "completed" ? result.exitCode : null;
    this.#o.onOutput?.({ command: result.command, logPath: result.logPath, output, exitCode, durationMs: result.durationMs });
    return output;
  }

  /** The kept head and tail when nothing was cut, else the saved log. */
  async #readOutput(result: ExecResult): Promise<string> {
    if (!result.truncated) return result.stderr ? `${result.stdout}${result.stdout.endsWith("\n") || !result.stdout ? "" : "\n"}${result.stderr}` : result.stdout;
    if (result.kind === "killed" && result.reason === "unstoppable") return `${result.stdout}\n${result.stderr}`;
    try {
      const log = await this.#o.sandbox.readFile(result.logPath);
      return log.subarray(0, MAX_LOG_BYTES).toString("utf8");
    } catch {
      return `${result.stdout}\n${result.stderr}`;
    }
  }
}
