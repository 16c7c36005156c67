/**
 * What Droid says when it does not push the work: the patch it offers instead, and why it
 * refused a push: changes under `.github/workflows/` (the app has no `workflows`
 * permission, by design, so GitHub would refuse the push) and possible credentials found
 * by the secret scan. The comment names files and lines, never a secret, offers the patch
 * only when it holds no credential, and says what to do next.
 */
import type { ChangeReport } from "../agent/loop.ts";
import { inlineCode } from "./safe-markdown.ts";

/** Where the secret scan found something that looks like a credential. */
export interface SecretFinding {
  path: string;
  /** 1-based line in the file as the agent left it. */
  line: number;
  /** The kind of credential, as the rule names it (e.g. `GITHUB_TOKEN`, rule `github`); never the text. */
  kind: string;
}

/** Why the work was not pushed; at least one of the two lists is not empty. */
export interface PushRefusal {
  /** Changed files under `.github/workflows/`. */
  workflows: ChangeReport["files"];
  secrets: SecretFinding[];
}

export const WORKFLOWS_DIR = ".github/workflows/";

/** One clause for a status line or a thread reply: "the secret scan found …". */
export function pushRefusalReason(refusal: PushRefusal): string {
  const parts: string[] = [];
  const n = refusal.secrets.length;
  if (n > 0) parts.push(`the secret scan found ${n === 1 ? "a possible credential" : `${n} possible credentials`} in the changes`);
  if (refusal.workflows.length > 0) parts.push(`the changes touch \`${WORKFLOWS_DIR}\`, which Droid's GitHub App is not allowed to push`);
  return parts.join(", and ");
}

/**
 * The full explanation: which files (and lines), why, the patch when it is safe to show,
 * and what a human can do. `commandWord` is the repository's command word.
 */
export function pushRefusalDetails(refusal: PushRefusal, input: { diff: string; fileCount: number; commandWord: string }): string {
  const word = input.commandWord;
  const lines: string[] = [`**I did not push these changes:** ${pushRefusalReason(refusal)}.`];
  if (refusal.secrets.length > 0) {
    lines.push(
      "",
      "**Possible credentials** (found by a secret scan of the lines the agent added; the text is not shown here):",
      "",
      ...refusal.secrets.map((f) => `- ${inlineCode(`${f.path}:${f.line}`, 300)} — ${f.kind}`),
      "",
      "Droid never pushes a credential, and does not show this patch. What you can do:",
      "",
      "- **A real credential** (the agent may have copied it from a test fixture or a command's output): remove it from where it came from and rotate it if it may have leaked, then ask again, e.g. " +
        `\`/${word} fix use a placeholder instead of the real key\`.`,
      "- **A fake credential in a test fixture, or a false positive**: allow its path with `secretScan.allowPaths` in `.github/droid.yml` on the default branch " +
        "(gitignore patterns, e.g. `test/fixtures/**`), then ask again.",
    );
  }
  if (refusal.workflows.length > 0) {
    lines.push(
      "",
      `**Workflow files:** ${refusal.workflows.map((f) => `${inlineCode(f.path, 300)} (${f.status})`).join(", ")}.`,
      "",
      `Droid's GitHub App has no \`workflows\` permission, by design (a token that can change workflows can run any code with the repository's secrets), so GitHub refuses its pushes that touch \`${WORKFLOWS_DIR}\`.`,
      "",
      "What you can do:",
      "",
      "- Apply the patch yourself (`git apply`), review the workflow change, and push it from your own account.",
      `- Or ask again and say to leave \`${WORKFLOWS_DIR}\` alone, e.g. \`/${word} fix without changing the workflows\`.`,
    );
    if (refusal.secrets.length === 0) {
      lines.push("", patchBlock(input.diff) ?? `The patch is too large to show here (${input.fileCount} files).`);
    }
  }
  return lines.join("\n");
}

const MAX_PATCH_CHARS = 20_000;

/** The patch as a collapsed block, when it is small enough to read in a comment. */
export function patchBlock(diff: string): string | null {
  if (diff.trim() === "" || diff.length > MAX_PATCH_CHARS || diff.includes("diff cut at")) return null;
  // Longer than any backtick run in it: no line of the patch can close the fence.
  const fence = "`".repeat(Math.max(3, ...[...diff.matchAll(/`+/g)].map((m) => m[0].length + 1)));
  return `<details><summary>The patch (apply with <code>git apply</code>)</summary>\n\n${fence}diff\n${diff}${diff.endsWith("\n") ? "" : "\n"}${fence}\n\n</details>`;
}
