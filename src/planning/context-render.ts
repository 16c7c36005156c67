import { dataBlock, instructionBlock } from "../prompting/fence.ts";
import type { IssueContext } from "./issue-context.ts";

/**
 * The repository part of the context: stable across jobs on the same repository, so it
 * sits in the cached prompt prefix.
 */
export function renderRepoContext(ctx: IssueContext): string {
  const { repo } = ctx;
  const languages = repo.languages.length === 0 ? "unknown" : repo.languages.map((l) => `${l.name} ${l.percent}%`).join(", ");
  const lines = [
    `Repository: ${repo.nameWithOwner} (default branch \`${repo.defaultBranch}\`)`,
    `Primary languages: ${languages}`,
    "",
    dataBlock("repository description", repo.description ?? "(none)"),
    "",
    dataBlock(`top-level entries of \`${repo.defaultBranch}\``, repo.topLevel.length === 0 ? "(empty)" : repo.topLevel.join("\n")),
  ];
  for (const file of repo.files) {
    lines.push("", dataBlock(`${file.path} from \`${repo.defaultBranch}\``, file.text, "markdown"));
  }
  if (repo.missing.length > 0) lines.push("", `Not present in the repository: ${repo.missing.join(", ")}.`);
  return lines.join("\n");
}

/** The issue part: title, labels, links, body and the writer comments before the trigger. */
export function renderIssueContext(ctx: IssueContext): string {
  const { issue } = ctx;
  const prs = issue.linkedPullRequests.map((pr) => `#${pr.number} (${pr.state.toLowerCase()}) ${pr.title}`);
  const lines = [
    `Issue #${issue.number} opened by @${issue.author}`,
    `Labels: ${issue.labels.length === 0 ? "(none)" : issue.labels.join(", ")}`,
    `Linked pull requests: ${prs.length === 0 ? "(none)" : prs.join("; ")}`,
    "",
    dataBlock("issue title", issue.title),
    "",
    dataBlock(`issue body by @${issue.author}`, issue.body === "" ? "(empty)" : issue.body, "markdown"),
  ];
  if (ctx.excluded.olderOmitted > 0) {
    lines.push("", `(${ctx.excluded.olderOmitted} older comment(s) were left out to fit the context budget.)`);
  }
  for (const comment of ctx.comments) {
    lines.push("", dataBlock(`comment by @${comment.author} (write access) at ${comment.createdAt}`, comment.body, "markdown"));
  }
  return lines.join("\n");
}

/**
 * The instruction: the trigger comment when there is one, otherwise what the label or
 * command asked for. It is the only block the model is told to act on.
 */
export function renderInstruction(ctx: IssueContext, fallback: { requester: string; text: string }): string {
  if (ctx.trigger) return instructionBlock(`comment by @${ctx.trigger.author} that started this job`, ctx.trigger.body);
  return instructionBlock(`from @${fallback.requester}`, fallback.text);
}
