export { branchNameFor } from "./branch-name.ts";
export { GitignoreMatcher } from "./gitignore.ts";
export { type Checkout, type OpenRepositoryOptions, type Person, Repository, WorkspaceRefusal, freeBranchName } from "./repository.ts";
export { type SyncResult, bringChangesBack, copyTreeIntoSandbox } from "./sync.ts";
