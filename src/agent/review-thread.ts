/** A pull request review thread as the revision agent sees it (read from GitHub by `github/review-threads.ts`). */

/** One comment of a thread, as the model and the replies need it. */
export interface ThreadComment {
  id: number;
  author: string;
  body: string;
  createdAt: string;
}

/** A review thread Droid must answer: the reviewer's request in it and what came before. */
export interface ReviewThread {
  /** The thread's first comment (GitHub's `in_reply_to_id` of every reply). */
  rootId: number;
  /** The comment Droid replies to: the reviewer's latest comment in the thread. */
  replyToId: number;
  /** The reviewer's comments in this thread that the job was started for. */
  requests: ThreadComment[];
  /** Earlier comments of the thread, oldest first (anyone's: data, not instructions). */
  history: ThreadComment[];
  path: string;
  /** Line range on the PR's current diff; null when the comment is outdated. */
  startLine: number | null;
  line: number | null;
  /** The line on the commit the reviewer saw. */
  originalLine: number | null;
  /** The reviewer commented on a version of the file whose lines no longer exist as shown. */
  outdated: boolean;
  diffHunk: string;
}
