export { parseStackTrace } from "./parse.ts";
export { fromSentryException, sentryExceptionSchema, type SentryException } from "./sentry-frames.ts";
export { inAppFrames, mainException, type ParsedException, type StackFrame, type StackTrace, type TraceFormat } from "./types.ts";
