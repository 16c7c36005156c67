/**
 * How a revision of an existing pull request branch (a review revision, a CI revision) gets
 * its work onto the branch: one commit, pushed, never forced; someone else's commits pushed
 * meanwhile are kept (Droid's change replayed on top). What could not be pushed is said as a
 * reason (no change, a stop, a fork, an overlapping push, GitHub refusing it).
 */
import type { Logger } from "pino";
import type { GitHubClient } from "../github/octokit.ts";
import type { RevisionDelivery } from "../github/revision-report.ts";
import { scrubSecrets } from "../github/text.ts";
import { BranchConflict, WorkspaceRefusal, type PushResult } from "../workspace/index.ts";
import type { AgentOutcome, ChangeReport } from "../agent/loop.ts";
import type { RepoConfig } from "../config/repo-config.ts";
import { commitWork, type CodeRun } from "./code-run.ts";
import { checkPush } from "./push-guard.ts";
import type { TranscriptRecorder } from "./transcript-recorder.ts";
import type { Workbench } from "./workbench.ts";

/** The agent's work brought back from the sandbox (which is then removed), and whether it may be pushed. */
export async function collectWork(run: CodeRun, bench: Workbench, outcome: AgentOutcome, config: RepoConfig, transcript: TranscriptRecorder | undefined) {
  const changes = await bench.inspect();
  transcript?.diff(changes);
  if (outcome.kind === "finished") transcript?.summary(outcome.summary);
  await run.site.removeSandbox();
  const guard = changes.files.length > 0 ? await checkPush(bench.repo, changes, config) : null;
  const secrets = [...bench.secrets, ...(guard?.kind === "refused" ? guard.found : [])];
  return { changes, guard, secrets };
}

export type PushedDelivery = Extract<RevisionDelivery, { kind: "pushed" }>;

export interface RevisionPushInput {
  octokit: GitHubClient;
  botLogin: string;
  requester: string;
  log: Logger;
  /** Push the work of a stopped run (`fix.pushPartialWorkOnStop`). */
  pushPartialWorkOnStop: boolean;
  bench: Workbench;
  changes: ChangeReport;
  outcome: AgentOutcome;
  /** The pull request comes from a fork (Droid cannot push there); the repository's web URL for commit links. */
  where: { fork: boolean; repoUrl: string };
  message: string;
  /** Runs right before the push (the checkpoint is recorded there). */
  beforePush: (delivery: PushedDelivery) => Promise<void>;
}

export async function pushRevision(input: RevisionPushInput): Promise<RevisionDelivery> {
  const { bench, changes, outcome, where } = input;
  if (outcome.kind === "cancelled" && !input.pushPartialWorkOnStop) return { kind: "not-pushed", reason: "the run was stopped before it finished" };
  if (changes.files.length === 0) return { kind: "not-pushed", reason: "no files were changed" };
  if (where.fork) return { kind: "not-pushed", reason: "this pull request comes from a fork, and Droid cannot push to a fork" };
  const commit = await commitWork(bench.repo, input.octokit, { botLogin: input.botLogin, requester: input.requester, message: input.message });
  if (!commit) return { kind: "not-pushed", reason: "no files were changed" };
  try {
    const pushedDelivery = (r: PushResult): PushedDelivery => ({ kind: "pushed", sha: r.commit, url: `${where.repoUrl}/commit/${r.commit}`, replayedOnto: r.kind === "replayed" ? r.onto : null });
    return pushedDelivery(await bench.repo.pushKeepingOthers((r) => input.beforePush(pushedDelivery(r))));
  } catch (error) {
    if (error instanceof BranchConflict) {
      input.log.warn({ files: error.files }, "branch moved with overlapping changes; nothing pushed");
      return { kind: "not-pushed", reason: `someone pushed to \`${bench.repo.branch}\` while I worked and their changes overlap with mine${error.files.length > 0 ? ` (${error.files.map((f) => `\`${f}\``).join(", ")})` : ""}; I kept their commits and pushed nothing` };
    }
    if (error instanceof WorkspaceRefusal) throw error;
    // A protected branch, a revoked permission…: the run still reports.
    input.log.error({ err: error }, "push failed");
    return { kind: "not-pushed", reason: `GitHub refused the push to \`${bench.repo.branch}\` (${scrubSecrets(error instanceof Error ? error.message : String(error), bench.secrets).replace(/\s+/g, " ").trim().slice(0, 300)})` };
  }
}
