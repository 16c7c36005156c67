/**
 * Missed deliveries. GitHub does not retry a webhook delivery that failed (Droid was
 * down, or answered 5xx); on start-up Droid lists the app's recent deliveries and asks
 * GitHub to redeliver each failed one once, so nothing a user asked for while Droid was
 * away is lost. A delivery is skipped when any attempt at it succeeded, when it already
 * created a job, or when it was already redelivered (by a previous start-up or by hand).
 *
 * Uses the app's JWT-authenticated client (`await app.auth()` in Probot).
 */
import type { Logger } from "pino";
import { z } from "zod";

/** The part of an Octokit client this needs (Probot's `await app.auth()` is one). */
export interface AppClient {
  request(
    route: string,
    parameters?: Record<string, unknown>,
  ): Promise<{ data: unknown; headers: Record<string, string | number | undefined> }>;
}

export interface RedeliverOptions {
  /** Only deliveries made within this many hours are considered. */
  windowHours: number;
  /** True when the delivery (by its GUID, `X-GitHub-Delivery`) already created a job. */
  isRecorded: (guid: string) => Promise<boolean>;
  log: Logger;
  now?: () => Date;
  /** At most this many redeliveries per run (GitHub rate-limits the endpoint). */
  limit?: number;
}

export interface RedeliveryReport {
  /** GUIDs whose redelivery GitHub accepted. */
  redelivered: string[];
  /** GUIDs whose redelivery GitHub refused, with its status. */
  refused: { guid: string; status: number }[];
  /** How many deliveries in the window were looked at. */
  examined: number;
}

const deliverySchema = z.object({
  id: z.number(),
  guid: z.string(),
  delivered_at: z.string(),
  redelivery: z.boolean(),
  status_code: z.number(),
  event: z.string(),
  action: z.string().nullable().optional(),
});

type Delivery = z.infer<typeof deliverySchema>;

export async function redeliverMissedWebhooks(github: AppClient, options: RedeliverOptions): Promise<RedeliveryReport> {
  const since = (options.now ?? (() => new Date()))().getTime() - options.windowHours * 3_600_000;
  const attempts = await listDeliveriesSince(github, since);
  const byGuid = Map.groupBy(attempts, (d) => d.guid);
  const report: RedeliveryReport = { redelivered: [], refused: [], examined: attempts.length };
  for (const [guid, tries] of byGuid) {
    if (report.redelivered.length + report.refused.length >= (options.limit ?? 500)) break;
    if (tries.some((t) => succeeded(t) || t.redelivery)) continue;
    if (await options.isRecorded(guid)) continue;
    const latest = tries.reduce((a, b) => (Date.parse(b.delivered_at) > Date.parse(a.delivered_at) ? b : a));
    const log = options.log.child({ deliveryId: guid, event: latest.event, action: latest.action });
    try {
      await github.request("POST /app/hook/deliveries/{delivery_id}/attempts", { delivery_id: latest.id });
      log.info({ failedWith: latest.status_code }, "asked GitHub to redeliver a missed webhook");
      report.redelivered.push(guid);
    } catch (error) {
      const status = z.object({ status: z.number() }).safeParse(error);
      log.error({ err: error }, "GitHub refused to redeliver a missed webhook");
      report.refused.push({ guid, status: status.success ? status.data.status : 0 });
    }
  }
  return report;
}

/** Pages through the app's deliveries (newest first) until one is older than `since`. */
async function listDeliveriesSince(github: AppClient, since: number): Promise<Delivery[]> {
  const found: Delivery[] = [];
  let cursor: string | undefined;
  for (;;) {
    const response = await github.request("GET /app/hook/deliveries", { per_page: 100, ...(cursor ? { cursor } : {}) });
    const page = z.array(deliverySchema).parse(response.data);
    for (const delivery of page) {
      if (Date.parse(delivery.delivered_at) < since) return found;
      found.push(delivery);
    }
    cursor = nextCursor(response.headers.link);
    if (!cursor || page.length === 0) return found;
  }
}

function succeeded(delivery: Delivery): boolean {
  return delivery.status_code >= 200 && delivery.status_code < 300;
}

/** The `cursor` of the `rel="next"` link, if any. */
function nextCursor(link: string | number | undefined): string | undefined {
  if (typeof link !== "string") return undefined;
  for (const part of link.split(",")) {
    const match = /<([^>]+)>;\s*rel="next"/.exec(part);
    if (match?.[1]) return new URL(match[1]).searchParams.get("cursor") ?? undefined;
  }
  return undefined;
}
