/** What Droid says on a Jira ticket in reply to a request (Markdown, sent as ADF). */
import { DEFAULT_COMMAND_WORD } from "../config/names.ts";

export const JIRA_COMMAND_WORD = DEFAULT_COMMAND_WORD;

export function unknownPersonMessage(name: string): string {
  return [
    `Sorry ${name || "there"}, Droid does not know who you are on GitHub, and only people with write access to the repository can ask it to work.`,
    `Ask the operators of this Droid to map your Jira account or email to your GitHub login (\`DROID_JIRA_USERS\`). (I won't repeat this message.)`,
  ].join(" ");
}

export function notAWriterMessage(name: string, login: string, repo: string): string {
  return [
    `Sorry ${name || `@${login}`}, your GitHub account (\`${login}\`) has no write access to \`${repo}\`, and only people with write access can ask Droid to work.`,
    `A maintainer of the repository can comment \`/${JIRA_COMMAND_WORD} plan\` or \`/${JIRA_COMMAND_WORD} fix\` here if they agree. (I won't repeat this message.)`,
  ].join(" ");
}

export function notFromJiraMessage(command: string): string {
  return `\`/${JIRA_COMMAND_WORD} ${command}\` is not available on Jira tickets yet: use it on GitHub. On a ticket Droid answers \`plan\`, \`fix\`, \`ask\`, \`stop\`, \`status\` and \`help\`.`;
}
