/**
 * `/droid rca` on an issue: the issue must hold a stack trace (in its body, in any
 * supported language) or be an incident issue Droid opened. The check runs on the
 * webhook's request path, so the user hears at once when there is nothing to analyse.
 */
import type { GitHubClient } from "./octokit.ts";
import type { JobRequest, Target } from "../jobs/types.ts";
import { readIncidentRecord } from "../incidents/record.ts";
import { parseStackTrace } from "../incidents/stacktrace/parse.ts";

export type RcaRequest = { kind: "request"; request: JobRequest } | { kind: "refused"; message: string };

export async function rcaRequest(
  octokit: GitHubClient,
  repo: { owner: string; name: string },
  target: Target,
  commandWord: string,
): Promise<RcaRequest> {
  if (target.kind === "pull_request") {
    return { kind: "refused", message: `\`/${commandWord} rca\` works on issues: open an issue with the stack trace in its description and ask there.` };
  }
  const { data: issue } = await octokit.rest.issues.get({ owner: repo.owner, repo: repo.name, issue_number: target.number });
  const record = readIncidentRecord(issue.body);
  if (record && (record.frames.length > 0 || record.exception !== null)) {
    return { kind: "request", request: { kind: "rca", source: "issue", sentryIssueId: record.sentryIssueId } };
  }
  const trace = parseStackTrace(issue.body ?? "");
  if (!trace) return { kind: "refused", message: noTraceMessage(commandWord) };
  return { kind: "request", request: { kind: "rca", source: "issue", sentryIssueId: null } };
}

export function noTraceMessage(commandWord: string): string {
  return [
    `I found no stack trace in this issue's description, so there is nothing for \`/${commandWord} rca\` to analyse.`,
    "Paste the full trace (Python, JavaScript/TypeScript, Java, Go or Ruby) into the description, ideally in a code block, and ask again.",
  ].join(" ");
}
