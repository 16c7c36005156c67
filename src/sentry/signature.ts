/**
 * Sentry signs each integration webhook with the integration's client secret:
 * `Sentry-Hook-Signature` is the lowercase hex HMAC-SHA256 of the raw request body.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export function signSentryBody(body: Buffer | string, clientSecret: string): string {
  return createHmac("sha256", clientSecret).update(body).digest("hex");
}

export function verifySentrySignature(body: Buffer, signature: string | undefined, clientSecret: string): boolean {
  if (!signature || !/^[0-9a-f]{64}$/i.test(signature.trim())) return false;
  const expected = Buffer.from(signSentryBody(body, clientSecret), "hex");
  const given = Buffer.from(signature.trim().toLowerCase(), "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}
