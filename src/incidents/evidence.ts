/**
 * The measured part of an investigation, for the RCA runner: places the incident's
 * frames in the repository and finds the suspect commits. What the model writes
 * comes after, from this evidence (`RcaAnalysis` in record.ts).
 */
import { locateFrame, type RepoFiles, type RepoPathOptions } from "./repo-paths.ts";
import type { IncidentFrame, IncidentRecord } from "./record.ts";
import type { CommitFiles, GraphQL } from "./history.ts";
import { findSuspects, implicatedLines } from "./suspects.ts";

export interface EvidenceSources {
  files: RepoFiles;
  graphql: GraphQL;
  commitFiles: CommitFiles;
  repo: { owner: string; name: string };
  historyDays: number;
  pathOptions?: RepoPathOptions;
  now?: () => Date;
}

/** Frames with their repository paths (or why they have none). */
export function placeFrames(frames: readonly IncidentFrame[], files: RepoFiles, options: RepoPathOptions = {}): IncidentFrame[] {
  return frames.map((frame) => {
    const location = locateFrame(frame, files, options);
    switch (location.kind) {
      case "repo":
        return { ...frame, repoPath: location.path, note: null };
      case "ambiguous":
        return { ...frame, repoPath: null, note: `ambiguous: ${location.candidates.slice(0, 3).join(", ")}${location.candidates.length > 3 ? ", …" : ""}` };
      case "minified":
        return { ...frame, repoPath: null, note: location.note };
      case "vendor":
        return { ...frame, inApp: false, repoPath: null, note: null };
      case "not-found":
        return { ...frame, repoPath: null, note: `no file of this repository matches ${location.normalised}` };
    }
  });
}

export async function gatherEvidence(record: IncidentRecord, sources: EvidenceSources): Promise<IncidentRecord> {
  const frames = placeFrames(record.frames, sources.files, sources.pathOptions);
  const lines = implicatedLines(frames.filter((f) => f.inApp));
  const firstSeen = record.firstSeen ? new Date(record.firstSeen) : (sources.now ?? (() => new Date()))();
  const ranked = lines.length === 0
    ? []
    : await findSuspects({ graphql: sources.graphql, commitFiles: sources.commitFiles, repo: sources.repo, lines, firstSeen, historyDays: sources.historyDays });
  const suspects = ranked.slice(0, 5).map(({ score: _score, ...suspect }) => suspect);
  return { ...record, frames, suspects };
}
