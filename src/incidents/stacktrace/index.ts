export { parseStackTrace, type TraceOptions } from "./parse.ts";
export type { RepositoryName } from "./own-code.ts";
export { fromSentryEvent, fromSentryException, sentryExceptionSchema, sentryThreadsSchema, type SentryException } from "./sentry-frames.ts";
export {
  analysedException,
  inAppFrames,
  innermostInAppFrame,
  mainException,
  type AnalysedException,
  type AnalysisReason,
  type ParsedException,
  type StackFrame,
  type StackTrace,
  type TraceFormat,
} from "./types.ts";
