/**
 * A job's transcript: what its run did, recorded as it happens and kept with the job
 * (pruned with it). Plain data, already scrubbed of secrets by the recorder (`runs/`),
 * read by the run pages. The store contract is `TranscriptStore`; the embedded backend
 * is `sqlite-transcripts.ts` (rows in `transcripts.db`, full command logs as files under
 * `<dataDir>/transcripts/<job id>/`), the scale-out one `redis-transcripts.ts`.
 */
import type { JobKind, Target } from "./types.ts";

export interface TranscriptTokens {
  input: number;
  output: number;
  cacheWrite: number;
  cacheRead: number;
}

export interface TranscriptSubtask {
  id: string;
  title: string;
  state: string;
}

/** One thing the run did or saw. */
export type TranscriptEntry =
  /** What was asked for: the request and the issue or pull request it is about (untrusted text). */
  | { kind: "trigger"; requester: string; request: string; title: string; body: string; author: string }
  /** The run entered a step (clone, sandbox, setup, agent, commit, push, …). */
  | { kind: "step"; step: string }
  /** The plan as it stands, with the revision that made it so (null: the plan at the start). */
  | { kind: "plan"; summary: string; template: string; subtasks: TranscriptSubtask[]; revision: { reason: string; changes: string[] } | null }
  | { kind: "model-turn"; turn: number; text: string; toolCalls: { id: string; name: string; input: string }[]; tokens: TranscriptTokens; costUsd: number; durationMs: number }
  /** A tool's result as the model saw it, with the full logs of the commands it ran. */
  | { kind: "tool-result"; turn: number; callId: string; name: string; text: string; isError: boolean; durationMs: number; logs: TranscriptLogRef[] }
  | { kind: "steering"; author: string; body: string }
  | { kind: "test-run"; command: string; line: string; ok: boolean }
  | { kind: "diff"; files: { path: string; status: string }[]; diff: string }
  /** `outcome`: the job's outcome kind (`OutcomeKind`; absent in transcripts recorded before kinds existed). */
  | { kind: "outcome"; state: string; outcome?: string; detail: string; costUsd: number; durationMs: number; pullRequest: number | null };

export type TranscriptKind = TranscriptEntry["kind"];

/** An entry as stored: its place in the transcript and when it was recorded (epoch ms). */
export type TranscriptRecord = TranscriptEntry & { seq: number; at: number };

/** A full command log kept with the transcript. */
export interface TranscriptLogRef {
  /** `<attempt>-<n>`: unique within the job. */
  name: string;
  command: string;
  bytes: number;
}

/** One run in a repository's index. */
export interface RunSummary {
  jobId: string;
  /** `owner/name`. */
  repo: string;
  kind: JobKind;
  target: Target;
  requester: string;
  title: string;
  createdAt: number;
  /** Set when the run recorded its outcome. */
  ended: { state: string; detail: string; costUsd: number; at: number } | null;
}

export interface TranscriptStore {
  /** Records the run's summary (again when it learns its title, or when a retry starts: no longer ended); entries come separately. */
  begin(run: Omit<RunSummary, "ended">): Promise<void>;
  /** Appends an entry; returns its `seq` (1, 2, …). */
  append(jobId: string, entry: TranscriptEntry, at: number): Promise<number>;
  end(jobId: string, ended: NonNullable<RunSummary["ended"]>): Promise<void>;
  run(jobId: string): Promise<RunSummary | undefined>;
  /** The entries after `afterSeq`, in order. */
  entries(jobId: string, afterSeq?: number): Promise<TranscriptRecord[]>;
  /** A repository's runs (`owner/name`, any case), newest first. */
  runs(repo: string, limit: number): Promise<RunSummary[]>;
  saveLog(jobId: string, name: string, text: string): Promise<void>;
  readLog(jobId: string, name: string): Promise<string | undefined>;
  /** Deletes the transcripts of `jobIds` and of runs that ended before `endedBefore`; returns how many. */
  prune(jobIds: readonly string[], endedBefore: Date): Promise<number>;
  close(): Promise<void>;
}

/** Bytes of one full command log kept; the rest is cut with a note. */
export const MAX_LOG_BYTES = 4 * 1024 * 1024;
/** Characters of one entry's longest text (a digest, a diff, an issue body) kept. */
export const MAX_ENTRY_CHARS = 200_000;

export const LOG_NAME = /^\d{1,4}-\d{1,6}$/;
const JOB_ID = /^[A-Za-z0-9_-]{1,100}$/;

/** Job ids and log names become file and key names: anything else is refused. */
export function checkNames(jobId: string, logName?: string): void {
  if (!isJobId(jobId)) throw new Error(`not a job id: ${JSON.stringify(jobId)}`);
  if (logName !== undefined && !LOG_NAME.test(logName)) throw new Error(`not a log name: ${JSON.stringify(logName)}`);
}

export function isJobId(text: string): boolean {
  return JOB_ID.test(text);
}

export function repoIndexKey(repo: string): string {
  return repo.toLowerCase();
}
