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
 * invisible when rendered, but read by a model.
 */
const INVISIBLE =
  /[\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180B-\u180F\u200B-\u200F\u202A-\u202E\u2060-\u206F\u3164\uFE00-\uFE0F\uFEFF\uFFA0\uFFF0-\uFFF8]|[\u{E0000}-\u{E007F}]|[\u{E0100}-\u{E01EF}]/gu;

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
  let text = input.replace(/\r\n?/g, "\n");
  let removed = 0;
  for (const [pattern, replacement] of [
    [INVISIBLE, ""],
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
