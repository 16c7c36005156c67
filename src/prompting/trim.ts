/**
 * Trimming by rule: text is cut at a paragraph, line or sentence boundary, never in the
 * middle of a sentence, and the cut is always visible in the text itself.
 */

export interface TrimmedText {
  text: string;
  /** Characters of the original that are not in `text` (0 when nothing was cut). */
  cutChars: number;
}

export function trimNote(cutChars: number): string {
  return `[… ${cutChars} more characters trimmed by Droid to fit the context budget]`;
}

/** The last boundary at or before `limit`: paragraph, then sentence end, then line, then word. */
function boundary(text: string, limit: number): number {
  const head = text.slice(0, limit);
  const floor = Math.floor(limit / 2);
  const paragraph = head.lastIndexOf("\n\n");
  if (paragraph >= floor) return paragraph;
  let sentence = -1;
  for (const match of head.matchAll(/[.!?:;](?=\s)/g)) sentence = match.index + 1;
  if (sentence >= floor) return sentence;
  const line = head.lastIndexOf("\n");
  if (line >= floor) return line;
  const word = head.lastIndexOf(" ");
  return word > 0 ? word : limit;
}

/** Keeps the beginning of `text` within `maxChars` (the visible note included). */
export function trimToBoundary(text: string, maxChars: number, note: (cutChars: number) => string = trimNote): TrimmedText {
  if (text.length <= maxChars) return { text, cutChars: 0 };
  const room = Math.max(0, maxChars - note(text.length).length - 2);
  const cut = room === 0 ? 0 : boundary(text, room);
  const kept = text.slice(0, cut).trimEnd();
  const cutChars = text.length - kept.length;
  return { text: kept.length === 0 ? note(cutChars) : `${kept}\n\n${note(cutChars)}`, cutChars };
}
