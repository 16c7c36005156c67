/**
 * Jira signs a webhook registered with a secret (System → WebHooks, or a dynamic
 * webhook) in `X-Hub-Signature`: `sha256=<lowercase hex HMAC-SHA256 of the raw body>`
 * (the WebSub `method=signature` form). Compared in constant time.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export const JIRA_SIGNATURE_HEADER = "x-hub-signature";

export function signJiraBody(body: Buffer | string, secret: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

export function verifyJiraSignature(body: Buffer, header: string | undefined, secret: string): boolean {
  const match = /^sha256=([0-9a-f]{64})$/i.exec(header?.trim() ?? "");
  if (!match?.[1]) return false;
  const expected = createHmac("sha256", secret).update(body).digest();
  const given = Buffer.from(match[1].toLowerCase(), "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}
