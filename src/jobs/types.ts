/**
 * The job model shared by every part of Droid. A job is a durable record of work
 * a human asked for; its request is a discriminated union over the kinds of work.
 * Nothing here knows about webhooks.
 */

/** The repository a job works on, as recorded from the webhook. */
export interface RepoRef {
  owner: string;
  name: string;
  /** The GitHub App installation that grants access to this repository. */
  installationId: number;
  /**
   * No clone URL: it is built from the configured GitHub host and owner/name when the
   * repository is cloned, never recorded from a payload (records written before this
   * carry a `cloneUrl`, which reading drops).
   */
  defaultBranch: string;
}

/**
 * What a job is about: an issue or a pull request (by number), or a Jira ticket (by
 * Jira's numeric issue id, which outlives a move to another project; the key is read
 * from Jira when the job runs).
 */
export type Target =
  | { kind: "issue"; number: number }
  | { kind: "pull_request"; number: number }
  | { kind: "jira_issue"; number: number };

/** One review comment a revision must answer. */
export interface ReviewComment {
  id: number;
  body: string;
  path: string;
  line: number | null;
  diffHunk: string;
  inReplyToId: number | null;
}

/** What the human asked for. Each kind is a different job runner. */
export type JobRequest =
  | { kind: "plan"; feedback: string }
  | { kind: "fix"; instructions: string }
  | {
      kind: "revise";
      /** The PR branch the revision works on. */
      branch: string;
      /** Set when a whole review triggered the job. */
      reviewId: number | null;
      reviewBody: string;
      comments: ReviewComment[];
      instructions: string;
    }
  | { kind: "rca"; source: "sentry" | "issue"; sentryIssueId: string | null }
  /** A question about the code, answered in one comment (`/droid ask <question>`); changes nothing. */
  | { kind: "ask"; question: string }
  | {
      /** CI failed on the head commit of a pull request Droid opened: read the failures, push a fix. */
      kind: "ci-revision";
      /** The PR branch. */
      branch: string;
      /** The head commit whose checks failed; the job is recorded once per commit (`ciDeliveryId`). */
      headSha: string;
      /** Which automatic attempt on this pull request this is (1, 2, …). */
      attempt: number;
      /** The names of the checks that failed, as the trigger saw them. */
      failing: string[];
    };

export type JobKind = JobRequest["kind"];

export const JOB_KINDS = ["plan", "fix", "revise", "rca", "ask", "ci-revision"] as const satisfies readonly JobKind[];

export type JobState = "queued" | "running" | "succeeded" | "failed" | "cancelled" | "interrupted";

/** Where the job's results live on GitHub, recorded by the orchestrator (never scraped from prose). */
export interface JobLinks {
  planCommentId?: number;
  statusCommentId?: number;
  pullRequestNumber?: number;
  branch?: string;
  /**
   * Set (before the first push) once the job has pushed or is about to push to `branch`.
   * Without a `checkpoint` an interrupted run is then reported, not re-queued.
   */
  pushed?: boolean;
  /** The step the run was in when this was last written (`RunStep` in `runs/checkpoint.ts` names them): a retry that keeps failing names it. */
  step?: string;
  /**
   * What the run recorded before its push so that a retry can finish the work without
   * redoing it (the commit pushed, the texts to publish). Opaque to the queue: the
   * runner of the kind parses it. Cleared when a retry starts over.
   */
  checkpoint?: Readonly<Record<string, unknown>>;
  /** The closing comment the run posted (a retry never posts a second one). */
  resultCommentId?: number;
  /** Review comments already answered by the run (a retry answers only the others). */
  answered?: number[];
  /** The `Droid` check run on the pushed commit (a retry completes it instead of making another). */
  checkRunId?: number;
}

/** Everything needed to create a job. */
export interface NewJob {
  /** `X-GitHub-Delivery` (or another unique id for non-GitHub sources). */
  deliveryId: string;
  repo: RepoRef;
  target: Target;
  /** Login of the human who asked. */
  requester: string;
  /** The comment that triggered the job, when there is one (for reactions and "made before the trigger"). */
  triggerCommentId: number | null;
  request: JobRequest;
}

export interface Job extends NewJob {
  id: string;
  state: JobState;
  attempts: number;
  createdAt: Date;
  startedAt: Date | null;
  endedAt: Date | null;
  costUsd: number;
  links: JobLinks;
  /** A short, user-facing reason when the job failed or was interrupted. */
  error: string | null;
  /** Why the job ended (`OutcomeKind`); null while it is active, and for jobs recorded before outcomes were. */
  outcome: OutcomeKind | null;
  /**
   * Who asked to stop this run of the job: the GitHub login whose `/droid stop` was accepted
   * (for a stop on a Jira ticket, the login the person maps to). Null when nobody did, when
   * the stop had no person behind it (an operator's), and for jobs recorded before stops
   * were attributed. The first person who asks during a run counts; running the job again
   * clears it.
   */
  stoppedBy: string | null;
}

/** The result of asking the queue to record a job. */
export type EnqueueResult =
  | { status: "created"; job: Job }
  /** The same delivery was recorded before: nothing new was created. */
  | { status: "duplicate-delivery"; job: Job }
  /** A job of the same kind is already queued or running for the target. */
  | { status: "already-active"; job: Job }
  /** An active revise job of the same pull request already answers the same review (`reviewCovers`). */
  | { status: "covered"; job: Job };

/** Nothing was recorded: the repository already has `queued` jobs waiting, its cap. */
export interface QueueFull {
  status: "queue-full";
  queued: number;
}

/**
 * Why a job ended the way it did: one kind per ended job, chosen by the runner where it
 * decides how the job ends (never classified afterwards from error text). The closing
 * comments, the check on the pull request, the metrics and `droid stats` read it.
 */
export const OUTCOME_KINDS = [
  /** Did what was asked (tests pass, or the repository has none). */
  "succeeded",
  /** Finished and delivered, but the last test run failed. */
  "succeeded-with-failing-tests",
  /** Finished without changing anything: nothing needed changing (or nothing to answer). */
  "no-change-needed",
  /** Nothing was done because the request no longer applied: a CI failure of a commit that is no longer the pull request's head. */
  "superseded",
  /** Made changes that were not pushed: the push guard refused them, a fork, a conflicting push, GitHub refused. */
  "not-pushed",
  /** The repository's setup command failed in the sandbox. */
  "setup-failed",
  /** The job's token or dollar budget ran out. */
  "budget-reached",
  /** The agent used all its turns. */
  "turn-limit",
  /** The job's wall-clock limit passed. */
  "time-limit",
  /** `/droid stop`. */
  "stopped-by-user",
  /** The repository's `.github/droid.yml` is invalid, or the operator configured no model. */
  "config-error",
  /** A daily spending cap of the repository or installation was reached before the job started. */
  "capped",
  /** The request cannot be carried out as asked: nothing to plan, a closed pull request, no stack trace. */
  "invalid-request",
  /** The model API failed, refused, or its output stayed invalid. */
  "model-error",
  /** GitHub could not be read or written. */
  "github-error",
  /** The sandbox was lost, or what it left could not be brought back safely. */
  "sandbox-error",
  /** The worker shut down (or died) while the job ran; it is retried or reported. */
  "interrupted",
  /** A bug in Droid. */
  "internal-error",
] as const;

export type OutcomeKind = (typeof OUTCOME_KINDS)[number];

/** How a job ended, as written by the orchestrator in its `finally`: its state and the outcome's kind. */
export type JobOutcome =
  | { state: "succeeded"; kind: "succeeded" | "succeeded-with-failing-tests" | "no-change-needed" | "superseded" | "not-pushed" }
  | { state: "failed"; error: string; kind: Exclude<OutcomeKind, "succeeded" | "succeeded-with-failing-tests" | "no-change-needed" | "superseded" | "stopped-by-user" | "interrupted"> }
  | { state: "cancelled"; kind: "stopped-by-user" }
  | { state: "interrupted"; error: string; kind: "interrupted" };

/** The kinds a failed job may have. */
export type FailureKind = Extract<JobOutcome, { state: "failed" }>["kind"];

