/**
 * A job's id as texts show it: the first 8 characters (a UUID's first group), which fit
 * a phone's line and are enough to tell a repository's jobs apart. The run page, the
 * logs and hidden markers keep the full id.
 */
export const SHORT_JOB_ID_LENGTH = 8;

export function shortJobId(jobId: string): string {
  return jobId.slice(0, SHORT_JOB_ID_LENGTH);
}
