import type { TokenUsage } from "../llm/ledger.ts";
import type { PlanFailure } from "../planning/failure.ts";
import { shortJobId } from "../figures/job-id.ts";
import { formatDuration } from "../figures/duration.ts";
import { formatUsd } from "../figures/money.ts";
import { jobReference } from "./comment-text.ts";
import { stoppedByPhrase } from "./messages.ts";
import { safeInline } from "./safe-markdown.ts";

export const PLAN_FAILURE_MARKER = "<!-- droid:plan-failure -->";

export interface FailureFooter {
  jobId: string;
  /** The repository's command word (`command` in `.github/droid.yml`). */
  commandWord: string;
  model: string;
  usage: TokenUsage;
  costUsd: number;
}

/** The explanation's paragraphs (joined by blank lines); a list is one paragraph. */
function explain(failure: PlanFailure, jobId: string, word: string): string[] {
  const RETRY = `Comment \`/${word} plan\` to try again.`;
  switch (failure.kind) {
    case "budget": {
      const s = failure.state;
      const what =
        s.when === "before-request"
          ? `The next model request would have cost about ${formatUsd(s.nextUsd)} (${s.nextTokens.toLocaleString("en-US")} tokens), which does not fit the job's budget of ${formatUsd(s.budget.usd)} / ${s.budget.tokens.toLocaleString("en-US")} tokens, so it was not sent.`
          : `The job's budget of ${formatUsd(s.budget.usd)} / ${s.budget.tokens.toLocaleString("en-US")} tokens was used up before the plan was finished.`;
      return [
        "**Droid stopped planning: budget reached.**",
        what,
        `Spent so far: ${formatUsd(s.spentUsd)}, ${s.spentTokens.toLocaleString("en-US")} tokens. No plan was posted.`,
        `Raise \`budget.usd\` or \`budget.tokens\` in \`.github/droid.yml\`, then comment \`/${word} plan\`.`,
      ];
    }
    case "unavailable":
      return [
        "**Droid could not reach the model.**",
        `The model API kept failing (${failure.lastStatus === null ? "connection errors" : `HTTP ${failure.lastStatus}${failure.lastStatus === 529 ? ", overloaded" : ""}`}); Droid gave up after ${failure.attempts} attempts over ${formatDuration(failure.elapsedMs)}. Nothing was changed.`,
        `${RETRY} Later is better if the API is overloaded.`,
      ];
    case "rejected":
      return [
        "**The model API refused Droid's request.**",
        failure.status === 401 || failure.status === 403
          ? `HTTP ${failure.status}: the app's model credentials are missing or not allowed. An administrator of this Droid installation needs to check its model settings.`
          : `HTTP ${failure.status}. An administrator of this Droid installation can find the details in the logs under job \`${shortJobId(jobId)}\`.`,
      ];
    case "invalid-plan":
      return [
        "**Droid could not produce a valid plan.**",
        "The model's answer failed validation, and again after one repair round; no half-finished plan was posted. The last problems were:",
        // One block: list items joined by blank lines would render as a loose, gappy list.
        failure.errors
          .slice(0, 5)
          .map((e) => `- ${safeInline(e.replace(/\s+/g, " ").trim().slice(0, 300))}`)
          .join("\n"),
        `Adding detail to the issue often helps. ${RETRY}`,
      ];
    case "nothing-to-plan":
      return [
        "**There is nothing to plan yet.**",
        `This issue has no description and the command gave no instruction. Describe what should change (and why) in the issue, then comment \`/${word} plan\`.`,
      ];
    case "not-an-issue":
    case "unreadable":
      return ["**Droid could not read this issue.**", `${safeInline(failure.message)}.`, RETRY];
    case "cancelled": {
      const what = failure.stoppedBy === null ? "Planning was cancelled" : `Planning was stopped ${stoppedByPhrase(word, failure.stoppedBy)}`;
      return [`**${what}.** No plan was posted or changed.`];
    }
    case "internal":
      return [`**Droid hit an internal error (job \`${shortJobId(jobId)}\`).** No plan was posted or changed. ${RETRY}`];
  }
}

/** The comment that ends a failed planning job: what happened, what it cost, what to do. */
export function renderPlanFailureComment(failure: PlanFailure, footer: FailureFooter): string {
  const tokens = footer.usage.input + footer.usage.output + footer.usage.cacheWrite + footer.usage.cacheRead;
  return [
    PLAN_FAILURE_MARKER,
    explain(failure, footer.jobId, footer.commandWord).join("\n\n"),
    "---",
    `<sub>Droid · model \`${footer.model}\` · ${tokens.toLocaleString("en-US")} tokens · ${formatUsd(footer.costUsd)} · ${jobReference(footer.jobId, null)}</sub>`,
  ].join("\n\n");
}
