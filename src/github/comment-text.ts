/**
 * The job's reference in Droid's comments. Figures (money, time, the short job id) come
 * from `figures/`; text Droid did not write goes through `safe-markdown.ts`.
 */
import { shortJobId } from "../figures/job-id.ts";

/** "job `<short id>`", linked to the job's run page (which shows the full id) when there is one. */
export function jobReference(jobId: string, pageUrl: string | null | undefined): string {
  const id = `job \`${shortJobId(jobId)}\``;
  return pageUrl ? `[${id}](${pageUrl})` : id;
}

/** Hidden under a comment a job posted: a retry of the job finds it by its full id and does not post it again. */
export function jobMarker(jobId: string): string {
  return `<!-- droid:job ${jobId} -->`;
}

/** The one footer of a comment a job posts: "Droid · job `…`", and the job's hidden marker. */
export function jobFooter(jobId: string, pageUrl: string | null | undefined): string {
  return `<sub>Droid · ${jobReference(jobId, pageUrl)}</sub>\n${jobMarker(jobId)}`;
}
