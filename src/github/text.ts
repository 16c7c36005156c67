/**
 * Small text utilities for what Droid posts on GitHub. (Invisible characters in what
 * people write are removed by `prompting/`, the one table of them.)
 */

/** Replaces every occurrence of each secret with a placeholder. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 8) out = out.split(secret).join("[redacted]");
  }
  return out;
}

/** A literal string as a regular expression (JavaScript and ripgrep syntax alike). */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
