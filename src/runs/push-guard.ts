/**
 * The check before Droid commits and pushes (or shows a patch): no change under
 * `.github/workflows/` (the app has no `workflows` permission, by design, and GitHub would
 * refuse the push) and no credential on a line the agent added (the secret scan). Both
 * `/droid fix` and review revisions run it on the work tree that came back from the sandbox.
 */
import { describeChanges } from "../agent/changes.ts";
import type { ChangeReport } from "../agent/loop.ts";
import type { RepoConfig } from "../config/repo-config.ts";
import { WORKFLOWS_DIR, type PushRefusal } from "../github/push-refusal.ts";
import type { Repository } from "../workspace/index.ts";
import { scanAddedLines } from "./secret-scan.ts";

export type PushCheck =
  | { kind: "clear" }
  /** `found`: the flagged text, to scrub from whatever is posted next; never shown. */
  | { kind: "refused"; refusal: PushRefusal; found: string[] };

export async function checkPush(repo: Repository, changes: ChangeReport, config: Pick<RepoConfig, "secretScan">): Promise<PushCheck> {
  const workflows = changes.files.filter((f) => f.path.startsWith(WORKFLOWS_DIR));
  // The whole diff, not the one cut for comments: a credential may sit past the cut.
  const full = await describeChanges(repo, Number.POSITIVE_INFINITY);
  const scan = await scanAddedLines(repo.tree, full.diff, config.secretScan.allowPaths);
  if (workflows.length === 0 && scan.findings.length === 0) return { kind: "clear" };
  return { kind: "refused", refusal: { workflows, secrets: scan.findings }, found: scan.matched };
}
