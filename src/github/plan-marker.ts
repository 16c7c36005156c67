/**
 * The hidden marker at the very start of a plan comment, carrying the plan's JSON.
 */
import { deflateRawSync, inflateRawSync } from "node:zlib";
import type { StoredPlan } from "../planning/schema.ts";

/** What every plan marker starts with (the comment is found by it). */
export const PLAN_MARKER_PREFIX = "<!-- droid:plan v";
/**
 * The plan's JSON, hidden at the very start of the comment: v2 is raw DEFLATE in base64url
 * (about a third of v1's size); v1, plain base64, is still read. Neither alphabet can
 * hold `-->`, and only a marker that opens the body counts: model text is sanitised
 * (`<` shows as text) and never comes first, so it can neither forge nor break it.
 */
const MARKER = /^<!-- droid:plan v([12]) ([A-Za-z0-9+/=_-]+) -->/;
/** A marker that inflates to more than this is not Droid's (plans are far smaller). */
const MAX_MARKER_JSON_BYTES = 1024 * 1024;

export function encodeStoredPlan(stored: StoredPlan): string {
  const packed = deflateRawSync(Buffer.from(JSON.stringify(stored), "utf8"), { level: 9 }).toString("base64url");
  return `${PLAN_MARKER_PREFIX}2 ${packed} -->`;
}

/** The JSON the marker opening `body` carries (either version), or undefined when there is none or it does not decode. */
export function readPlanMarker(body: string): unknown {
  const [, version, payload] = MARKER.exec(body) ?? [];
  if (version === undefined || payload === undefined) return undefined;
  try {
    const bytes = version === "1" ? Buffer.from(payload, "base64") : inflateRawSync(Buffer.from(payload, "base64url"), { maxOutputLength: MAX_MARKER_JSON_BYTES });
    return JSON.parse(bytes.toString("utf8"));
  } catch {
    return undefined;
  }
}
