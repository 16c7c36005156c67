/**
 * A stack trace, whatever language or source it came from. Frames are ordered
 * crash site first (the frame that raised is `frames[0]`), whatever order the
 * original format printed them in.
 */

export type TraceFormat = "python" | "javascript" | "java" | "go" | "ruby" | "rust" | "dotnet" | "php" | "dart" | "sentry";

export interface StackFrame {
  /** The path as the trace shows it (for Java: package path + file name). */
  file: string;
  line: number | null;
  column: number | null;
  function: string | null;
  /** True for the application's own code; false for libraries, the runtime and vendored code. */
  inApp: boolean;
}

export interface ParsedException {
  type: string;
  message: string;
  /** Crash site first. */
  frames: StackFrame[];
}

export interface StackTrace {
  format: TraceFormat;
  /**
   * Chained exceptions, root cause first and the exception that reached the top
   * last (Sentry's order). Most traces hold one.
   */
  exceptions: ParsedException[];
}

/** The exception that reached the top (what the alert is about). */
export function mainException(trace: StackTrace): ParsedException | undefined {
  return trace.exceptions.at(-1);
}

/** In-app frames of every exception in the chain, main exception first, crash site first. */
export function inAppFrames(trace: StackTrace): StackFrame[] {
  return trace.exceptions.toReversed().flatMap((e) => e.frames.filter((f) => f.inApp));
}

/**
 * Why Droid analyses the exception it does:
 * - `single`: the trace holds one exception;
 * - `root-cause`: the root cause of the chain has frames of the application;
 * - `nearest-with-app-frames`: the root cause has none, so the exception nearest to it that has some;
 * - `no-app-frames`: no exception of the chain has a frame of the application (the main one is kept).
 */
export type AnalysisReason = "single" | "root-cause" | "nearest-with-app-frames" | "no-app-frames";

export interface AnalysedException {
  /** Index in `trace.exceptions` (root cause first). */
  index: number;
  exception: ParsedException;
  why: AnalysisReason;
}

/** The exception of the chain whose frames say where to look: the root cause, unless it is library code only. */
export function analysedException(trace: StackTrace): AnalysedException | undefined {
  const { exceptions } = trace;
  const last = exceptions.at(-1);
  if (!last) return undefined;
  if (exceptions.length === 1) return { index: 0, exception: last, why: "single" };
  const index = exceptions.findIndex((e) => e.frames.some((f) => f.inApp));
  if (index < 0) return { index: exceptions.length - 1, exception: last, why: "no-app-frames" };
  const exception = exceptions[index] ?? last;
  return { index, exception, why: index === 0 ? "root-cause" : "nearest-with-app-frames" };
}

/** The frame a developer opens first: the crash-site-most in-app frame of the analysed exception. */
export function innermostInAppFrame(trace: StackTrace): StackFrame | undefined {
  return analysedException(trace)?.exception.frames.find((f) => f.inApp);
}
