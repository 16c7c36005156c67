/**
 * zod schemas for the parts of a job that a durable backend stores as JSON. Reading a
 * stored job parses it: a row damaged on disk or in Redis becomes a `JobStoreError`
 * ("corrupt-record") instead of a half-valid object travelling through the worker.
 */
import { z } from "zod";
import { OUTCOME_KINDS, type JobLinks, type JobOutcome, type JobRequest, type RepoRef, type Target } from "./types.ts";

/** Not strict: a record written before clone URLs were built from the configured host carries a `cloneUrl`, which is dropped. */
export const repoRefSchema = z.object({
  owner: z.string().min(1),
  name: z.string().min(1),
  installationId: z.number().int(),
  defaultBranch: z.string(),
}) satisfies z.ZodType<RepoRef>;

export const targetSchema = z.object({
  kind: z.enum(["issue", "pull_request", "jira_issue"]),
  number: z.number().int().positive(),
}) satisfies z.ZodType<Target>;

const reviewCommentSchema = z.object({
  id: z.number().int(),
  body: z.string(),
  path: z.string(),
  line: z.number().int().nullable(),
  diffHunk: z.string(),
  inReplyToId: z.number().int().nullable(),
});

export const jobRequestSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("plan"), feedback: z.string() }),
  z.object({ kind: z.literal("fix"), instructions: z.string() }),
  z.object({
    kind: z.literal("revise"),
    branch: z.string().min(1),
    reviewId: z.number().int().nullable(),
    reviewBody: z.string(),
    comments: z.array(reviewCommentSchema),
    instructions: z.string(),
  }),
  z.object({
    kind: z.literal("rca"),
    source: z.enum(["sentry", "issue"]),
    sentryIssueId: z.string().nullable(),
  }),
  z.object({ kind: z.literal("ask"), question: z.string() }),
  z.object({
    kind: z.literal("ci-revision"),
    branch: z.string().min(1),
    headSha: z.string().regex(/^[0-9a-f]{40}$/),
    attempt: z.number().int().positive(),
    failing: z.array(z.string()),
  }),
]) satisfies z.ZodType<JobRequest>;

export const jobLinksSchema = z.object({
  planCommentId: z.number().int().optional(),
  statusCommentId: z.number().int().optional(),
  pullRequestNumber: z.number().int().optional(),
  branch: z.string().optional(),
  pushed: z.boolean().optional(),
  step: z.string().optional(),
  checkpoint: z.record(z.string(), z.unknown()).optional(),
  resultCommentId: z.number().int().optional(),
  answered: z.array(z.number().int()).optional(),
  checkRunId: z.number().int().optional(),
}) satisfies z.ZodType<JobLinks>;

export const outcomeKindSchema = z.enum(OUTCOME_KINDS);

/**
 * How a job ended (`JobOutcome`), as a run records it ahead of time in its checkpoint. A
 * checkpoint written before outcomes had kinds gets the plainest kind of its state.
 */
export const jobOutcomeSchema = z.discriminatedUnion("state", [
  z.object({ state: z.literal("succeeded"), kind: z.enum(["succeeded", "succeeded-with-failing-tests", "no-change-needed", "superseded", "not-pushed"]).default("succeeded") }),
  z.object({
    state: z.literal("failed"),
    error: z.string(),
    kind: outcomeKindSchema.exclude(["succeeded", "succeeded-with-failing-tests", "no-change-needed", "superseded", "stopped-by-user", "interrupted"]).default("internal-error"),
  }),
  z.object({ state: z.literal("cancelled"), kind: z.literal("stopped-by-user").default("stopped-by-user") }),
  z.object({ state: z.literal("interrupted"), error: z.string(), kind: z.literal("interrupted").default("interrupted") }),
]) satisfies z.ZodType<JobOutcome, unknown>;

export const jobStateSchema = z.enum(["queued", "running", "succeeded", "failed", "cancelled", "interrupted"]);

/** A JSON string holding a value that `schema` accepts. */
export const jsonText = <T extends z.ZodType>(schema: T) =>
  z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: "custom", message: "not JSON" });
        return z.NEVER;
      }
    })
    .pipe(schema);

/** Parses JSON that may be damaged or absent; undefined when it is. */
export function safeJson(value: unknown): unknown {
  if (typeof value !== "string") return undefined;
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}
