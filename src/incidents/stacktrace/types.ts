/**
 * A stack trace, whatever language or source it came from. Frames are ordered
 * crash site first (the frame that raised is `frames[0]`), whatever order the
 * original format printed them in.
 */

export type TraceFormat = "python" | "javascript" | "java" | "go" | "ruby" | "sentry";

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
