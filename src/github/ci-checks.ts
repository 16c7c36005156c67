/**
 * The CI of a commit as GitHub reports it: its check runs (the latest of each name) and its
 * commit statuses, read into one list of named checks with a state. Droid's own `Droid`
 * check is never CI. Needs the App's `checks: read` (check runs) and `statuses: read` (statuses).
 */
import { z } from "zod";
import { CHECK_NAME } from "./check-run.ts";
import type { GitHubClient } from "./octokit.ts";

export type CheckState = "pending" | "passed" | "failed";

/** One reported check of a commit: a check run, or a commit status (a CI system that uses statuses). */
export type CiCheck =
  | {
      source: "check-run";
      name: string;
      state: CheckState;
      conclusion: string | null;
      /** The check run's id; for GitHub Actions it is also the workflow job's id. */
      id: number;
      /** The app that made it (`github-actions` for Actions). */
      app: string | null;
      url: string | null;
    }
  | { source: "status"; name: string; state: CheckState; conclusion: string; description: string | null; url: string | null };

/** Whether every reported check of a commit has finished, and which failed. */
export type CiVerdict =
  | { kind: "no-checks" }
  | { kind: "pending"; pending: string[] }
  | { kind: "passed" }
  | { kind: "failed"; failed: CiCheck[] };

/** Check-run conclusions that mean the check failed (a cancelled run is usually superseded, so it is not one). */
const FAILED_CONCLUSIONS = new Set(["failure", "timed_out", "startup_failure"]);

const checkRunRow = z.object({
  id: z.number().int(),
  name: z.string(),
  status: z.string(),
  conclusion: z.string().nullable(),
  html_url: z.string().nullable().optional(),
  app: z.object({ slug: z.string().optional() }).nullable().optional(),
});

const statusRow = z.object({
  context: z.string(),
  state: z.string(),
  description: z.string().nullable().optional(),
  target_url: z.string().nullable().optional(),
});

export interface CommitRef {
  owner: string;
  repo: string;
  /** A commit sha, or a branch name (its latest commit). */
  ref: string;
}

/** Every check and status reported for `ref`, Droid's own check left out. */
export async function readCommitChecks(octokit: GitHubClient, ref: CommitRef): Promise<CiCheck[]> {
  const runs = await octokit.paginate(octokit.rest.checks.listForRef, { owner: ref.owner, repo: ref.repo, ref: ref.ref, filter: "latest", per_page: 100 });
  const checks: CiCheck[] = [];
  for (const raw of runs) {
    const run = checkRunRow.parse(raw);
    if (run.name === CHECK_NAME) continue;
    const state: CheckState = run.status !== "completed" ? "pending" : run.conclusion !== null && FAILED_CONCLUSIONS.has(run.conclusion) ? "failed" : "passed";
    checks.push({ source: "check-run", name: run.name, state, conclusion: run.conclusion, id: run.id, app: run.app?.slug ?? null, url: run.html_url ?? null });
  }
  const { data } = await octokit.rest.repos.getCombinedStatusForRef({ owner: ref.owner, repo: ref.repo, ref: ref.ref, per_page: 100 });
  for (const raw of data.statuses) {
    const status = statusRow.parse(raw);
    const state: CheckState = status.state === "pending" ? "pending" : status.state === "success" ? "passed" : "failed";
    checks.push({ source: "status", name: status.context, state, conclusion: status.state, description: status.description ?? null, url: status.target_url ?? null });
  }
  return checks;
}

export function ciVerdict(checks: readonly CiCheck[]): CiVerdict {
  if (checks.length === 0) return { kind: "no-checks" };
  const pending = checks.filter((c) => c.state === "pending").map((c) => c.name);
  if (pending.length > 0) return { kind: "pending", pending };
  const failed = checks.filter((c) => c.state === "failed");
  return failed.length === 0 ? { kind: "passed" } : { kind: "failed", failed };
}

/** The names of the checks that fail on `ref` (the default branch: what already failed before the pull request). */
export async function failingCheckNames(octokit: GitHubClient, ref: CommitRef): Promise<Set<string>> {
  return new Set((await readCommitChecks(octokit, ref)).filter((c) => c.state === "failed").map((c) => c.name));
}
