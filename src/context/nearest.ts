import { resolvePath } from "./mentions.ts";
import type { RepositoryIndex } from "./repository-index.ts";

/** Levenshtein distance, with an early exit once every cell of a row passes `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
      current.push(value);
      best = Math.min(best, value);
    }
    if (best > limit) return limit + 1;
    previous = current;
  }
  return previous[b.length] ?? limit + 1;
}

/**
 * The indexed paths a path that does not exist most likely meant: files with the same name
 * (closest directories first), then paths within a few edits (a typo, a wrong extension or
 * folder). At most `limit`, best first; empty when nothing is close.
 */
export function nearestPaths(index: RepositoryIndex, written: string, limit = 3): string[] {
  const cleaned = written.replace(/^\.?\/+/, "");
  const same = resolvePath(index, cleaned).paths.filter((p) => p !== cleaned);
  const allowed = Math.max(2, Math.floor(cleaned.length / 4));
  const close = index.files
    .map((file) => ({ path: file.path, distance: editDistance(cleaned, file.path, allowed) }))
    .filter((c) => c.distance <= allowed && c.path !== cleaned)
    .sort((a, b) => a.distance - b.distance || a.path.localeCompare(b.path))
    .map((c) => c.path);
  return [...new Set([...same, ...close])].slice(0, limit);
}
