/**
 * Names a user types or sees, spelled in one place each.
 */

/** The label that asks Droid for a plan (overridable per repo with `label`). */
export const DEFAULT_LABEL = "droid";

/** The command word after the slash: `/droid …` (overridable per repo with `command`). */
export const DEFAULT_COMMAND_WORD = "droid";

/** The label of incident issues Droid opens from Sentry alerts (with the trigger label). */
export const INCIDENT_LABEL = "incident";

/** Where the per-repo configuration lives, relative to `.github/`. */
export const REPO_CONFIG_FILE = "droid.yml";

/** The commands Droid understands, with the one-line help shown to users. */
export const COMMANDS = {
  plan: { args: "[feedback]", help: "Write a plan for this issue, or revise the existing plan with your feedback." },
  fix: { args: "[instructions]", help: "Carry out the plan in a sandbox and open (or update) a pull request." },
  rca: { args: "", help: "Find the root cause of the stack trace in this issue and write an incident report." },
  ask: { args: "<question>", help: "Answer a question about the code, citing files and lines; changes nothing." },
  stop: { args: "", help: "Cancel the running or queued job on this issue or pull request." },
  status: { args: "", help: "Show the jobs for this issue or pull request: state, start, end." },
  help: { args: "", help: "Show this list of commands." },
} as const;

export type CommandName = keyof typeof COMMANDS;

export const COMMAND_NAMES = Object.keys(COMMANDS) as CommandName[];

export function isCommandName(word: string): word is CommandName {
  return Object.hasOwn(COMMANDS, word);
}
