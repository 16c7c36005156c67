/**
 * The one table of invisible characters: zero-width, bidirectional controls, fillers,
 * variation selectors and Unicode tag characters. They are invisible when GitHub renders
 * the text, but a model reads them (tag characters can spell a whole hidden sentence).
 */

/** Inclusive code point ranges. */
const INVISIBLE_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x00ad, 0x00ad], // soft hyphen
  [0x034f, 0x034f], // combining grapheme joiner
  [0x061c, 0x061c], // Arabic letter mark (bidi)
  [0x115f, 0x1160], // Hangul fillers
  [0x17b4, 0x17b5], // Khmer inherent vowels
  [0x180b, 0x180f], // Mongolian variation selectors and vowel separator
  [0x200b, 0x200f], // zero-width space, joiners, LRM/RLM
  [0x202a, 0x202e], // bidi embeddings and overrides
  [0x2060, 0x206f], // word joiner, invisible operators, bidi isolates
  [0x3164, 0x3164], // Hangul filler
  [0xfe00, 0xfe0f], // variation selectors
  [0xfeff, 0xfeff], // zero-width no-break space (BOM)
  [0xffa0, 0xffa0], // halfwidth Hangul filler
  [0xfff0, 0xfff8], // unassigned specials
  [0xe0000, 0xe007f], // Unicode tags
  [0xe0100, 0xe01ef], // variation selectors supplement
];

export function isInvisible(char: string): boolean {
  const cp = char.codePointAt(0) ?? 0;
  return INVISIBLE_RANGES.some(([from, to]) => cp >= from && cp <= to);
}

/** The text without invisible characters, and how many were removed. */
export function stripInvisibleCounted(text: string): { text: string; count: number } {
  let count = 0;
  let out = "";
  for (const char of text) {
    if (isInvisible(char)) count++;
    else out += char;
  }
  return { text: out, count };
}

export function stripInvisible(text: string): string {
  return stripInvisibleCounted(text).text;
}
