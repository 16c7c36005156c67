/**
 * Sentry's structured exception (`exception.values[].stacktrace.frames`) as a
 * StackTrace; the crashed thread's stack (`threads.values[]`) when the exception has
 * none. Sentry lists frames oldest call first and chained exceptions root cause
 * first; frames are turned around to crash site first.
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
  /** Sentry's server rules may turn `in_app` off; `orig_in_app: 1` is what the SDK said. */
  data: z.object({ orig_in_app: z.number().nullish() }).nullish(),
});

const stacktraceSchema = z.object({ frames: z.array(frameSchema).nullish() }).nullish();

export const sentryExceptionSchema = z.object({
  values: z
    .array(
      z.object({
        type: z.string().nullish(),
        value: z.string().nullish(),
        module: z.string().nullish(),
        stacktrace: stacktraceSchema,
      }),
    )
    .nullish(),
});

export const sentryThreadsSchema = z.object({
  values: z.array(z.object({ crashed: z.boolean().nullish(), current: z.boolean().nullish(), name: z.string().nullish(), stacktrace: stacktraceSchema })).nullish(),
});

export type SentryException = z.infer<typeof sentryExceptionSchema>;
type SentryThreads = z.infer<typeof sentryThreadsSchema>;

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

/**
 * The event's exception; when it has no frames, the crashed (or current) thread's stack
 * under the exception's type, or the event's message.
 */
export function fromSentryEvent(event: { exception?: SentryException | null; threads?: SentryThreads | null; message?: string | null }): StackTrace | null {
  const trace = event.exception ? fromSentryException(event.exception) : null;
  if (trace?.exceptions.some((e) => e.frames.length > 0)) return trace;
  const threads = event.threads?.values ?? [];
  const thread = threads.find((t) => t.crashed) ?? threads.find((t) => t.current) ?? (threads.length === 1 ? threads[0] : undefined);
  const frames = (thread?.stacktrace?.frames ?? []).map(toFrame).toReversed();
  if (frames.length === 0) return trace;
  const top = trace?.exceptions.at(-1);
  return { format: "sentry", exceptions: [{ type: top?.type ?? "Error", message: top?.message || (event.message ?? ""), frames }] };
}

function toFrame(frame: z.infer<typeof frameSchema>): StackFrame {
  const file = frame.abs_path || frame.filename || frame.module || "<unknown>";
  const sdkSaysInApp = frame.data?.orig_in_app === 1;
  return {
    file,
    line: frame.lineno ?? null,
    column: frame.colno ?? null,
    function: frame.function ?? null,
    // Sentry's flag is the SDK's opinion; vendored paths are never the app's code.
    inApp: (sdkSaysInApp || (frame.in_app ?? true)) && !isVendorPath(file) && !isVendorPath(frame.filename ?? ""),
  };
}
