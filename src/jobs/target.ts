/** How people read a job's target: `issue #12`, `pull request #7`, `Jira issue 10042` (Jira's id; the key is read from Jira). */
import type { Target } from "./types.ts";

export function describeTarget(target: Target): string {
  switch (target.kind) {
    case "issue":
      return `issue #${target.number}`;
    case "pull_request":
      return `pull request #${target.number}`;
    case "jira_issue":
      return `Jira issue ${target.number}`;
  }
}
