/**
 * The job kinds Droid runs, in one table: how each runs (its module in `runs/`) and
 * whether it may run again on its own after its process died. The worker, restart
 * recovery and the CLI read this table; adding a kind is one module and one row here
 * (plus its request in `jobs/types.ts`).
 */
import type { Job, JobKind } from "../jobs/types.ts";
import type { NotResumedReason } from "../jobs/recovery.ts";
import type { JobRunner, JobRunners } from "../jobs/worker.ts";
import { askRunner } from "./ask.ts";
import { ciRevisionRunner } from "./ci-revision.ts";
import { fixRunner } from "./fix.ts";
import { jiraFixRunner } from "./jira-fix.ts";
import { planRunner } from "./plan.ts";
import { rcaRunner } from "./rca.ts";
import { reviseRunner } from "./revise.ts";
import type { RunnerServices } from "./site.ts";

type ResumeBlocker = Exclude<NotResumedReason, "attempts-exhausted"> | null;

interface JobKindEntry {
  runner: (services: RunnerServices) => JobRunner;
  /** Why an interrupted job of this kind must not run again on its own, or null. */
  resumeBlocker: (job: Job) => ResumeBlocker;
}

/**
 * Running again could push over what an earlier attempt pushed — unless that attempt
 * recorded what it was publishing (its checkpoint): the retry then finishes from there.
 */
const blockedOncePushed = (job: Job): ResumeBlocker => (job.links.pushed && job.links.checkpoint === undefined ? "pushed" : null);

/** A kind whose jobs on Jira tickets have their own runner (the plan job chooses its thread itself). */
const byTicket =
  (github: JobKindEntry["runner"], jira: JobKindEntry["runner"]) =>
  (services: RunnerServices): JobRunner => {
    const [onGitHub, onJira] = [github(services), jira(services)];
    return (job, context) => (job.target.kind === "jira_issue" ? onJira : onGitHub)(job, context);
  };

const JOB_KINDS: Record<JobKind, JobKindEntry> = {
  // The plan comment is upserted: running again edits it.
  plan: { runner: planRunner, resumeBlocker: () => null },
  fix: { runner: byTicket(fixRunner, jiraFixRunner), resumeBlocker: blockedOncePushed },
  revise: { runner: reviseRunner, resumeBlocker: blockedOncePushed },
  // An analysis publishes an issue body and comments: never re-run unasked.
  rca: { runner: rcaRunner, resumeBlocker: () => "not-resumable" },
  // A question posts one comment, at the end: running again answers it once.
  ask: { runner: askRunner, resumeBlocker: () => null },
  // A CI revision records its checkpoint before its push, as a review revision does.
  "ci-revision": { runner: ciRevisionRunner, resumeBlocker: blockedOncePushed },
};

/** Every kind's runner, wired to this process's collaborators. */
export function createRunners(services: RunnerServices): JobRunners {
  const runners: JobRunners = {};
  for (const kind of Object.keys(JOB_KINDS) as JobKind[]) runners[kind] = JOB_KINDS[kind].runner(services);
  return runners;
}

export function resumeBlocker(job: Job): ResumeBlocker {
  return JOB_KINDS[job.request.kind].resumeBlocker(job);
}
