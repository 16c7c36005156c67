/**
 * The HTTP endpoint for Jira webhooks, on Droid's server. Cheap work only: bounded
 * read, signature, replay checks, parse, then the intake (mapping, gate, job) and an answer.
 *
 *   405  not a POST
 *   413  body larger than the limit (refused from Content-Length, or cut off while reading)
 *   401  missing or wrong `X-Hub-Signature`, or a payload `timestamp` outside the replay window
 *   400  not JSON, or not a Jira webhook (no `webhookEvent`)
 *   200  an event that starts nothing (with the reason), or a delivery already accepted
 *   202  handled: a job recorded, a command answered, or a refusal posted
 *   500  the intake failed (GitHub or Jira did not answer): Jira retries the delivery, which is then handled
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import { answerJson as answer, header, readBoundedBody, refuseTooLarge } from "../http/body.ts";
import type { IntakeAnswer, JiraIntake } from "./intake.ts";
import { readJiraEvent } from "./payload.ts";
import { JiraReplayGuard } from "./replay.ts";
import type { JiraSettings } from "./settings.ts";
import { JIRA_SIGNATURE_HEADER, verifyJiraSignature } from "./signature.ts";

export const JIRA_WEBHOOK_PATH = "/api/jira/webhooks";
/** Jira's delivery id, the same on its retries of one delivery. */
export const JIRA_DELIVERY_HEADER = "x-atlassian-webhook-identifier";

export interface JiraHandlerDeps {
  settings: Pick<JiraSettings, "webhookSecret" | "maxBodyBytes" | "replayWindowSeconds" | "label">;
  intake: Pick<JiraIntake, "answer">;
  log: Logger;
  now?: () => number;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export function jiraWebhookHandler(deps: JiraHandlerDeps): Handler {
  const replays = new JiraReplayGuard({ windowSeconds: deps.settings.replayWindowSeconds, ...(deps.now ? { now: deps.now } : {}) });
  return async (req, res) => {
    if (new URL(req.url ?? "/", "http://localhost").pathname.replace(/\/+$/, "") !== JIRA_WEBHOOK_PATH) return false;
    const deliveryId = header(req, JIRA_DELIVERY_HEADER);
    const log = deps.log.child({ name: "jira", deliveryId: deliveryId ?? null });
    if (req.method !== "POST") {
      answer(res, 405, { error: "Jira webhooks are POSTed" }, { allow: "POST" });
      return true;
    }
    const body = await readBoundedBody(req, deps.settings.maxBodyBytes);
    if (body === "too-large") {
      log.warn({ limit: deps.settings.maxBodyBytes, contentLength: header(req, "content-length") ?? null }, "Jira webhook refused: body too large (DROID_JIRA_MAX_BODY_BYTES)");
      refuseTooLarge(req, res, deps.settings.maxBodyBytes);
      return true;
    }
    if (!verifyJiraSignature(body, header(req, JIRA_SIGNATURE_HEADER), deps.settings.webhookSecret)) {
      log.warn("Jira webhook refused: missing or invalid X-Hub-Signature (check DROID_JIRA_WEBHOOK_SECRET)");
      answer(res, 401, { error: "invalid signature" });
      return true;
    }
    let payload: unknown;
    try {
      payload = JSON.parse(body.toString("utf8"));
    } catch {
      answer(res, 400, { error: "body is not JSON" });
      return true;
    }
    const read = readJiraEvent(payload, deps.settings.label);
    if (read.kind === "malformed") {
      log.warn({ problem: read.problem }, "Jira webhook refused: malformed payload");
      answer(res, 400, { error: `malformed payload: ${read.problem}` });
      return true;
    }
    const timing = replays.checkTimestamp(read.timestampMs);
    if (timing.kind !== "fresh") {
      const why = timing.kind === "missing" ? "the payload has no timestamp" : `its timestamp is ${timing.skewSeconds} s from now, outside the ${replays.windowSeconds} s replay window`;
      log.warn({ why }, "Jira webhook refused as a possible replay (DROID_JIRA_REPLAY_WINDOW_SECONDS)");
      answer(res, 401, { error: `stale delivery: ${why}` });
      return true;
    }
    if (read.kind === "ignored") {
      log.debug({ why: read.why }, "Jira webhook starts nothing");
      answer(res, 200, { ignored: read.why });
      return true;
    }
    if (!replays.firstDelivery(deliveryId, body)) {
      log.info("Jira webhook ignored: this delivery was already accepted");
      answer(res, 200, { ignored: "this delivery was already accepted" });
      return true;
    }
    const ticketLog = log.child({ ticket: read.event.ticket.key });
    let answered: IntakeAnswer;
    try {
      answered = await deps.intake.answer(read.event, deliveryId ?? `${read.event.ticket.id}:${read.timestampMs ?? 0}`, ticketLog);
    } catch (error) {
      // Jira retries a delivery answered 5xx (same identifier): the retry must not be taken for a replay.
      replays.forget(deliveryId, body);
      ticketLog.error({ err: error }, "Jira webhook could not be handled; Jira will retry it");
      answer(res, 500, { error: "internal error; Jira will retry this delivery" });
      return true;
    }
    ticketLog.info({ outcome: answered.kind, detail: answered.detail }, "Jira webhook handled");
    answer(res, answered.kind === "ignored" ? 200 : 202, { [answered.kind]: answered.detail });
    return true;
  };
}
