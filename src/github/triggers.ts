/**
 * Webhook payloads → typed triggers. Only the fields Droid uses are parsed (zod),
 * so a malformed payload is a clear "not a trigger" with a reason, never a crash.
 */
import { z } from "zod";
import type { RepoRef, Target } from "../jobs/types.ts";

const user = z.object({ login: z.string().min(1), type: z.string() });

const repository = z.object({
  name: z.string().min(1),
  owner: z.object({ login: z.string().min(1) }),
  // No clone_url: clone URLs are built from the configured GitHub host, never taken from a payload.
  default_branch: z.string().min(1),
});

const installation = z.object({ id: z.number().int().positive() });

const base = { repository, sender: user, installation: installation.optional() };

const issueComment = z.object({
  ...base,
  issue: z.object({ number: z.number().int().positive(), pull_request: z.unknown().optional() }),
  comment: z.object({ id: z.number().int().positive(), body: z.string().nullable(), user }),
});

const issueLabeled = z.object({
  ...base,
  issue: z.object({ number: z.number().int().positive(), pull_request: z.unknown().optional() }),
  label: z.object({ name: z.string() }).optional(),
});

const pullRequest = z.object({
  number: z.number().int().positive(),
  state: z.string(),
  head: z.object({ ref: z.string(), repo: z.object({ full_name: z.string() }).nullable() }),
  base: z.object({ repo: z.object({ full_name: z.string() }) }),
});

const reviewSubmitted = z.object({
  ...base,
  pull_request: pullRequest,
  review: z.object({ id: z.number().int().positive(), state: z.string(), body: z.string().nullable(), user }),
});

const reviewComment = z.object({
  ...base,
  pull_request: pullRequest,
  comment: z.object({
    id: z.number().int().positive(),
    body: z.string(),
    path: z.string(),
    line: z.number().int().nullable().optional(),
    diff_hunk: z.string(),
    in_reply_to_id: z.number().int().positive().optional(),
    /** The review GitHub made the comment part of (a lone reply gets a review of its own). */
    pull_request_review_id: z.number().int().positive().nullable().optional(),
    user,
  }),
});

export interface Actor {
  login: string;
  isBot: boolean;
}

/** The branch of a pull request, and whether Droid can push to it. */
export interface PullRequestHead {
  branch: string;
  sameRepository: boolean;
  open: boolean;
}

interface TriggerBase {
  deliveryId: string;
  repo: RepoRef;
  target: Target;
  sender: Actor;
}

export type Trigger =
  | (TriggerBase & { kind: "label"; label: string })
  | (TriggerBase & { kind: "comment"; commentId: number; body: string })
  | (TriggerBase & {
      kind: "review";
      reviewId: number;
      state: string;
      body: string;
      head: PullRequestHead;
    })
  | (TriggerBase & {
      kind: "review-reply";
      commentId: number;
      /** The review the reply belongs to: its `review` event asks for the same revision. */
      reviewId: number | null;
      inReplyToId: number;
      body: string;
      path: string;
      line: number | null;
      diffHunk: string;
      head: PullRequestHead;
    });

/** Why a webhook is not a trigger; logged at debug level. */
export type NotATrigger = { ignored: string };

export type TriggerParse = Trigger | NotATrigger;

export function isTrigger(parse: TriggerParse): parse is Trigger {
  return "kind" in parse;
}

/** Reads a webhook (event name with action, delivery id, payload) into a trigger. */
export function readTrigger(event: string, deliveryId: string, payload: unknown): TriggerParse {
  switch (event) {
    case "issue_comment.created":
      return fromIssueComment(deliveryId, payload);
    case "issues.labeled":
      return fromIssueLabeled(deliveryId, payload);
    case "pull_request_review.submitted":
      return fromReview(deliveryId, payload);
    case "pull_request_review_comment.created":
      return fromReviewComment(deliveryId, payload);
    default:
      return { ignored: `event ${event} starts nothing` };
  }
}

function fromIssueComment(deliveryId: string, payload: unknown): TriggerParse {
  const parsed = issueComment.safeParse(payload);
  if (!parsed.success) return malformed(parsed.error);
  const p = parsed.data;
  const repo = repoRef(p);
  if (!repo) return noInstallation;
  return {
    kind: "comment",
    deliveryId,
    repo,
    target: { kind: p.issue.pull_request === undefined ? "issue" : "pull_request", number: p.issue.number },
    sender: actor(p.comment.user),
    commentId: p.comment.id,
    body: p.comment.body ?? "",
  };
}

function fromIssueLabeled(deliveryId: string, payload: unknown): TriggerParse {
  const parsed = issueLabeled.safeParse(payload);
  if (!parsed.success) return malformed(parsed.error);
  const p = parsed.data;
  if (!p.label) return { ignored: "labeled event without a label" };
  if (p.issue.pull_request !== undefined) return { ignored: "labels on pull requests start nothing" };
  const repo = repoRef(p);
  if (!repo) return noInstallation;
  return {
    kind: "label",
    deliveryId,
    repo,
    target: { kind: "issue", number: p.issue.number },
    sender: actor(p.sender),
    label: p.label.name,
  };
}

function fromReview(deliveryId: string, payload: unknown): TriggerParse {
  const parsed = reviewSubmitted.safeParse(payload);
  if (!parsed.success) return malformed(parsed.error);
  const p = parsed.data;
  const repo = repoRef(p);
  if (!repo) return noInstallation;
  return {
    kind: "review",
    deliveryId,
    repo,
    target: { kind: "pull_request", number: p.pull_request.number },
    sender: actor(p.review.user),
    reviewId: p.review.id,
    state: p.review.state.toLowerCase(),
    body: p.review.body ?? "",
    head: head(p.pull_request),
  };
}

function fromReviewComment(deliveryId: string, payload: unknown): TriggerParse {
  const parsed = reviewComment.safeParse(payload);
  if (!parsed.success) return malformed(parsed.error);
  const p = parsed.data;
  // A new comment (not a reply) belongs to a review; the review event covers it.
  if (p.comment.in_reply_to_id === undefined) return { ignored: "review comment is part of a review" };
  const repo = repoRef(p);
  if (!repo) return noInstallation;
  return {
    kind: "review-reply",
    deliveryId,
    repo,
    target: { kind: "pull_request", number: p.pull_request.number },
    sender: actor(p.comment.user),
    commentId: p.comment.id,
    reviewId: p.comment.pull_request_review_id ?? null,
    inReplyToId: p.comment.in_reply_to_id,
    body: p.comment.body,
    path: p.comment.path,
    line: p.comment.line ?? null,
    diffHunk: p.comment.diff_hunk,
    head: head(p.pull_request),
  };
}

const noInstallation: NotATrigger = { ignored: "payload has no installation (not delivered to an installed app)" };

function malformed(error: z.ZodError): NotATrigger {
  const first = error.issues[0];
  return { ignored: `malformed payload: ${first ? `${first.path.join(".")}: ${first.message}` : "invalid"}` };
}

function repoRef(p: { repository: z.infer<typeof repository>; installation?: { id: number } | undefined }): RepoRef | null {
  if (!p.installation) return null;
  return {
    owner: p.repository.owner.login,
    name: p.repository.name,
    installationId: p.installation.id,
    defaultBranch: p.repository.default_branch,
  };
}

function actor(u: z.infer<typeof user>): Actor {
  return { login: u.login, isBot: u.type === "Bot" || u.login.endsWith("[bot]") };
}

function head(pr: z.infer<typeof pullRequest>): PullRequestHead {
  return {
    branch: pr.head.ref,
    sameRepository: pr.head.repo !== null && pr.head.repo.full_name === pr.base.repo.full_name,
    open: pr.state === "open",
  };
}
