/**
 * A `jobs` row to a `Job`, parsed with zod: a row damaged on disk becomes a typed
 * "corrupt-record" error naming the job, never a half-valid object.
 */
import { z } from "zod";
import { jobLinksSchema, jobRequestSchema, jobStateSchema, jsonText, outcomeKindSchema, repoRefSchema } from "./job-schema.ts";
import { JobStoreError } from "./store-errors.ts";
import type { Job } from "./types.ts";

const millis = z.number().transform((ms) => new Date(ms));

const jobRowSchema = z.object({
  id: z.string(),
  delivery_id: z.string(),
  repo_ref: jsonText(repoRefSchema),
  target_kind: z.enum(["issue", "pull_request", "jira_issue"]),
  target_number: z.number().int(),
  requester: z.string(),
  trigger_comment_id: z.number().int().nullable(),
  request: jsonText(jobRequestSchema),
  state: jobStateSchema,
  attempts: z.number().int(),
  created_at: millis,
  started_at: millis.nullable(),
  ended_at: millis.nullable(),
  cost_usd: z.number(),
  links: jsonText(jobLinksSchema),
  error: z.string().nullable(),
  outcome: outcomeKindSchema.nullable(),
  stopped_by: z.string().nullable(),
});

export function safeParseRow(row: Record<string, unknown>): { success: true; job: Job } | { success: false; problem: string } {
  const parsed = jobRowSchema.safeParse(row);
  if (!parsed.success) return { success: false, problem: z.prettifyError(parsed.error) };
  const r = parsed.data;
  return {
    success: true,
    job: {
      id: r.id,
      deliveryId: r.delivery_id,
      repo: r.repo_ref,
      target: { kind: r.target_kind, number: r.target_number },
      requester: r.requester,
      triggerCommentId: r.trigger_comment_id,
      request: r.request,
      state: r.state,
      attempts: r.attempts,
      createdAt: r.created_at,
      startedAt: r.started_at,
      endedAt: r.ended_at,
      costUsd: r.cost_usd,
      links: r.links,
      error: r.error,
      outcome: r.outcome,
      stoppedBy: r.stopped_by,
    },
  };
}

export function parseRow(row: Record<string, unknown>): Job {
  const parsed = safeParseRow(row);
  if (parsed.success) return parsed.job;
  const id = String(row.id);
  throw new JobStoreError("corrupt-record", `job ${id}: ${parsed.problem}`, { jobId: id });
}
