export { cleanUntrustedText, type CleanedText } from "./clean.ts";
export { dataBlock, fenced, instructionBlock } from "./fence.ts";
export { CONTEXT_SHARES, ContextUnavailable, gatherIssueContext, type ContextDeps, type ContextRequest } from "./gather.ts";
export { MAX_OLDER_PAGES, selectThread, type ThreadLimits, type ThreadSelection } from "./thread.ts";
export { ISSUE_CONTEXT_QUERY, OLDER_COMMENTS_QUERY } from "./query.ts";
export { renderInstruction, renderIssueContext, renderRepoContext } from "./render.ts";
export { trimToBoundary, type TrimmedText } from "./trim.ts";
export type { ContextFile, Exclusions, GraphqlClient, IssueContext, LinkedPullRequest, ThreadComment, WriteAccessLookup } from "./types.ts";
