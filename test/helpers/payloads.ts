/**
 * Real webhook payloads from `@octokit/webhooks-examples`, adjusted minimally.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

interface ExampleGroup {
  name: string;
  examples: Record<string, unknown>[];
}

const require = createRequire(import.meta.url);
const groups: ExampleGroup[] = JSON.parse(
  readFileSync(require.resolve("@octokit/webhooks-examples/api.github.com/index.json"), "utf8"),
);

/** A deep copy of the first example of `event.action` that was delivered to an installation. */
/** An example of `event` with `action` (`undefined` for events without actions, such as `status`). */
export function example(event: string, action: string | undefined): Record<string, any> {
  const group = groups.find((g) => g.name === event);
  const candidates = group?.examples.filter((e) => e.action === action) ?? [];
  const chosen = candidates.find((e) => e.installation !== undefined) ?? candidates[0];
  if (!chosen) throw new Error(`no example payload for ${event}.${action}`);
  const copy = structuredClone(chosen) as Record<string, any>;
  copy.installation ??= { id: 1, node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==" };
  return copy;
}

export const OWNER = "Codertocat";
export const REPO = "Hello-World";
export const INSTALLATION_ID = 1;

/** `issue_comment.created` on issue #1 by `login` with `body`. */
export function issueComment(body: string, options: { login?: string; userType?: string; onPullRequest?: boolean } = {}) {
  const payload = example("issue_comment", "created");
  payload.comment.body = body;
  if (options.login) {
    payload.comment.user.login = options.login;
    payload.sender.login = options.login;
  }
  if (options.userType) {
    payload.comment.user.type = options.userType;
    payload.sender.type = options.userType;
  }
  if (options.onPullRequest) {
    payload.issue.pull_request = {
      url: `https://api.github.com/repos/${OWNER}/${REPO}/pulls/1`,
      html_url: `https://github.com/${OWNER}/${REPO}/pull/1`,
      diff_url: `https://github.com/${OWNER}/${REPO}/pull/1.diff`,
      patch_url: `https://github.com/${OWNER}/${REPO}/pull/1.patch`,
    };
  }
  return payload;
}

export function issueLabeled(label: string, login = OWNER) {
  const payload = example("issues", "labeled");
  payload.label.name = label;
  payload.sender.login = login;
  return payload;
}

export function reviewSubmitted(options: { branch?: string; state?: string; login?: string } = {}) {
  const payload = example("pull_request_review", "submitted");
  payload.pull_request.head.ref = options.branch ?? "droid/1-fix-the-readme";
  payload.review.state = options.state ?? "commented";
  if (options.login) {
    payload.review.user.login = options.login;
    payload.sender.login = options.login;
  }
  return payload;
}

export function reviewComment(options: { branch?: string; inReplyTo?: number } = {}) {
  const payload = example("pull_request_review_comment", "created");
  payload.pull_request.head.ref = options.branch ?? "droid/1-fix-the-readme";
  if (options.inReplyTo !== undefined) payload.comment.in_reply_to_id = options.inReplyTo;
  else delete payload.comment.in_reply_to_id;
  return payload;
}

/** `check_suite.completed` of commit `sha` on `branch`, failed (a repository whose default branch is `master`). */
export function checkSuiteFailed(sha: string, branch: string) {
  const payload = example("check_suite", "completed");
  payload.repository.default_branch = "master";
  payload.check_suite.head_sha = sha;
  payload.check_suite.head_branch = branch;
  payload.check_suite.conclusion = "failure";
  payload.installation ??= { id: INSTALLATION_ID };
  return payload;
}
