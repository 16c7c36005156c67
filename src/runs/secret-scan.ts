/**
 * The secret scan before every push, on the worker: secretlint's recommended rules (AWS,
 * GitHub, GitLab, Slack, npm, OpenAI, Anthropic, private keys, database URLs, …) over each
 * file the agent changed, keeping what they find on the lines it added. Its comment filter
 * is left out on purpose: a `secretlint-disable` comment is text the model can write
 * itself; only the repository's own `.github/droid.yml` can allow a path.
 *
 * A finding names the file, the line and the kind of credential, never the text; the text
 * around it is returned apart (`matched`), only to be scrubbed from what Droid posts next.
 */
import { lstat, readFile } from "node:fs/promises";
import path from "node:path";
import { lintSource } from "@secretlint/core";
import { rules } from "@secretlint/secretlint-rule-preset-recommend";
import ignore from "ignore";
import type { SecretFinding } from "../github/push-refusal.ts";

export interface SecretScan {
  findings: SecretFinding[];
  /** The flagged text (and the words it touches): never shown, only scrubbed. */
  matched: string[];
}

const COMMENT_FILTER = "@secretlint/secretlint-rule-filter-comments";
const RULE_PREFIX = "@secretlint/secretlint-rule-";
const CONFIG = { rules: rules.filter((rule) => rule.meta.id !== COMMENT_FILTER).map((rule) => ({ id: rule.meta.id, rule })) };

/**
 * Scans the files of a unified diff (as `describeChanges` writes it, uncut) in the work tree
 * `tree`. Paths matching `allowPaths` (gitignore patterns) are skipped; binary files are not
 * in the diff's hunks and are not scanned.
 */
export async function scanAddedLines(tree: string, diff: string, allowPaths: readonly string[]): Promise<SecretScan> {
  const allowed = ignore().add([...allowPaths]);
  const findings: SecretFinding[] = [];
  const matched: string[] = [];
  for (const [file, added] of addedLines(diff)) {
    if (allowed.ignores(file)) continue;
    const content = await regularFileText(path.join(tree, file));
    if (content === null) continue;
    const result = await lintSource({
      source: { filePath: path.join(tree, file), content, contentType: "text" },
      options: { config: CONFIG, maskSecrets: true },
    });
    for (const message of result.messages) {
      const line = firstAdded(added, message.loc.start.line, message.loc.end.line);
      if (line === null) continue;
      findings.push({ path: file, line, kind: `${message.messageId} (rule \`${message.ruleId.replace(RULE_PREFIX, "")}\`)` });
      matched.push(...wordsAround(content, message.range));
    }
  }
  findings.sort((a, b) => a.path.localeCompare(b.path) || a.line - b.line);
  return { findings, matched };
}

/**
 * The added lines of each file of a unified diff (new-file line numbers, 1-based). Hunk
 * lengths are counted, so an added line that itself starts with `+++` is not a file header.
 */
export function addedLines(diff: string): Map<string, Set<number>> {
  const files = new Map<string, Set<number>>();
  let current: Set<number> | null = null;
  let oldLeft = 0;
  let newLeft = 0;
  let line = 0;
  for (const text of diff.split("\n")) {
    if (oldLeft > 0 || newLeft > 0) {
      const mark = text[0];
      if (mark === "+" || mark === " ") {
        if (mark === "+") current?.add(line);
        line++;
        newLeft--;
      }
      if (mark === "-" || mark === " ") oldLeft--;
      continue;
    }
    const header = /^\+\+\+ b\/(.+?)\t?$/.exec(text);
    if (header?.[1]) {
      current = new Set();
      files.set(header[1], current);
      continue;
    }
    const hunk = /^@@ -\d+(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/.exec(text);
    if (hunk?.[2]) {
      oldLeft = Number(hunk[1] ?? 1);
      line = Number(hunk[2]);
      newLeft = Number(hunk[3] ?? 1);
    }
  }
  for (const [file, lines] of files) if (lines.size === 0) files.delete(file);
  return files;
}

/** A regular file's text (never through a symlink), or null. */
async function regularFileText(file: string): Promise<string | null> {
  const stat = await lstat(file).catch(() => null);
  if (!stat?.isFile()) return null;
  return readFile(file, "utf8").catch(() => null);
}

function firstAdded(added: ReadonlySet<number>, from: number, to: number): number | null {
  for (let line = from; line <= to; line++) if (added.has(line)) return line;
  return null;
}

/** The flagged text and every word it touches (some rules report a range that starts at the key's name). */
function wordsAround(content: string, range: readonly [number, number]): string[] {
  const words: string[] = [];
  const flagged = content.slice(range[0], range[1]);
  if (flagged.trim().length >= 8) words.push(flagged.trim());
  for (const word of content.matchAll(/[^\s"'`=:,;()<>{}[\]]+/g)) {
    const start = word.index;
    const end = start + word[0].length;
    if (end > range[0] && start < range[1] && word[0].length >= 8) words.push(word[0]);
  }
  return words;
}
