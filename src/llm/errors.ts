/** The API kept failing with retryable errors until the retry budget ran out. */
export class LlmUnavailable extends Error {
  override readonly name = "LlmUnavailable";
  readonly attempts: number;
  readonly elapsedMs: number;
  /** HTTP status of the last failure, or null for a connection error or timeout. */
  readonly lastStatus: number | null;

  constructor(attempts: number, elapsedMs: number, lastStatus: number | null) {
    const what = lastStatus === null ? "connection failures" : `HTTP ${lastStatus}`;
    super(`the model API was unavailable (${what}) after ${attempts} attempts in ${Math.round(elapsedMs / 1000)} s`);
    this.attempts = attempts;
    this.elapsedMs = elapsedMs;
    this.lastStatus = lastStatus;
  }
}

/** The API refused the request for a reason retrying cannot fix (bad request, auth, permissions). */
export class LlmRequestRejected extends Error {
  override readonly name = "LlmRequestRejected";
  readonly status: number;

  constructor(status: number, message: string) {
    super(`the model API rejected the request (HTTP ${status}): ${message}`);
    this.status = status;
  }
}

/** The job's abort signal fired while waiting for the model. */
export class LlmAborted extends Error {
  override readonly name = "LlmAborted";
  constructor() {
    super("the request to the model was cancelled");
  }
}
