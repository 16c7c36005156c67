/**
 * Suspect changes: commits on the default branch that touched the files of the
 * failing frames in the window before the first occurrence (GraphQL `history(path:)`
 * with `associatedPullRequests`), ranked by how close their hunks are to the failing
 * lines (REST `GET /repos/{o}/{r}/commits/{sha}` patches).
 *
 * Failing lines are numbered as in the deployed code; a commit's hunks are numbered
 * as in that commit. Each failing line is carried back through the later commits
 * that touched the same file before it is compared, so a line that moved still
 * matches the commit that wrote it.
 */
import { distanceToChange, lineBefore, parseHunks, type Hunk } from "./diff-hunks.ts";
import { commitsTouching, type CommitFiles, type GraphQL, type HistoryCommit } from "./history.ts";
import type { Confidence, Suspect } from "./record.ts";

export interface ImplicatedLine {
  path: string;
  line: number | null;
  /** How much this frame counts: 1 for the crash site in application code, less for its callers. */
  weight: number;
  /** 1-based position among the application's frames, crash site first (for the reasons). */
  frame: number;
}

export interface RankedSuspect extends Suspect {
  score: number;
}

/**
 * Ranks commits by closeness to the failing lines. Pure: `patches` maps a commit
 * oid to its files' patches (null when GitHub gave none, e.g. a huge diff).
 */
export function rankSuspects(
  lines: readonly ImplicatedLine[],
  commits: readonly HistoryCommit[],
  patches: ReadonlyMap<string, ReadonlyMap<string, string | null>>,
  window: { since: Date; until: Date },
): RankedSuspect[] {
  const span = Math.max(1, window.until.getTime() - window.since.getTime());
  // Per file, the commits that touched it, newest first: the chain a line is carried back through.
  const byPath = new Map<string, HistoryCommit[]>();
  for (const commit of [...commits].sort((a, b) => b.committedAt.localeCompare(a.committedAt))) {
    for (const path of commit.paths) byPath.set(path, [...(byPath.get(path) ?? []), commit]);
  }
  const ranked: RankedSuspect[] = [];
  for (const commit of commits) {
    let score = 0;
    let best: { closeness: number; weight: number } = { closeness: 0, weight: 0 };
    const reasons: string[] = [];
    for (const implicated of lines) {
      if (!commit.paths.includes(implicated.path)) continue;
      const patch = patches.get(commit.oid)?.get(implicated.path);
      const hunks = patch ? parseHunks(patch) : null;
      const line = implicated.line === null || !hunks ? null : lineAtCommit(implicated, commit, byPath.get(implicated.path) ?? [], patches);
      const distance = hunks && line !== null ? distanceToChange(hunks, line) : null;
      const near = closeness(hunks, implicated.line, line, distance);
      score += implicated.weight * near;
      if (near * implicated.weight > best.closeness * best.weight) best = { closeness: near, weight: implicated.weight };
      reasons.push(reason(implicated, hunks, line, distance));
    }
    if (reasons.length === 0) continue;
    // Later commits (closer to the first occurrence) win ties.
    const recency = (new Date(commit.committedAt).getTime() - window.since.getTime()) / span;
    score += 0.05 * Math.min(1, Math.max(0, recency));
    ranked.push({
      sha: commit.oid,
      headline: commit.headline,
      url: commit.url,
      committedAt: commit.committedAt,
      author: commit.author,
      pullRequest: commit.pullRequest,
      confidence: confidenceOf(best.closeness, best.weight),
      reasons,
      score: Math.round(score * 1000) / 1000,
    });
  }
  return ranked.sort((a, b) => b.score - a.score || b.committedAt.localeCompare(a.committedAt));
}

/** The failing line, carried back through the commits that touched the file after `commit`. */
function lineAtCommit(
  implicated: ImplicatedLine,
  commit: HistoryCommit,
  chain: readonly HistoryCommit[],
  patches: ReadonlyMap<string, ReadonlyMap<string, string | null>>,
): number | null {
  let line = implicated.line;
  for (const later of chain) {
    if (later.oid === commit.oid) return line;
    if (line === null) return null;
    const patch = patches.get(later.oid)?.get(implicated.path);
    // Without the later commit's patch the line cannot be carried further; compare as is.
    if (!patch) continue;
    const before = lineBefore(parseHunks(patch), line);
    // The later commit wrote this line: compare against where it was inserted.
    line = before ?? nearestOldLine(parseHunks(patch), line);
  }
  return line;
}

function nearestOldLine(hunks: readonly Hunk[], line: number): number {
  const hunk = hunks.find((h) => line >= h.newStart && line < h.newStart + h.newLines);
  return hunk ? hunk.oldStart : line;
}

function closeness(hunks: Hunk[] | null, failingLine: number | null, line: number | null, distance: number | null): number {
  if (!hunks) return 0.15;
  if (failingLine === null || line === null || distance === null) return 0.3;
  if (distance === 0) return 1;
  if (distance <= 2) return 0.85;
  if (distance <= 5) return 0.7;
  if (distance <= 15) return 0.45;
  if (distance <= 50) return 0.25;
  return 0.1;
}

function confidenceOf(closeness: number, weight: number): Confidence {
  if (closeness >= 0.85 && weight >= 0.5) return "high";
  if (closeness >= 0.45) return "medium";
  return "low";
}

function reason(implicated: ImplicatedLine, hunks: Hunk[] | null, line: number | null, distance: number | null): string {
  const where = `${implicated.path}${implicated.line === null ? "" : `:${implicated.line}`} (frame ${implicated.frame})`;
  if (!hunks) return `touched ${where}; GitHub gave no patch to compare`;
  if (implicated.line === null || line === null || distance === null) return `touched ${where}`;
  if (distance === 0) return `changed the failing line ${where}`;
  return `changed code ${distance} line${distance === 1 ? "" : "s"} from ${where}`;
}

export interface SuspectSearch {
  graphql: GraphQL;
  commitFiles: CommitFiles;
  repo: { owner: string; name: string };
  lines: readonly ImplicatedLine[];
  firstSeen: Date;
  historyDays: number;
  /** How many commits' patches are fetched (one REST call each). */
  maxCommits?: number;
}

/** History, patches, ranking: the suspects for an incident, best first. */
export async function findSuspects(search: SuspectSearch): Promise<RankedSuspect[]> {
  const window = { since: new Date(search.firstSeen.getTime() - search.historyDays * 86_400_000), until: search.firstSeen };
  const paths = search.lines.map((l) => l.path);
  const commits = (await commitsTouching(search.graphql, search.repo, paths, window)).slice(0, search.maxCommits ?? 15);
  const patches = new Map<string, Map<string, string | null>>();
  for (const commit of commits) {
    const files = await search.commitFiles(commit.oid);
    patches.set(commit.oid, new Map(files.map((f) => [f.path, f.patch])));
  }
  return rankSuspects(search.lines, commits, patches, window);
}

/** Failing lines from frames placed in the repository, crash site first; repeated lines count once. */
export function implicatedLines(frames: readonly { repoPath: string | null; line: number | null }[]): ImplicatedLine[] {
  const seen = new Set<string>();
  const out: ImplicatedLine[] = [];
  for (const frame of frames) {
    if (!frame.repoPath) continue;
    const key = `${frame.repoPath}:${frame.line ?? ""}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ path: frame.repoPath, line: frame.line, weight: 1 / (1 + out.length), frame: out.length + 1 });
  }
  return out;
}
