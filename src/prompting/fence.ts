/**
 * Fencing: a piece of untrusted text reaches the model inside a code fence its content
 * cannot close (the fence is longer than any backtick or tilde run inside).
 */
import { stripInvisible } from "./invisible.ts";

function fenceFor(content: string): string {
  let longest = 0;
  for (const match of content.matchAll(/`+|~+/g)) longest = Math.max(longest, match[0].length);
  return "`".repeat(Math.max(3, longest + 1));
}

export function fenced(content: string, info = "text"): string {
  const fence = fenceFor(content);
  return `${fence}${info}\n${content}\n${fence}`;
}

/** A label safe for the line above a fence: one line, no invisible characters, bounded. */
export function labelText(text: string, maxChars = 200): string {
  const line = stripInvisible(text).replace(/\s+/g, " ").trim();
  return line.length > maxChars ? `${line.slice(0, maxChars - 1)}…` : line;
}
