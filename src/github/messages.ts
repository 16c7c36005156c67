/**
 * What Droid says in reply to a trigger. Each message says what happened and what
 * the human can do next. User text is only ever quoted inside inline code.
 */
import { docLink } from "../config/docs-link.ts";
import { shortJobId } from "../figures/job-id.ts";
import type { ConfigProblem } from "../config/repo-config.ts";
import { COMMANDS, COMMAND_NAMES, REPO_CONFIG_FILE } from "../config/names.ts";
import type { Job } from "../jobs/types.ts";
import { formatUsd } from "../figures/money.ts";
import { inlineCode, safeInline } from "./safe-markdown.ts";

export function helpMessage(word: string, label: string): string {
  const rows = COMMAND_NAMES.map((name) => {
    const { args, help } = COMMANDS[name];
    return `| \`/${word} ${name}${args ? ` ${args}` : ""}\` | ${help} |`;
  });
  return [
    `**Droid commands** (write access required; put the command at the start of a line):`,
    "",
    "| command | what it does |",
    "| --- | --- |",
    ...rows,
    "",
    `Adding the label \`${label}\` to an issue also asks for a plan. On a pull request Droid opened, a review with comments asks for a revision.`,
  ].join("\n");
}

export function unknownCommandMessage(word: string, typed: string, label: string): string {
  return [`I don't know the command ${inlineCode(`/${word} ${typed}`)}.`, "", helpMessage(word, label)].join("\n");
}

export function ignoredCommandsNote(word: string, runName: string, ignored: readonly string[]): string {
  const list = ignored.map((line) => `- ${inlineCode(line)}`).join("\n");
  return [
    `This comment has ${ignored.length + 1} \`/${word}\` commands; I run only the first one, \`/${word} ${runName}\`. Ignored:`,
    list,
    "",
    "Post each command in its own comment if you meant them all.",
  ].join("\n");
}

export function refusalMessage(login: string, word: string): string {
  return [
    `Sorry @${login}, only people with write access to this repository can ask Droid to work.`,
    `A maintainer can run \`/${word} plan\` or \`/${word} fix\` here if they agree. (I won't repeat this message.)`,
  ].join(" ");
}

export function configProblemMessage(problems: readonly ConfigProblem[], docsUrl: string | null): string {
  const rows = problems.map((p) => `| \`${p.key}\` | ${p.expected} | ${escapeCell(p.got)} |`);
  return [
    `I can't start: \`.github/${REPO_CONFIG_FILE}\` is not valid.`,
    "",
    "| key | expected | got |",
    "| --- | --- | --- |",
    ...rows,
    "",
    `Fix the file on the default branch and ask again. ${docLink(docsUrl, "README.md", "per-repository-githubdroidyml", "The configuration reference")} lists every key.`,
    ...(problems.some((p) => p.operatorLimit)
      ? ["", "Some values go beyond what this Droid's operators allow: ask for less, or ask them to raise the limit."]
      : []),
  ].join("\n");
}

/** A request for a target that already has a job: it is dropped, not queued, and the message says so and what to do. */
export function alreadyActiveMessage(job: Job, word: string): string {
  const article = /^[aeiou]/i.test(job.request.kind) ? "An" : "A";
  return [
    `${article} \`${job.request.kind}\` job (\`${shortJobId(job.id)}\`) is already ${job.state} here, so I did not take this request: what it asked is dropped, not queued.`,
    job.request.kind === "fix" && job.state === "running" ? "A comment without the command reaches the running fix as guidance at its next step." : "",
    `Ask again once that job has posted its result, or \`/${word} stop\` it and ask again now. \`/${word} status\` shows where it is.`,
  ]
    .filter(Boolean)
    .join(" ");
}

/**
 * The answer to `/<word> stop`, or null when it has nothing to add: a running job says
 * itself, in its own comment, that it stopped and what it had done (one comment, not two).
 * Jobs taken off the queue never run, so this reply is all that is said of them.
 */
export function stopMessage(cancelled: readonly Job[], word: string): string | null {
  if (cancelled.length === 0) return `Nothing to stop: no job is queued or running here. \`/${word} status\` lists the jobs.`;
  const queued = cancelled.filter((j) => j.state === "queued");
  if (queued.length === 0) return null;
  const running = cancelled.filter((j) => j.state !== "queued");
  return [
    `Removed from the queue (${queued.length === 1 ? "it will not run" : "they will not run"}):`,
    ...queued.map((j) => `- \`${j.request.kind}\` job \`${shortJobId(j.id)}\``),
    ...(running.length > 0 ? ["", `Stopping ${running.map((j) => `the \`${j.request.kind}\` job \`${shortJobId(j.id)}\``).join(", ")}: its own comment will say what it did before it stopped.`] : []),
  ].join("\n");
}

/** How many jobs `/<word> status` lists (the newest). */
const STATUS_JOBS = 10;

/**
 * The answer to `/<word> status`: a short list, one line a job, that fits a phone; who asked
 * is named in code, never @-mentioned (a mention would notify every past requester).
 */
export function statusMessage(jobs: readonly Job[], word: string): string {
  if (jobs.length === 0) return `No Droid jobs here yet. \`/${word} help\` lists what I can do.`;
  const shown = [...jobs].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime()).slice(0, STATUS_JOBS);
  const lines = shown.map((j) => {
    const state = j.error ? `${j.state} (${safeInline(oneLine(j.error).slice(0, 120))})` : j.state;
    return `- \`${shortJobId(j.id)}\` ${j.request.kind} · **${state}** · ${formatUsd(j.costUsd)} · ${when(j)} · asked by ${inlineCode(j.requester)}`;
  });
  const older = jobs.length - shown.length;
  return [`**Droid jobs here**, newest first:`, "", ...lines, ...(older > 0 ? ["", `…and ${older} older.`] : [])].join("\n");
}

/** The moment that matters for a job's state: queued, started or ended. */
function when(job: Job): string {
  if (job.endedAt) return `ended ${time(job.endedAt)}`;
  if (job.startedAt) return `started ${time(job.startedAt)}`;
  return `queued ${time(job.createdAt)}`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

export function planOnPullRequestMessage(word: string): string {
  return `Plans are made on issues. On a pull request, use \`/${word} fix <instructions>\` to ask for a change, or review it with comments.`;
}

export function askWithoutQuestionMessage(word: string): string {
  return `Ask a question after the command, e.g. \`/${word} ask where is the retry delay computed?\` — I'll answer from the code on the default branch, citing files and lines.`;
}

export function forkMessage(): string {
  return "This pull request's branch lives in a fork, and Droid can only push to branches in this repository. I'll make the change in a sandbox and post it here as a patch you can apply.";
}

export function forkGoneMessage(): string {
  return "The fork behind this pull request no longer exists, so there is no branch to work on. Open the change from a branch in this repository instead.";
}

export function closedPullRequestMessage(): string {
  return "This pull request is closed, so I won't change it. Reopen it, or ask on the issue for a new one.";
}

export function jobNotRecordedMessage(storeProblem: string): string {
  return `I could not record this request, so nothing will run for it. ${storeProblem}`;
}

/**
 * Who stopped a run, after "stopped": "by `alice` (`/droid stop`)", or "by `/droid stop`" when
 * no person is known (a job stopped before stops were attributed). The login is in code: it
 * names the person without notifying them (docs/style.md).
 */
export function stoppedByPhrase(word: string, stoppedBy: string | null): string {
  return stoppedBy === null ? `by \`/${word} stop\`` : `by ${inlineCode(stoppedBy)} (\`/${word} stop\`)`;
}

/** A run stopped by `/<word> stop` before it pushed anything. */
export function stoppedBeforePushMessage(word: string, stoppedBy: string | null): string {
  return `Stopped ${stoppedByPhrase(word, stoppedBy)} before any change was pushed. The sandbox was removed.`;
}

/** A root-cause analysis stopped by `/<word> stop`; unnamed when nobody is known. */
export function rcaStoppedMessage(word: string, stoppedBy: string | null): string {
  return stoppedBy === null ? "The root-cause analysis was stopped." : `The root-cause analysis was stopped ${stoppedByPhrase(word, stoppedBy)}.`;
}

/** The one line a retried fix says: its first attempt's process stopped, and the agent began again from the plan. */
export function restartedMessage(): string {
  return "_I restarted after an interruption (the process running this job stopped) and started the agent over from the plan._";
}

export function internalErrorMessage(jobId: string): string {
  return `Droid hit an internal error (job \`${shortJobId(jobId)}\`) and stopped. Nothing was pushed by this job after the error. Try again; if it happens again, tell the app's operators the job id.`;
}

function time(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

/** The hidden marker of the one comment that says Droid stopped fixing a pull request's CI. */
export const CI_STOPPED_MARKER = "<!-- droid:ci-stopped -->";

/** After the last automatic attempt: what still fails, and that Droid stops here. */
export function ciStoppedMessage(input: { failing: readonly { name: string; url: string | null }[]; attempts: number; headSha: string; word: string }): string {
  const names = input.failing.map((c) => (c.url ? `[${safeInline(c.name)}](${c.url})` : inlineCode(c.name))).join(", ");
  const tried = input.attempts === 1 ? "one automatic attempt" : `${input.attempts} automatic attempts`;
  return [
    `CI still fails on \`${input.headSha.slice(0, 7)}\`: ${names}.`,
    "",
    `I made ${tried} to fix this pull request's CI, the most this repository allows (\`ci.maxAttempts\` in \`.github/droid.yml\`), so I stop here. Comment \`/${input.word} fix <what to change>\` to ask for another revision.`,
    "",
    CI_STOPPED_MARKER,
  ].join("\n");
}
