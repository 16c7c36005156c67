/**
 * Outcome kinds decided from typed failures: a plan's or an answer's failure (already a
 * closed set), and a runner that threw (by the error's type). Never from error text.
 */
import type { AskFailure } from "../github/ask-comment.ts";
import type { FailureKind, JobOutcome } from "../jobs/types.ts";
import type { PlanFailure } from "../planning/failure.ts";

/** How a model-only run (a plan, an answer) ends when it fails; `error` is the reason recorded on the job. */
export function modelRunFailure(failure: PlanFailure | AskFailure, error: string): JobOutcome {
  switch (failure.kind) {
    case "cancelled":
      return { state: "cancelled", kind: "stopped-by-user" };
    case "budget":
      return { state: "failed", error, kind: "budget-reached" };
    case "unavailable":
    case "rejected":
    case "invalid-plan":
    case "invalid-answer":
      return { state: "failed", error, kind: "model-error" };
    case "nothing-to-plan":
    case "not-an-issue":
      return { state: "failed", error, kind: "invalid-request" };
    case "unreadable":
    case "no-code":
      return { state: "failed", error, kind: "github-error" };
    case "internal":
      return { state: "failed", error, kind: "internal-error" };
  }
}

/**
 * The kind of a runner that threw: a GitHub API error (Octokit's `RequestError`, named
 * `HttpError`, with an HTTP status) is `github-error`; anything else is a bug in Droid.
 */
export function crashKind(error: unknown): FailureKind {
  const status = error instanceof Error && "status" in error ? error.status : undefined;
  return error instanceof Error && error.name === "HttpError" && typeof status === "number" ? "github-error" : "internal-error";
}
