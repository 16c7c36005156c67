/**
 * Cleaning of untrusted text before a model sees it: markup that GitHub does not show
 * to a human reader (and that could carry hidden instructions) is removed.
 */

export interface CleanedText {
  text: string;
  /** How many hidden pieces were removed (HTML comments, hidden elements, invisible characters). */
  removed: number;
}

const HTML_COMMENT = /<!--[\s\S]*?(?:-->|$)/g;
/** Markdown "comments": link reference definitions pointing at `#`, e.g. `[//]: # (text)`. */
const MARKDOWN_COMMENT = /^[ \t]{0,3}\[[^\]\n]*\]:[ \t]*(?:#|<>)(?:[ \t]+(?:\([^\n]*\)|"[^\n]*"|'[^\n]*'))?[ \t]*$/gm;
/** Elements hidden by attribute or inline style, with their content. */
const HIDDEN_ELEMENT =
  /<([a-z][a-z0-9]*)\b[^>]*?(?:\shidden\b|\saria-hidden\s*=\s*["']?true|\sstyle\s*=\s*["'][^"']*(?:display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0|opacity\s*:\s*0)[^"']*["'])[^>]*>[\s\S]*?<\/\1\s*>/gi;
/**
 * Zero-width, bidirectional-control, filler, variation-selector and Unicode tag characters:
 * invisible when rendered, but read by a model. Inclusive code point ranges.
 */
const INVISIBLE_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x00ad, 0x00ad],
  [0x034f, 0x034f],
  [0x061c, 0x061c],
  [0x115f, 0x1160],
  [0x17b4, 0x17b5],
  [0x180b, 0x180f],
  [0x200b, 0x200f],
  [0x202a, 0x202e],
  [0x2060, 0x206f],
  [0x3164, 0x3164],
  [0xfe00, 0xfe0f],
  [0xfeff, 0xfeff],
  [0xffa0, 0xffa0],
  [0xfff0, 0xfff8],
  [0xe0000, 0xe007f],
  [0xe0100, 0xe01ef],
];

function isInvisible(char: string): boolean {
  const cp = char.codePointAt(0) ?? 0;
  return INVISIBLE_RANGES.some(([from, to]) => cp >= from && cp <= to);
}

function stripInvisible(text: string): { text: string; count: number } {
  let count = 0;
  let out = "";
  for (const char of text) {
    if (isInvisible(char)) count++;
    else out += char;
  }
  return { text: out, count };
}

function strip(text: string, pattern: RegExp, replacement: string): { text: string; count: number } {
  let count = 0;
  const result = text.replace(pattern, () => {
    count++;
    return replacement;
  });
  return { text: result, count };
}

/** Removes hidden markup and invisible characters; normalises line endings and blank runs. */
export function cleanUntrustedText(input: string): CleanedText {
  const visible = stripInvisible(input.replace(/\r\n?/g, "\n"));
  let text = visible.text;
  let removed = visible.count;
  for (const [pattern, replacement] of [
    [HTML_COMMENT, ""],
    [HIDDEN_ELEMENT, ""],
    [MARKDOWN_COMMENT, ""],
  ] as const) {
    const step = strip(text, pattern, replacement);
    text = step.text;
    removed += step.count;
  }
  text = text.replace(/[ \t]+$/gm, "").replace(/\n{3,}/g, "\n\n").trim();
  return { text, removed };
}
