/**
 * Markup GitHub does not show a human reader: HTML comments (closed or not), elements
 * hidden by attribute or inline style (nested ones included, an unclosed one hides the
 * rest of the text), elements whose content is never rendered, and Markdown "comments".
 */

export interface Stripped {
  text: string;
  count: number;
}

/** An HTML comment; one that is never closed hides everything after it. */
const HTML_COMMENT = /<!--[\s\S]*?(?:-->|$)/g;
/** Markdown "comments": link reference definitions pointing at `#`, e.g. `[//]: # (text)`. */
const MARKDOWN_COMMENT = /^[ \t]{0,3}\[[^\]\n]*\]:[ \t]*(?:#|<>)(?:[ \t]+(?:\([^\n]*\)|"[^\n]*"|'[^\n]*'))?[ \t]*$/gm;
const OPENING_TAG = /<([a-z][a-z0-9-]*)(\s[^>]*)?>/gi;
/** Attributes that hide an element and its content. */
const HIDING_ATTRIBUTE =
  /(?:^|\s)(?:hidden(?=[\s=/]|$)|aria-hidden\s*=\s*["']?true|style\s*=\s*["'][^"']*(?:display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0(?![.\d]*[1-9])|opacity\s*:\s*0(?![.\d]*[1-9])))/i;
/** Elements whose content is never shown. */
const NEVER_RENDERED = new Set(["script", "style", "template", "noscript"]);
/** Elements without content: hiding one removes only the tag. */
const VOID = new Set(["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"]);

export function stripPattern(text: string, pattern: RegExp): Stripped {
  let count = 0;
  const result = text.replace(pattern, () => {
    count++;
    return "";
  });
  return { text: result, count };
}

export const stripHtmlComments = (text: string): Stripped => stripPattern(text, HTML_COMMENT);
export const stripMarkdownComments = (text: string): Stripped => stripPattern(text, MARKDOWN_COMMENT);

/** Where the element opened before `from` ends: after its matching closing tag, or at the end of the text. */
function elementEnd(text: string, name: string, from: number): number {
  const tags = new RegExp(`<(/?)${name}(?=[\\s/>])[^>]*>`, "gi");
  tags.lastIndex = from;
  let depth = 1;
  for (let m = tags.exec(text); m !== null; m = tags.exec(text)) {
    if (m[1] === "/") depth--;
    else if (!m[0].endsWith("/>")) depth++;
    if (depth === 0) return tags.lastIndex;
  }
  return text.length;
}

export function stripHiddenElements(text: string): Stripped {
  let out = "";
  let kept = 0;
  let count = 0;
  const tags = new RegExp(OPENING_TAG.source, OPENING_TAG.flags);
  for (let m = tags.exec(text); m !== null; m = tags.exec(text)) {
    const name = (m[1] ?? "").toLowerCase();
    const attributes = m[2] ?? "";
    if (!NEVER_RENDERED.has(name) && !HIDING_ATTRIBUTE.test(attributes)) continue;
    const selfClosing = VOID.has(name) || attributes.endsWith("/");
    const end = selfClosing ? tags.lastIndex : elementEnd(text, name, tags.lastIndex);
    out += text.slice(kept, m.index);
    kept = end;
    tags.lastIndex = end;
    count++;
  }
  return { text: out + text.slice(kept), count };
}
