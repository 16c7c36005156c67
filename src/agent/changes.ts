/**
 * What the agent changed, as the humans will see it: the files and a unified diff
 * against the branch's last commit, computed on the worker from the work tree that
 * came back from the sandbox (the sandbox has no git).
 */
import fs from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { createTwoFilesPatch } from "diff";
import { readBlob, resolveRef } from "isomorphic-git";
import type { SyncResult } from "../workspace/index.ts";
import type { ChangeReport } from "./loop.ts";

export interface ChangeSource {
  tree: string;
  gitdir: string;
}

const MAX_DIFF_CHARS = 24_000;

export async function describeChanges(source: ChangeSource, sync: SyncResult, maxChars = MAX_DIFF_CHARS): Promise<ChangeReport> {
  const head = await resolveRef({ fs, dir: source.tree, gitdir: source.gitdir, ref: "HEAD" });
  const files: ChangeReport["files"] = [];
  const patches: string[] = [];
  const candidates = [
    ...sync.changed.map((p) => ({ path: p, status: "modified" as const })),
    ...sync.added.map((p) => ({ path: p, status: "added" as const })),
    ...sync.deleted.map((p) => ({ path: p, status: "deleted" as const })),
  ].sort((a, b) => a.path.localeCompare(b.path));
  for (const file of candidates) {
    const before = file.status === "added" ? "" : await committed(source, head, file.path);
    const after = file.status === "deleted" ? "" : await readFile(path.join(source.tree, file.path), "utf8").catch(() => "");
    if (before === after && file.status === "modified") continue;
    files.push(file);
    patches.push(
      isBinary(before) || isBinary(after)
        ? `Binary file ${file.path} ${file.status}\n`
        : createTwoFilesPatch(`a/${file.path}`, `b/${file.path}`, before, after, "", "", { context: 3 }),
    );
  }
  let diff = patches.join("");
  if (diff.length > maxChars) {
    diff = `${diff.slice(0, maxChars)}\n… diff cut at ${maxChars} characters (${diff.length} in all); view the files for the rest.\n`;
  }
  return { files, diff };
}

async function committed(source: ChangeSource, oid: string, filepath: string): Promise<string> {
  try {
    const { blob } = await readBlob({ fs, dir: source.tree, gitdir: source.gitdir, oid, filepath });
    return Buffer.from(blob).toString("utf8");
  } catch {
    return "";
  }
}

function isBinary(text: string): boolean {
  return text.includes("\u0000");
}
