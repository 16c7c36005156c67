/**
 * Links to Droid's own HTTP server (`DROID_PUBLIC_URL`): the run page of a job, which
 * comments, pull request bodies (and check runs) point to.
 */

/** `<public URL>/runs/<job id>`, or null when no public URL is configured. */
export function runPageUrl(publicUrl: string | null, jobId: string): string | null {
  return publicUrl === null ? null : `${publicUrl}/runs/${encodeURIComponent(jobId)}`;
}
