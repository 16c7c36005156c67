/**
 * Unified-diff hunks as GitHub returns them in a commit's `files[].patch`, and
 * line arithmetic on them: which lines of the new file a commit changed, and where
 * a line of the new file was before the commit.
 */

export interface Hunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  /** Lines of the new file that the commit added or replaced, and the places where it deleted lines. */
  changed: number[];
  /** New-file lines that the commit added (did not exist before it). */
  added: number[];
  /** The hunk's lines in order: context, added or removed. */
  ops: ("context" | "added" | "removed")[];
}

const HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

export function parseHunks(patch: string): Hunk[] {
  const hunks: Hunk[] = [];
  let current: Hunk | null = null;
  let newLine = 0;
  for (const line of patch.split("\n")) {
    const header = HEADER.exec(line);
    if (header) {
      current = {
        oldStart: Number(header[1]),
        oldLines: header[2] === undefined ? 1 : Number(header[2]),
        newStart: Number(header[3]),
        newLines: header[4] === undefined ? 1 : Number(header[4]),
        changed: [],
        added: [],
        ops: [],
      };
      hunks.push(current);
      newLine = current.newStart;
      continue;
    }
    if (!current) continue;
    if (line.startsWith("+")) {
      if (current.changed.at(-1) !== newLine) current.changed.push(newLine);
      current.added.push(newLine);
      current.ops.push("added");
      newLine++;
    } else if (line.startsWith("-")) {
      // A deletion sits between new-file lines newLine-1 and newLine.
      if (current.changed.at(-1) !== newLine) current.changed.push(newLine);
      current.ops.push("removed");
    } else if (line.startsWith("\\")) {
      // "\ No newline at end of file"
    } else {
      current.ops.push("context");
      newLine++;
    }
  }
  return hunks;
}

/** The smallest distance from `line` to a line the hunks changed, or null when nothing changed. */
export function distanceToChange(hunks: readonly Hunk[], line: number): number | null {
  let best: number | null = null;
  for (const hunk of hunks) {
    for (const changed of hunk.changed) {
      const d = Math.abs(changed - line);
      if (best === null || d < best) best = d;
    }
  }
  return best;
}

/**
 * Where new-file line `line` was in the old file (before the commit), or null when
 * the commit added that line.
 */
export function lineBefore(hunks: readonly Hunk[], line: number): number | null {
  let offset = 0;
  for (const hunk of hunks) {
    if (line < hunk.newStart) break;
    if (line < hunk.newStart + hunk.newLines) {
      let oldLine = hunk.oldStart;
      let newLine = hunk.newStart;
      for (const op of hunk.ops) {
        if (op === "removed") {
          oldLine++;
          continue;
        }
        if (newLine === line) return op === "added" ? null : oldLine;
        if (op === "context") oldLine++;
        newLine++;
      }
      return oldLine;
    }
    offset = hunk.oldStart + hunk.oldLines - (hunk.newStart + hunk.newLines);
  }
  return line + offset;
}
