/**
 * A code run's `Droid` check on the commit it pushed. Created at the push (the commit must be
 * on GitHub first), completed when the run ends; its id is recorded with the job, so a retry
 * that publishes what a crashed attempt pushed completes the same check. A check that cannot
 * be created or updated is logged and never fails the job.
 */
import type { Logger } from "pino";
import { runPageUrl } from "../config/public-url.ts";
import { completeCheck, startCheck, type CheckReport } from "../github/check-run.ts";
import type { RunFigures } from "../github/fix-report.ts";
import type { GitHubClient } from "../github/octokit.ts";
import type { Job, JobLinks, JobOutcome } from "../jobs/types.ts";
import type { Plan } from "../planning/schema.ts";

export interface PushCheckDeps {
  octokit: GitHubClient;
  /** The base URL of Droid's HTTP server (`DROID_PUBLIC_URL`): the check links the run page. Null: no link. */
  publicUrl: string | null;
  log: Logger;
}

export class PushCheck {
  readonly #deps: PushCheckDeps | null;
  readonly #job: Job;
  readonly #started: Date;
  readonly #record: (links: JobLinks) => Promise<void>;
  #id: number | null;
  /** Subtasks and tests, as the run knows them when it ends. */
  details: Pick<CheckReport, "progress" | "tests"> = { progress: null, tests: "The tests were not run." };

  constructor(deps: PushCheckDeps | null, job: Job, started: Date, record: (links: JobLinks) => Promise<void>) {
    this.#deps = deps;
    this.#job = job;
    this.#started = started;
    this.#record = record;
    this.#id = job.links.checkRunId ?? null;
  }

  #target(deps: PushCheckDeps) {
    return { owner: this.#job.repo.owner, repo: this.#job.repo.name, detailsUrl: runPageUrl(deps.publicUrl, this.#job.id) };
  }

  /** The commit is on GitHub: the check shows in progress on it (once: a retry keeps the earlier attempt's). */
  async pushed(headSha: string): Promise<void> {
    const deps = this.#deps;
    if (deps === null || this.#id !== null) return;
    try {
      this.#id = await startCheck(deps.octokit, this.#target(deps), { headSha, startedAt: this.#started, jobId: this.#job.id });
      await this.#record({ checkRunId: this.#id });
    } catch (error) {
      deps.log.warn({ err: error, headSha }, "could not create the Droid check run; the job goes on without it");
    }
  }

  /**
   * Completes the check with the run's outcome and, for a stopped run, who stopped it (`stop.stoppedBy`, null when
   * no person is known). An interrupted run leaves it in progress: its retry completes it.
   */
  async ended(outcome: JobOutcome, figures: RunFigures, stop: Pick<CheckReport, "stoppedBy" | "commandWord">): Promise<void> {
    const deps = this.#deps;
    if (deps === null || this.#id === null || outcome.state === "interrupted") return;
    try {
      await completeCheck(deps.octokit, this.#target(deps), this.#id, { outcome: outcome.kind, ...this.details, figures, ...stop }, new Date());
    } catch (error) {
      deps.log.warn({ err: error, checkRunId: this.#id }, "could not complete the Droid check run");
    }
  }
}

/** A plan's subtasks done, of all. */
export function subtasksDone(plan: Plan): CheckReport["progress"] {
  return { what: "Subtasks done", done: plan.subtasks.filter((s) => s.state === "done").length, total: plan.subtasks.length };
}
