/**
 * What the agent changed, as the humans will see it: the files and a unified diff
 * against the branch's last commit, computed on the worker from the work tree that
 * came back from the sandbox (the sandbox has no git). The work tree is read as git
 * stores it and never through a link: a link shows as its target text.
 */
import fs from "node:fs";
import { createTwoFilesPatch } from "diff";
import { readBlob, resolveRef } from "isomorphic-git";
import { readTreeEntry } from "../sandbox/index.ts";
import type { ChangeReport } from "./loop.ts";

export interface ChangeSource {
  tree: string;
  gitdir: string;
  /** The changed paths against the branch's last commit (ignored files left out). */
  changedFiles(): Promise<{ path: string; status: "added" | "modified" | "deleted" }[]>;
}

const MAX_DIFF_CHARS = 24_000;

/** The work tree against the branch's last commit (.gitignore respected). */
export async function describeChanges(source: ChangeSource, maxChars = MAX_DIFF_CHARS): Promise<ChangeReport> {
  const repo = { fs, dir: source.tree, gitdir: source.gitdir };
  const head = await resolveRef({ ...repo, ref: "HEAD" });
  const files: ChangeReport["files"] = [];
  const patches: string[] = [];
  const candidates = (await source.changedFiles()).sort((a, b) => a.path.localeCompare(b.path));
  for (const file of candidates) {
    const before = file.status === "added" ? "" : await committed(source, head, file.path);
    const after = file.status === "deleted" ? "" : await workTreeText(source.tree, file.path);
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

/** A file's text, or a link's target (as git diffs it); never read through a link. */
async function workTreeText(tree: string, filepath: string): Promise<string> {
  const entry = await readTreeEntry(tree, filepath);
  if (entry === null) return "";
  return (entry.kind === "file" ? entry.content : entry.target).toString("utf8");
}

function isBinary(text: string): boolean {
  return text.includes("\u0000");
}
