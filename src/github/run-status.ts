/**
 * The one status line under every heading Droid owns (the plan comment, the pull
 * request's body, the closing report): state · duration · cost · link, for example
 * "✅ Done · 4 min · $0.05 · PR #7" or "⚠️ Budget reached · 18 min · $4.20 · draft PR #7".
 * And the "Next" advice of a run that ended, chosen from what exists (a pull request or
 * not, files changed or not, tests red or green), never from how the run ended alone.
 * docs/style.md describes both.
 */
import { z } from "zod";
import { roughDuration } from "../figures/duration.ts";
import { formatUsd } from "../figures/money.ts";
import { jobReference } from "./comment-text.ts";
import { inlineCode } from "./safe-markdown.ts";

export const LIMITS = ["turns", "time", "budget"] as const;
export type RunLimit = (typeof LIMITS)[number];

/** How a code run ended, as the texts need it (a subset of the agent's outcome). */
export const runEndSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("finished") }),
  z.object({ kind: z.literal("limit"), limit: z.enum(LIMITS) }),
  /** `stoppedBy`: who asked (`Job.stoppedBy`); null when no person did, and in facts recorded before stops were attributed. */
  z.object({ kind: z.literal("cancelled"), stoppedBy: z.string().nullable().default(null) }),
  z.object({ kind: z.literal("failed") }),
]);
export type RunEnd = z.infer<typeof runEndSchema>;

/** What a run that ended left behind: what the status line and "Next" are chosen from. */
export const runFactsSchema = z.object({
  end: runEndSchema,
  /** Files the run changed (pushed or not). */
  filesChanged: z.number().int().min(0),
  /** Whether the changes went to the branch. */
  pushed: z.boolean(),
  /** The last test run: green, red, never run, or no test command configured. */
  tests: z.enum(["passed", "failed", "not-run", "none"]),
});
export type RunFacts = z.infer<typeof runFactsSchema>;

/** The pull request a status line links. */
export interface PullRequestLink {
  number: number;
  draft: boolean;
}

/** The setting that gives runs more room, per limit (`.github/droid.yml`). */
export const LIMIT_SETTING: Record<RunLimit, string> = {
  turns: "`fix.maxTurns`",
  time: "`fix.maxMinutes`",
  budget: "`budget.usd` (or `budget.tokens`)",
};

const LIMIT_LABEL: Record<RunLimit, string> = { turns: "Turn limit reached", time: "Time limit reached", budget: "Budget reached" };

/** The state word of a status line: a running run, or how it ended. */
export function stateLabel(end: RunEnd | "running" | "not-pushed"): string {
  if (end === "running") return "⏳ Running";
  if (end === "not-pushed") return "⛔ Not pushed";
  switch (end.kind) {
    case "finished":
      return "✅ Done";
    case "limit":
      return `⚠️ ${LIMIT_LABEL[end.limit]}`;
    case "cancelled":
      // Named in code, not @-mentioned: the person who stopped the run is not notified of every text that says so (docs/style.md).
      return end.stoppedBy === null ? "⏹ Stopped" : `⏹ Stopped by ${inlineCode(end.stoppedBy)}`;
    case "failed":
      return "❌ Failed";
  }
}

export interface StatusLineInput {
  /** From `stateLabel` (or a plan's "📋 Plan ready"). */
  label: string;
  durationMs: number;
  costUsd: number;
  /** While running, the cost is what was spent so far. */
  running: boolean;
  pullRequest: PullRequestLink | null;
  job: { id: string; pageUrl?: string | null | undefined };
}

/** "✅ Done · 4 min · $0.05 · PR #7": the pull request when there is one, else the job. */
export function statusLine(s: StatusLineInput): string {
  const cost = `${formatUsd(s.costUsd)}${s.running ? " so far" : ""}`;
  const link = s.pullRequest ? `${s.pullRequest.draft ? "draft PR" : "PR"} #${s.pullRequest.number}` : jobReference(s.job.id, s.job.pageUrl);
  return [s.label, roughDuration(s.durationMs), cost, link].join(" · ");
}

/** What the human can do next, from what the run left: a pull request, changed files, the tests. */
export function nextAdvice(facts: RunFacts, pullRequest: PullRequestLink | null, word: string): string {
  const again = `\`/${word} fix [instructions]\``;
  const replan = `\`/${word} plan <feedback>\``;
  const room = facts.end.kind === "limit" ? ` once you raise ${LIMIT_SETTING[facts.end.limit]} in \`.github/droid.yml\`` : "";
  if (pullRequest && !facts.pushed && facts.filesChanged > 0) {
    return `This run's changes were not pushed; #${pullRequest.number} holds the earlier work. ${again} starts again${room}, or ${replan} changes the plan first.`;
  }
  if (pullRequest) {
    const complete = facts.end.kind === "finished" && facts.tests !== "failed";
    if (complete && !pullRequest.draft) return `Review #${pullRequest.number}; review comments there steer the next revision.`;
    const red = facts.tests === "failed" ? " Its tests are failing." : "";
    const unfinished = facts.end.kind === "finished" ? "" : " The plan is not finished.";
    return `#${pullRequest.number} is a draft with the partial work.${unfinished}${red} ${again} continues it${room}; review comments on #${pullRequest.number} steer it.`;
  }
  if (facts.filesChanged > 0 && !facts.pushed) {
    return `The changes were not pushed. ${again} starts again${room}, or ${replan} changes the plan first.`;
  }
  return `Nothing was changed. ${again} tries again with your guidance${room}, or ${replan} changes the plan first.`;
}
