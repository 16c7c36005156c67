/**
 * The model's answer for each review thread, given through the `reply_to_comment`
 * tool, so the orchestrator knows per thread what to post (never scraped from prose).
 * Nothing is posted by the tool: the revision job posts after it has pushed, adding
 * the commit link, and writes a fallback for every thread left unanswered.
 */
import { z } from "zod";
import type { ReviewThread } from "./review-thread.ts";
import { answer, defineTool, firstLine, type AgentTool, type ToolOutcome } from "./tools/agent-tool.ts";

export interface ThreadAnswer {
  body: string;
  changed: boolean;
}

export const REPLY_TOOL = "reply_to_comment";

const replyInput = z.object({
  comment_id: z.number().int().positive().describe("The thread's comment id, as given in the task (\"answer with reply_to_comment comment_id …\")."),
  body: z.string().trim().min(1).max(4_000).describe("The answer, in Markdown: what you changed and why, or the answer to the question, or why nothing was changed."),
  changed: z.boolean().describe("True when you changed code for this thread; false for answers, refusals and threads needing no change."),
});

export class ThreadAnswers {
  readonly #threads: readonly ReviewThread[];
  readonly #answers = new Map<number, ThreadAnswer>();

  constructor(threads: readonly ReviewThread[]) {
    this.#threads = threads;
  }

  /** The answer for a thread (by the comment Droid replies to), if the model gave one. */
  get(thread: ReviewThread): ThreadAnswer | undefined {
    return this.#answers.get(thread.replyToId);
  }

  get unanswered(): ReviewThread[] {
    return this.#threads.filter((t) => !this.#answers.has(t.replyToId));
  }

  readonly tool: AgentTool = defineTool({
    name: REPLY_TOOL,
    description:
      "Answer one review thread. Droid posts the answer in the thread after the revision is pushed, adding the commit link when changed is true. Call once per thread; a later call for the same thread replaces the answer.",
    input: replyInput,
    readOnly: true,
    run: async ({ comment_id: id, body, changed }) => {
      const thread = this.#threads.find((t) => t.replyToId === id || t.rootId === id || t.requests.some((r) => r.id === id));
      if (!thread) return this.#answer(`No thread with comment ${id}; the threads are ${this.#threads.map((t) => t.replyToId).join(", ") || "none"}.`, true);
      const replaced = this.#answers.has(thread.replyToId);
      this.#answers.set(thread.replyToId, { body, changed });
      const left = this.unanswered.length;
      return this.#answer(`${replaced ? "Replaced the answer" : "Recorded the answer"} for thread ${thread.replyToId}. ${left === 0 ? "Every thread has an answer." : `${left} thread(s) still need an answer.`}`, false);
    },
  });

  #answer(text: string, isError: boolean): ToolOutcome {
    return answer({ text, isError }, `${REPLY_TOOL} — ${firstLine(text)}`);
  }
}
