/**
 * Cleaning of untrusted text before a model sees it: what GitHub does not show to a
 * human reader (and that could carry hidden instructions) is removed.
 */
import { stripHiddenElements, stripHtmlComments, stripMarkdownComments, type Stripped } from "./hidden-markup.ts";
import { stripInvisibleCounted } from "./invisible.ts";

export interface CleanedText {
  text: string;
  /** How many hidden pieces were removed (HTML comments, hidden elements, invisible characters). */
  removed: number;
}

const STEPS: ReadonlyArray<(text: string) => Stripped> = [stripHtmlComments, stripHiddenElements, stripMarkdownComments];

/** Prose (Markdown as GitHub renders it): hidden markup and invisible characters removed; line endings and blank runs normalised. */
export function cleanUntrustedText(input: string): CleanedText {
  const visible = stripInvisibleCounted(input.replace(/\r\n?/g, "\n"));
  let text = visible.text;
  let removed = visible.count;
  for (const step of STEPS) {
    const stripped = step(text);
    text = stripped.text;
    removed += stripped.count;
  }
  text = text.replace(/[ \t]+$/gm, "").replace(/\n{3,}/g, "\n\n").trim();
  return { text, removed };
}

/** Verbatim text (code, diffs, command output, JSON): only invisible characters removed, layout kept. */
export function cleanVerbatimText(input: string): CleanedText {
  const visible = stripInvisibleCounted(input.replace(/\r\n?/g, "\n"));
  return { text: visible.text, removed: visible.count };
}
