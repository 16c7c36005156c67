/**
 * Records the job a trigger asks for, within the operator's caps: a daily spending cap already
 * reached, or a full repository queue, is answered and nothing is recorded; a request the
 * store already holds (the same delivery, an active job for the target, a review an active
 * revision answers) is not recorded twice.
 */
import type { Logger } from "pino";
import { DEFAULT_CAPS, type JobCaps } from "../config/policy.ts";
import type { JobQueue } from "../jobs/queue.ts";
import { capReached, dailyUsage, hasDailyCap } from "../jobs/spending.ts";
import { isJobStoreError } from "../jobs/store-errors.ts";
import type { NewJob, QueueFull, EnqueueResult } from "../jobs/types.ts";
import * as say from "./messages.ts";
import { dailyCapMessage, queueFullMessage } from "./policy-messages.ts";

export interface RecordJobDeps {
  queue: JobQueue;
  /** The operator's caps (default: the settings' defaults). */
  caps?: JobCaps | undefined;
}

export async function recordJob(deps: RecordJobDeps, job: NewJob, word: string, log: Logger, reply: (body: string) => void): Promise<void> {
  const caps = deps.caps ?? DEFAULT_CAPS;
  let result: EnqueueResult | QueueFull;
  try {
    const over = hasDailyCap(caps) ? capReached(await dailyUsage(deps.queue, job.repo), caps) : null;
    if (over) {
      log.info({ ...over, deliveryId: job.deliveryId }, "daily spending cap reached: nothing recorded");
      reply(dailyCapMessage(over));
      return;
    }
    result = await deps.queue.enqueue(job, { maxQueuedInRepo: caps.maxQueuedPerRepo });
  } catch (error) {
    if (!isJobStoreError(error)) throw error;
    // The store failed (locked, disk full, unreachable): say so on GitHub and keep answering webhooks.
    log.error({ err: error, reason: error.reason, deliveryId: job.deliveryId }, "could not record the job");
    reply(say.jobNotRecordedMessage(error.userMessage));
    return;
  }
  switch (result.status) {
    case "queue-full":
      log.info({ queued: result.queued, deliveryId: job.deliveryId }, "repository queue full: nothing recorded");
      reply(queueFullMessage(result.queued, word));
      return;
    case "covered":
      // The same review reached Droid as another event (a reply is also a review): the active job answers it.
      log.info({ jobId: result.job.id, deliveryId: job.deliveryId }, "review already recorded by an active revision");
      return;
    case "already-active":
      log.info({ jobId: result.job.id, kind: job.request.kind, status: result.status }, "job recorded");
      reply(say.alreadyActiveMessage(result.job, word));
      return;
    case "created":
    case "duplicate-delivery":
      log.info({ jobId: result.job.id, kind: job.request.kind, status: result.status }, "job recorded");
      return;
  }
}
