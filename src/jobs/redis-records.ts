/**
 * The Redis queue's job hashes read back into `Job`s (parsed with zod, so a damaged
 * hash is a typed "corrupt-record" error), and Redis failures into `JobStoreError`s.
 */
import { z } from "zod";
import { jobLinksSchema, jobRequestSchema, jobStateSchema, jsonText, outcomeKindSchema, repoRefSchema, targetSchema } from "./job-schema.ts";
import { JobStoreError, type JobStoreFailure } from "./store-errors.ts";
import type { Job } from "./types.ts";

export function redisError(error: unknown, doing: string): JobStoreError {
  if (error instanceof JobStoreError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const reason: JobStoreFailure = message.startsWith("lost-lease")
    ? "lost-lease"
    : message.startsWith("unknown-job")
      ? "unknown-job"
      : message.includes("OOM")
        ? "disk-full"
        : message.includes("READONLY") || message.includes("MISCONF")
          ? "read-only"
          : error instanceof z.ZodError
            ? "corrupt-record"
            : "unavailable";
  return new JobStoreError(reason, `${doing}: ${message}`, { cause: error });
}



const millis = z.coerce.number().int().transform((ms) => new Date(ms));

const jobHashSchema = z.object({
  data: jsonText(
    z.object({
      deliveryId: z.string(),
      repo: repoRefSchema,
      target: targetSchema,
      requester: z.string(),
      triggerCommentId: z.number().int().nullable(),
      request: jobRequestSchema,
    }),
  ),
  state: jobStateSchema,
  attempts: z.coerce.number().int(),
  created: millis,
  started: millis.optional(),
  ended: millis.optional(),
  cost: z.coerce.number(),
  links: jsonText(jobLinksSchema),
  error: z.string().optional(),
  outcome: outcomeKindSchema.optional(),
  /** Absent in hashes written before stops were attributed, and when nobody asked. */
  stopper: z.string().optional(),
});

export function parseJob(id: string, fields: Record<string, string>): Job {
  const parsed = jobHashSchema.safeParse(fields);
  if (!parsed.success) {
    throw new JobStoreError("corrupt-record", `job ${id}: ${z.prettifyError(parsed.error)}`, { jobId: id });
  }
  const h = parsed.data;
  return {
    ...h.data,
    id,
    state: h.state,
    attempts: h.attempts,
    createdAt: h.created,
    startedAt: h.started ?? null,
    endedAt: h.ended ?? null,
    costUsd: h.cost,
    links: h.links,
    error: h.error ?? null,
    outcome: h.outcome ?? null,
    stoppedBy: h.stopper ?? null,
  };
}
