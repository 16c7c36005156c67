/**
 * Making model-written and user-written text safe to post: no hidden markers can be
 * forged, no one is pinged by a mention, no HTML smuggled in.
 */

function neutralise(prose: string): string {
  return prose
    .replace(/<!--/g, "&lt;!--")
    .replace(/<(\/?[a-zA-Z][^>]*)>/g, "&lt;$1&gt;")
    .replace(/(^|[^\w])@(?=[a-zA-Z0-9])/g, "$1@&#8203;");
}

/**
 * Neutralises `@mentions`, HTML comments and tags in text Droid did not write itself.
 * Code spans and fences are left alone (GitHub shows them literally anyway).
 */
export function safeMarkdown(text: string): string {
  const code = /(`+)[\s\S]*?\1/g;
  let out = "";
  let last = 0;
  for (const match of text.matchAll(code)) {
    out += neutralise(text.slice(last, match.index)) + match[0];
    last = match.index + match[0].length;
  }
  return out + neutralise(text.slice(last));
}

/** Single-line form (for list items and summaries of `<details>`). */
export function safeInline(text: string): string {
  return safeMarkdown(text.replace(/\s*\n+\s*/g, " ").trim());
}

/** Dollars: two significant digits below $1 (so $0.014 and $0.01 stay distinct), cents above. */
export function formatUsd(usd: number): string {
  if (usd === 0) return "$0.00";
  return usd < 1 ? `$${Number(usd.toPrecision(2))}` : `$${usd.toFixed(2)}`;
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}
