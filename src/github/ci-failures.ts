/**
 * What a failed check says, read the way an engineer reads it. A GitHub Actions job: its
 * failed steps and its log (`GET /actions/jobs/{id}/logs` answers 302 with the log's URL,
 * which is fetched without Droid's token and read up to a bound, its head and tail kept).
 * Any other check run: its output (title, summary, text) and annotations with file and line.
 * A commit status: its description and link. The log is returned whole (within the bound):
 * the run digests it as the agent digests a command's output.
 */
import { z } from "zod";
import type { CiCheck } from "./ci-checks.ts";
import type { GitHubClient } from "./octokit.ts";

export interface CiAnnotation {
  path: string;
  line: number | null;
  level: string;
  message: string;
  title: string | null;
}

export interface CiFailure {
  /** The check's name as GitHub shows it. */
  name: string;
  kind: "actions-job" | "check-run" | "status";
  conclusion: string | null;
  url: string | null;
  /** The failed steps of an Actions job. */
  failedSteps: string[];
  /** The job's log (Actions), bounded; null when there is none or it could not be read. */
  log: { text: string; bytes: number; truncated: boolean } | null;
  /** Why the log is missing, when it is. */
  logProblem: string | null;
  /** A check run's own report (title, summary, text), or a status's description. */
  report: string;
  annotations: CiAnnotation[];
}

export interface LogBound {
  /** Bytes of a log kept at most (half from its start, half from its end). */
  maxBytes: number;
}

export const DEFAULT_LOG_BOUND: LogBound = { maxBytes: 16 * 1024 * 1024 };

const jobRow = z.object({
  name: z.string(),
  conclusion: z.string().nullable(),
  html_url: z.string().nullable().optional(),
  steps: z.array(z.object({ name: z.string(), conclusion: z.string().nullable() })).optional(),
});

const checkRunRow = z.object({
  output: z.object({ title: z.string().nullable().optional(), summary: z.string().nullable().optional(), text: z.string().nullable().optional() }).optional(),
});

const annotationRow = z.object({
  path: z.string(),
  start_line: z.number().int().nullable().optional(),
  annotation_level: z.string().nullable().optional(),
  message: z.string().nullable().optional(),
  title: z.string().nullable().optional(),
});

const MAX_ANNOTATIONS = 50;

/** Reads each failed check; a check that cannot be read is described by what the listing said. */
export async function readCiFailures(octokit: GitHubClient, repo: { owner: string; repo: string }, failed: readonly CiCheck[], bound: LogBound = DEFAULT_LOG_BOUND): Promise<CiFailure[]> {
  const out: CiFailure[] = [];
  for (const check of failed) {
    const base: CiFailure = { name: check.name, kind: "status", conclusion: check.conclusion, url: check.url, failedSteps: [], log: null, logProblem: null, report: "", annotations: [] };
    if (check.source === "status") {
      out.push({ ...base, report: check.description ?? "" });
      continue;
    }
    const annotations = await readAnnotations(octokit, repo, check.id);
    if (check.app === "github-actions") {
      // An Actions job's check run has the job's id.
      const { data } = await octokit.rest.actions.getJobForWorkflowRun({ ...repo, job_id: check.id });
      const job = jobRow.parse(data);
      const failedSteps = (job.steps ?? []).filter((s) => s.conclusion === "failure" || s.conclusion === "timed_out").map((s) => s.name);
      const log = await downloadJobLog(octokit, repo, check.id, bound).catch((error: unknown) => ({ problem: error instanceof Error ? error.message : String(error) }));
      out.push({ ...base, kind: "actions-job", url: job.html_url ?? check.url, failedSteps, annotations, ...("problem" in log ? { logProblem: log.problem } : { log }) });
      continue;
    }
    const { data } = await octokit.rest.checks.get({ ...repo, check_run_id: check.id });
    const output = checkRunRow.parse(data).output;
    const report = [output?.title, output?.summary, output?.text].filter((t): t is string => typeof t === "string" && t.trim() !== "").join("\n\n");
    out.push({ ...base, kind: "check-run", report, annotations });
  }
  return out;
}

async function readAnnotations(octokit: GitHubClient, repo: { owner: string; repo: string }, checkRunId: number): Promise<CiAnnotation[]> {
  const { data } = await octokit.rest.checks.listAnnotations({ ...repo, check_run_id: checkRunId, per_page: MAX_ANNOTATIONS });
  return data.slice(0, MAX_ANNOTATIONS).map((raw) => {
    const a = annotationRow.parse(raw);
    return { path: a.path, line: a.start_line ?? null, level: a.annotation_level ?? "failure", message: a.message ?? "", title: a.title ?? null };
  });
}

/**
 * The log of an Actions job. GitHub answers 302 with a short-lived URL of the log; it is
 * fetched without Droid's token (the token never leaves for another host), and read as a
 * stream: beyond `maxBytes`, the first and the last half are kept.
 */
export async function downloadJobLog(octokit: GitHubClient, repo: { owner: string; repo: string }, jobId: number, bound: LogBound): Promise<{ text: string; bytes: number; truncated: boolean }> {
  const answer = await octokit.request("GET /repos/{owner}/{repo}/actions/jobs/{job_id}/logs", { ...repo, job_id: jobId, request: { redirect: "manual" } });
  const location = typeof answer.headers.location === "string" ? answer.headers.location : null;
  if (answer.status !== 302 || location === null) throw new Error(`the log request was answered ${answer.status} without a redirect`);
  const url = new URL(location);
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error(`the log's URL is not http(s)`);
  const response = await fetch(url, { redirect: "follow" });
  if (!response.ok || response.body === null) throw new Error(`the log's URL answered ${response.status}`);
  return readBounded(response.body, bound.maxBytes);
}

/** Reads a stream keeping at most `maxBytes`: its first half, and a rolling last half. */
async function readBounded(body: ReadableStream<Uint8Array>, maxBytes: number): Promise<{ text: string; bytes: number; truncated: boolean }> {
  const half = Math.floor(maxBytes / 2);
  const head: Uint8Array[] = [];
  let headBytes = 0;
  const tail: Uint8Array[] = [];
  let tailBytes = 0;
  let bytes = 0;
  for await (const chunk of body) {
    bytes += chunk.byteLength;
    let rest = chunk;
    if (headBytes < half) {
      const take = rest.subarray(0, half - headBytes);
      head.push(take);
      headBytes += take.byteLength;
      rest = rest.subarray(take.byteLength);
    }
    if (rest.byteLength === 0) continue;
    tail.push(rest);
    tailBytes += rest.byteLength;
    while (tailBytes - (tail[0]?.byteLength ?? 0) >= half) tailBytes -= tail.shift()?.byteLength ?? 0;
  }
  const truncated = bytes > headBytes + tailBytes;
  const text = Buffer.concat(head).toString("utf8") + (truncated ? `\n… (${bytes - headBytes - tailBytes} bytes of the log not kept) …\n` : "") + Buffer.concat(tail).toString("utf8");
  return { text, bytes, truncated };
}
