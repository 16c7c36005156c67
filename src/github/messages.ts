/**
 * What Droid says in reply to a trigger. Each message says what happened and what
 * the human can do next. User text is only ever quoted inside inline code.
 */
import { docLink } from "../config/docs-link.ts";
import { shortJobId } from "../figures/job-id.ts";
import type { ConfigProblem } from "../config/repo-config.ts";
import { COMMANDS, COMMAND_NAMES, REPO_CONFIG_FILE } from "../config/names.ts";
import type { Job } from "../jobs/types.ts";
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

export function alreadyActiveMessage(job: Job, word: string): string {
  const article = /^[aeiou]/i.test(job.request.kind) ? "An" : "A";
  return `${article} \`${job.request.kind}\` job (\`${job.id}\`) is already ${job.state} here; I'll post its result when it ends. Use \`/${word} status\` to follow it or \`/${word} stop\` to cancel it.`;
}

export function stopMessage(cancelled: readonly Job[], word: string): string {
  if (cancelled.length === 0) return `Nothing to stop: no job is queued or running here. \`/${word} status\` lists the jobs.`;
  const lines = cancelled.map(
    (j) => `- \`${j.request.kind}\` job \`${j.id}\`: ${j.state === "queued" ? "removed from the queue" : "stopping now"}`,
  );
  return ["Stopping:", ...lines, "", "The job's own comment will say what was done before it stopped."].join("\n");
}

export function statusMessage(jobs: readonly Job[], word: string): string {
  if (jobs.length === 0) return `No Droid jobs here yet. \`/${word} help\` lists what I can do.`;
  const rows = jobs.map(
    (j) =>
      `| \`${j.id.slice(0, 8)}\` | ${j.request.kind} | ${j.state}${j.error ? `: ${escapeCell(j.error)}` : ""} | @${j.requester} | ${time(j.createdAt)} | ${time(j.startedAt)} | ${time(j.endedAt)} | $${j.costUsd.toFixed(2)} |`,
  );
  return [
    "| job | kind | state | asked by | queued | started | ended | cost |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ...rows,
  ].join("\n");
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

/** A run stopped by `/<word> stop` before it pushed anything. */
export function stoppedBeforePushMessage(word: string): string {
  return `Stopped by \`/${word} stop\` before any change was pushed. The sandbox was removed.`;
}

/** The one line a retried fix says: its first attempt's process stopped, and the agent began again from the plan. */
export function restartedMessage(): string {
  return "_I restarted after an interruption (the process running this job stopped) and started the agent over from the plan._";
}

export function internalErrorMessage(jobId: string): string {
  return `Droid hit an internal error (job \`${shortJobId(jobId)}\`) and stopped. Nothing was pushed by this job after the error. Try again; if it happens again, tell the app's operators the job id.`;
}

function time(date: Date | null): string {
  return date ? `${date.toISOString().slice(0, 16).replace("T", " ")} UTC` : "–";
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
