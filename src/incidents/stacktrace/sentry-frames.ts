/**
 * Sentry's structured exception (`exception.values[].stacktrace.frames`) as a
 * StackTrace. Sentry lists frames oldest call first and chained exceptions root
 * cause first; frames are turned around to crash site first.
 */
import { z } from "zod";
import type { StackFrame, StackTrace } from "./types.ts";
import { isVendorPath } from "./vendor.ts";

const frameSchema = z.object({
  filename: z.string().nullish(),
  abs_path: z.string().nullish(),
  module: z.string().nullish(),
  function: z.string().nullish(),
  lineno: z.number().int().nullish(),
  colno: z.number().int().nullish(),
  in_app: z.boolean().nullish(),
});

export const sentryExceptionSchema = z.object({
  values: z
    .array(
      z.object({
        type: z.string().nullish(),
        value: z.string().nullish(),
        module: z.string().nullish(),
        stacktrace: z.object({ frames: z.array(frameSchema).nullish() }).nullish(),
      }),
    )
    .nullish(),
});

export type SentryException = z.infer<typeof sentryExceptionSchema>;

export function fromSentryException(exception: SentryException): StackTrace | null {
  const values = exception.values ?? [];
  if (values.length === 0) return null;
  return {
    format: "sentry",
    exceptions: values.map((value) => ({
      type: value.type ?? "Error",
      message: value.value ?? "",
      frames: (value.stacktrace?.frames ?? []).map(toFrame).toReversed(),
    })),
  };
}

function toFrame(frame: z.infer<typeof frameSchema>): StackFrame {
  const file = frame.abs_path || frame.filename || frame.module || "<unknown>";
  return {
    file,
    line: frame.lineno ?? null,
    column: frame.colno ?? null,
    function: frame.function ?? null,
    // Sentry's flag is the SDK's opinion; vendored paths are never the app's code.
    inApp: (frame.in_app ?? true) && !isVendorPath(file) && !isVendorPath(frame.filename ?? ""),
  };
}
