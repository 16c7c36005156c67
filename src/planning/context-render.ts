import { author, dataBlock, instructionBlock, labelText, prompt, repositoryFile, unchecked, writer } from "../prompting/index.ts";
import type { IssueContext } from "./issue-context.ts";

/**
 * The repository part of the context: stable across jobs on the same repository, so it
 * sits in the cached prompt prefix.
 */
export function renderRepoContext(ctx: IssueContext): string {
  const { repo } = ctx;
  const branch = `\`${repo.defaultBranch}\``;
  const blocks = [
    dataBlock({ what: "repository description", from: repositoryFile, text: repo.description ?? "", empty: "(none)" }),
    dataBlock({ what: `top-level entries of ${branch}`, from: repositoryFile, text: repo.topLevel.join("\n"), format: "code" }),
    ...repo.files.map((file) => dataBlock({ what: `${file.path} from ${branch}`, from: repositoryFile, text: file.text, format: "markdown" })),
  ];
  if (repo.missing.length > 0) blocks.push(prompt("plan-missing-files", { files: repo.missing.join(", ") }));
  return prompt("plan-repo-context", {
    repo: repo.nameWithOwner,
    default_branch: repo.defaultBranch,
    languages: repo.languages.length === 0 ? "unknown" : repo.languages.map((l) => `${l.name} ${l.percent}%`).join(", "),
    blocks: blocks.join("\n\n"),
  });
}

/** The issue part: title, labels, links, body and the writer comments before the trigger. */
export function renderIssueContext(ctx: IssueContext): string {
  const { issue } = ctx;
  const from = author(issue.author, issue.authorCanWrite);
  const linked = issue.linkedPullRequests;
  const blocks = [dataBlock({ what: "issue title", from, text: issue.title }), dataBlock({ what: "issue body", from, text: issue.body, format: "markdown" })];
  if (linked.length > 0) {
    blocks.push(dataBlock({ what: "titles of the linked pull requests", from: unchecked(), text: linked.map((pr) => `#${pr.number} ${pr.title}`).join("\n") }));
  }
  if (issue.related !== "") blocks.push(dataBlock({ what: "tickets and files this one names (their titles, not their contents)", from: unchecked(), text: issue.related }));
  for (const item of issue.linkedBodies) {
    blocks.push(dataBlock({ what: `body of the linked ${item.kind} #${item.number} (${item.title})`, from: unchecked(item.author), text: item.body, format: "markdown" }));
  }
  if (ctx.excluded.olderOmitted > 0) blocks.push(prompt("plan-older-comments-omitted", { count: String(ctx.excluded.olderOmitted) }));
  for (const comment of ctx.comments) {
    blocks.push(dataBlock({ what: `comment at ${comment.createdAt}`, from: writer(comment.author), text: comment.body, format: "markdown" }));
  }
  return prompt("plan-issue-context", {
    ticket: issue.name,
    author: issue.author,
    labels: issue.labels.length === 0 ? "(none)" : labelText(issue.labels.join(", "), 500),
    linked: linked.length === 0 ? "(none)" : linked.map((pr) => `#${pr.number} (${pr.state.toLowerCase()})`).join("; "),
    blocks: blocks.join("\n\n"),
  });
}

/**
 * The instruction: the trigger comment when there is one, otherwise what the label or
 * command asked for. It is the only block the model is told to act on.
 */
export function renderInstruction(ctx: IssueContext, fallback: { requester: string; text: string }): string {
  if (ctx.trigger) return instructionBlock({ what: "the comment that started this job", from: writer(ctx.trigger.author), text: ctx.trigger.body, format: "markdown" });
  return instructionBlock({ what: "the request that started this job", from: writer(fallback.requester), text: fallback.text });
}
