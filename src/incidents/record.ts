/**
 * What Droid knows about one incident, kept as JSON in a hidden marker in the
 * incident issue's body so that any update (a new alert, the RCA runner's report)
 * re-renders the whole body without losing what an earlier writer put there.
 */
import { z } from "zod";

const MARKER = /<!--\s*droid:incident\s+(\{[\s\S]*?\})\s*-->/;

const frameSchema = z.object({
  file: z.string(),
  line: z.number().int().nullable(),
  column: z.number().int().nullable(),
  function: z.string().nullable(),
  inApp: z.boolean(),
  /** The repository file the frame points at, when it could be placed. */
  repoPath: z.string().nullable(),
  /** Why the frame could not be placed (minified, vendor, ambiguous…). */
  note: z.string().nullable(),
});

const confidence = z.enum(["high", "medium", "low"]);

/** A chained exception (Java `Caused by`, Python's chain, a JS `cause`, .NET inner exceptions): which one `frames` are from, and why. */
const chainSchema = z.object({
  /** Root cause first. */
  exceptions: z.array(z.object({ type: z.string(), message: z.string(), inAppFrames: z.number().int().min(0) })),
  analysed: z.number().int().min(0),
  why: z.enum(["root-cause", "nearest-with-app-frames", "no-app-frames"]),
});

const suspectSchema = z.object({
  sha: z.string(),
  headline: z.string(),
  url: z.string(),
  committedAt: z.string(),
  author: z.string().nullable(),
  pullRequest: z.object({ number: z.number().int(), title: z.string(), url: z.string() }).nullable(),
  confidence,
  reasons: z.array(z.string()),
});

/** The parts a model writes (the RCA runner fills them); everything else is measured. */
const analysisSchema = z.object({
  summary: z.string().describe("Two to four sentences: what fails, for whom, since when."),
  suspectedCause: z.object({ text: z.string(), confidence }).nullable(),
  suggestedFix: z.string().nullable(),
  verification: z.string().nullable(),
  /** Claims with links: permalinks to lines, PRs, Sentry events. */
  evidence: z.array(z.object({ text: z.string(), url: z.string().nullable() })),
});

export const incidentRecordSchema = z.object({
  version: z.literal(1),
  source: z.enum(["sentry", "issue"]),
  sentryIssueId: z.string().nullable(),
  project: z.string().nullable(),
  title: z.string(),
  link: z.string().nullable(),
  shortId: z.string().nullable(),
  level: z.string().nullable(),
  environment: z.string().nullable(),
  release: z.string().nullable(),
  culprit: z.string().nullable(),
  /** Alerts Droid received for this issue. */
  alerts: z.number().int().min(0),
  /** Sentry's own counts, when a payload carried them. */
  eventCount: z.number().nullable(),
  userCount: z.number().nullable(),
  firstSeen: z.string().nullable(),
  lastSeen: z.string().nullable(),
  exception: z.object({ type: z.string(), message: z.string() }).nullable(),
  /** Present when the trace held more than one exception: `exception` and `frames` are the analysed one's. */
  chain: chainSchema.nullish(),
  frames: z.array(frameSchema),
  /** The repository's web URL (`https://github.com/o/r`, or the GHES host). */
  repoUrl: z.string(),
  defaultBranch: z.string(),
  /** The commit that was running when it failed, when known (a release named by its SHA). */
  deployedCommit: z.string().nullable(),
  timeline: z.array(z.object({ at: z.string(), what: z.string() })),
  suspects: z.array(suspectSchema),
  analysis: analysisSchema.nullable(),
  /** The job that wrote the analysis, how long it took and what it cost (the report's status line); absent in records written before it was kept. */
  analysedBy: z.object({ jobId: z.string(), durationMs: z.number().nonnegative(), costUsd: z.number().nonnegative() }).nullable().optional(),
});

export type IncidentRecord = z.infer<typeof incidentRecordSchema>;
export type IncidentFrame = z.infer<typeof frameSchema>;
export type Suspect = z.infer<typeof suspectSchema>;
export type ExceptionChain = z.infer<typeof chainSchema>;
export type RcaAnalysis = z.infer<typeof analysisSchema>;
export type Confidence = z.infer<typeof confidence>;

/** The marker line carrying the record. `<` and `>` are escaped so no text can close the comment. */
export function recordMarker(record: IncidentRecord): string {
  const json = JSON.stringify(record).replace(/</g, "\\u003c").replace(/>/g, "\\u003e");
  return `<!-- droid:incident ${json} -->`;
}

/** The record in an issue body, or null when the body has none (or a damaged one). */
export function readIncidentRecord(body: string | null | undefined): IncidentRecord | null {
  const match = body ? MARKER.exec(body) : null;
  if (!match?.[1]) return null;
  try {
    const parsed = incidentRecordSchema.safeParse(JSON.parse(match[1]));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** The Sentry issue id the body's marker names, even if the rest of the record is damaged. */
export function markedSentryIssueId(body: string | null | undefined): string | null {
  const match = body ? /<!--\s*droid:incident\s+\{[^]*?"sentryIssueId":"([^"]+)"/.exec(body) : null;
  return match?.[1] ?? null;
}
