import { lstat } from "node:fs/promises";
import { nearestPaths, resolveInside, type RepositoryIndex } from "../context/index.ts";
import type { ModelPlan } from "./schema.ts";

/**
 * Plans name real files: every path in a subtask's `files` is a file (or folder) of the indexed
 * clone, or a file some subtask says it creates (`newFiles`). A path that is neither comes back
 * as a problem for the repair round, with the nearest real paths.
 */

function normalize(written: string): string {
  return written.trim().replace(/^\.\/+/, "").replace(/\/+$/, "");
}

async function existsInClone(index: RepositoryIndex, relative: string): Promise<boolean> {
  if (index.file(relative)) return true;
  // Files the index leaves out (lockfiles, images, large or generated files) and folders are real too.
  try {
    await lstat(await resolveInside(index.root, relative));
    return true;
  } catch {
    return false;
  }
}

/** Problems with the plan's paths, as lines the model (and a human) can act on; empty when every path is real or created. */
export async function checkPlanPaths(plan: Pick<ModelPlan, "subtasks">, index: RepositoryIndex): Promise<string[]> {
  const created = new Set(plan.subtasks.flatMap((s) => (s.newFiles ?? []).map(normalize)));
  const problems: string[] = [];
  for (const [i, subtask] of plan.subtasks.entries()) {
    for (const [j, written] of subtask.files.entries()) {
      const relative = normalize(written);
      if (relative === "" || created.has(relative) || (await existsInClone(index, relative))) continue;
      const near = nearestPaths(index, relative);
      const hint = near.length > 0 ? ` Nearest existing paths: ${near.map((p) => `\`${p}\``).join(", ")}.` : "";
      problems.push(
        `subtasks.${i}.files.${j}: \`${written}\` (${subtask.id}) does not exist in the repository.${hint} Name an existing file, or, if ${subtask.id} creates it, list it in that subtask's \`newFiles\` too.`,
      );
    }
  }
  return problems;
}
