/**
 * A merged pull request of Droid's, read from a `pull_request` `closed` event: what
 * `droid stats` counts as merged. Droid's pull requests are opened by the App (a bot) from
 * a `droid/<issue>-…` branch (`droid/<jira key>-…` for a Jira ticket); any other pull
 * request is not recorded.
 */
import { z } from "zod";
import type { PullRequestMerge } from "../jobs/queue.ts";

const closedPullRequest = z.object({
  action: z.literal("closed"),
  repository: z.object({ name: z.string(), owner: z.object({ login: z.string() }) }),
  pull_request: z.object({
    number: z.number().int(),
    merged: z.boolean().nullable().optional(),
    merged_at: z.string().nullable().optional(),
    head: z.object({ ref: z.string() }),
    user: z.object({ type: z.string() }).nullable(),
  }),
});

/** The merge this event reports and its branch, or why it is none of Droid's business. */
export function readDroidMerge(payload: unknown): { merge: PullRequestMerge; branch: string } | { ignored: string } {
  const parsed = closedPullRequest.safeParse(payload);
  if (!parsed.success) return { ignored: "not a closed pull request" };
  const { repository, pull_request: pr } = parsed.data;
  if (pr.merged !== true) return { ignored: "closed without merging" };
  if (pr.user?.type !== "Bot" || !/^droid\/(?:\d+|[a-z][a-z0-9_]*-\d+)(?:-|$)/.test(pr.head.ref)) return { ignored: "not a pull request Droid opened" };
  const mergedAt = pr.merged_at ? new Date(pr.merged_at) : new Date();
  return { merge: { repo: `${repository.owner.login}/${repository.name}`.toLowerCase(), number: pr.number, mergedAt }, branch: pr.head.ref };
}
