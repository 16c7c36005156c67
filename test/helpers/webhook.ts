import { createHmac, randomUUID } from "node:crypto";

/** Delivers a webhook over HTTP the way GitHub does, signed with `secret`. */
export async function sendWebhook(
  url: string,
  event: string,
  payload: unknown,
  options: { secret: string; deliveryId?: string; signature?: string },
): Promise<Response> {
  const body = JSON.stringify(payload);
  const signature = options.signature ?? `sha256=${createHmac("sha256", options.secret).update(body).digest("hex")}`;
  return fetch(`${url}/api/github/webhooks`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "user-agent": "GitHub-Hookshot/test",
      "x-github-event": event,
      "x-github-delivery": options.deliveryId ?? randomUUID(),
      "x-hub-signature-256": signature,
    },
    body,
  });
}
