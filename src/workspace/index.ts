export { branchNameFor } from "./branch-name.ts";
export { GitignoreMatcher } from "./gitignore.ts";
export { BranchConflict, type Checkout, type PushResult, type OpenRepositoryOptions, type Person, Repository, WorkspaceRefusal, freeBranchName, remoteBranchHead } from "./repository.ts";
