/**
 * The one sanitiser for text Droid posts but did not write itself: the model's summaries,
 * answers and plan fields, incident analyses, names and titles from users. GitHub renders
 * the result as Markdown, so the text is read the way GitHub reads it where that matters:
 *
 * - **Mentions never notify.** `@user` and `@org/team` get a zero-width space after the
 *   `@` (it reads the same; GitHub sees no mention). So do `\@user` and the entities that
 *   render as `@` (`&#64;`, `&#x40;`, `&commat;`). `name@example.com` stays as it is, and
 *   a caller may let given logins (the requester) stay mentioned.
 * - **No raw HTML.** Outside code every `<` becomes `&lt;` (tags, comments, Droid's own
 *   hidden markers show as text); inside code a `<` that would start a tag gets the
 *   zero-width space instead, so it reads the same whether GitHub sees code or prose.
 * - **Code cannot swallow or leak.** A code span is kept only when it closes on its own
 *   line; every other backtick is escaped (`\``), so neither an escaped backtick, nor a
 *   span across a blank line, nor a lone backtick at the end pairs with anything GitHub
 *   would pair it with. A fenced block is re-emitted at the left margin after a blank
 *   line (so no list or quote around it changes where it ends) and is always closed. Its
 *   content is kept as it is (only `<!--` is broken), since GitHub shows it literally.
 *
 * Markdown itself (emphasis, links, lists, quotes, tables) is kept.
 */
import { stripInvisible } from "../prompting/index.ts";

const ZWSP = "\u200b";
/** Entities that render as `@`. */
const AT_ENTITY = /^&(?:#0*64|#[xX]0*40|commat);/;
const ASCII_PUNCTUATION = /^[!-/:-@[-`{-~]$/;
const ALNUM = /[A-Za-z0-9]/;
const LOGIN = /^[A-Za-z0-9][A-Za-z0-9-]*/;

export interface SafeTextOptions {
  /** Logins that may stay mentioned (e.g. the person who asked); teams never do. */
  mentions?: readonly string[];
}

interface Fence {
  marker: string;
  indent: number;
}

/** Model or user text as Markdown paragraphs, safe to post (see the module comment). */
export function safeMarkdown(text: string, options: SafeTextOptions = {}): string {
  const allowed = allowedLogins(options);
  const out: string[] = [];
  let fence: Fence | null = null;
  for (const line of normalise(text).split("\n")) {
    if (fence) {
      if (closesFence(line, fence)) {
        out.push(fence.marker);
        fence = null;
      } else {
        out.push(dedent(line, fence.indent).replaceAll("<!--", `<${ZWSP}!--`));
      }
      continue;
    }
    const opened = openingFence(line);
    if (opened) {
      if (out.length > 0 && out.at(-1)?.trim() !== "") out.push("");
      out.push(`${opened.fence.marker}${opened.info}`);
      fence = opened.fence;
      continue;
    }
    out.push(inline(line, allowed, false));
  }
  if (fence) out.push(fence.marker);
  return out.join("\n");
}

/** The single-line form (list items, table cells, `<summary>`): no block can start in it. */
export function safeInline(text: string, options: SafeTextOptions = {}): string {
  return inline(normalise(text).replace(/\s*\n+\s*/g, " ").trim(), allowedLogins(options), true);
}

/**
 * Any text as one inline code span (a file path, a command someone typed, a title): the
 * delimiters are longer than any backtick run inside, and the content cannot notify or
 * render as HTML even where GitHub does not see the span (a table cell, a link).
 */
export function inlineCode(text: string, maxChars = 100): string {
  const clean = normalise(text).replace(/\s+/g, " ").trim();
  const short = clean.length > maxChars ? `${clean.slice(0, maxChars - 3)}...` : clean;
  const longest = Math.max(0, ...[...short.matchAll(/`+/g)].map((m) => m[0].length));
  const ticks = "`".repeat(longest + 1);
  const pad = short.startsWith("`") || short.endsWith("`") || short === "" ? " " : "";
  return `${ticks}${pad}${defuseCode(short, new Set())}${pad}${ticks}`;
}

function normalise(text: string): string {
  return stripInvisible(text).replace(/\r\n?/g, "\n");
}

function allowedLogins(options: SafeTextOptions): Set<string> {
  return new Set((options.mentions ?? []).map((login) => login.toLowerCase()));
}

/** A fence opener (CommonMark): up to three spaces, three or more backticks or tildes; a backtick fence's info has no backtick. */
function openingFence(line: string): { fence: Fence; info: string } | null {
  const m = /^( {0,3})(`{3,}|~{3,})(.*)$/.exec(line);
  if (!m || m[1] === undefined || m[2] === undefined || m[3] === undefined) return null;
  if (m[2].startsWith("`") && m[3].includes("`")) return null;
  return { fence: { marker: m[2], indent: m[1].length }, info: m[3].trim() };
}

function closesFence(line: string, fence: Fence): boolean {
  const m = /^ {0,3}(`{3,}|~{3,})[ \t]*$/.exec(line);
  return m?.[1] !== undefined && m[1][0] === fence.marker[0] && m[1].length >= fence.marker.length;
}

/** Content lines lose up to the opener's indentation, as CommonMark does. */
function dedent(line: string, indent: number): string {
  let i = 0;
  while (i < indent && line[i] === " ") i++;
  return line.slice(i);
}

/** One line outside fenced code: code spans that close on the line are kept, everything else defused. */
function inline(line: string, allowed: ReadonlySet<string>, singleLine: boolean): string {
  let out = "";
  let i = 0;
  while (i < line.length) {
    const c = line.charAt(i);
    const next = line.charAt(i + 1);
    if (c === "\\" && ASCII_PUNCTUATION.test(next)) {
      // An escaped character is literal text; only an escaped `@` still renders as one.
      out += next === "@" ? `\\@${ZWSP}` : `\\${next}`;
      i += 2;
    } else if (c === "`") {
      const run = runLength(line, i, "`");
      const close = closingRun(line, i + run, run);
      if (close < 0) out += "\\`".repeat(run);
      else out += `${line.slice(i, i + run)}${defuseCode(line.slice(i + run, close), allowed)}${line.slice(close, close + run)}`;
      i = close < 0 ? i + run : close + run;
    } else if (c === "~" && singleLine && runLength(line, i, "~") >= 3) {
      // No fence may start where a caller puts this line (a list item, the start of a line).
      const run = runLength(line, i, "~");
      out += `\\${"~".repeat(run)}`;
      i += run;
    } else if (c === "<") {
      out += "&lt;";
      i++;
    } else if (c === "@" || (c === "&" && AT_ENTITY.test(line.slice(i)))) {
      const width = c === "@" ? 1 : (AT_ENTITY.exec(line.slice(i))?.[0].length ?? 1);
      out += mention(line, i, width, allowed);
      i += width;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** `@` (or an entity for it) at `at`: left alone in an e-mail address or for an allowed login, else broken. */
function mention(line: string, at: number, width: number, allowed: ReadonlySet<string>): string {
  const before = line.charAt(at - 1);
  if (width === 1 && ALNUM.test(before)) return "@";
  const rest = line.slice(at + width);
  const login = LOGIN.exec(rest)?.[0];
  if (width === 1 && login && allowed.has(login.toLowerCase()) && !rest.startsWith(`${login}/`)) return "@";
  return `@${ZWSP}`;
}

/** Code span content: the same characters, but no tag can open and no one is mentioned if GitHub reads it as prose. */
function defuseCode(code: string, allowed: ReadonlySet<string>): string {
  return code
    .replace(/<(?=[A-Za-z/!?])/g, `<${ZWSP}`)
    .replace(/@/g, (_at, offset: number) => mention(code, offset, 1, allowed));
}

function runLength(line: string, from: number, char: string): number {
  let end = from;
  while (line[end] === char) end++;
  return end - from;
}

/** Where the next backtick run of exactly `length` starts on the line, or -1. */
function closingRun(line: string, from: number, length: number): number {
  let i = from;
  while (i < line.length) {
    if (line[i] !== "`") {
      i++;
      continue;
    }
    const run = runLength(line, i, "`");
    if (run === length) return i;
    i += run;
  }
  return -1;
}

/** An http(s) URL as a Markdown link destination that cannot end early (spaces, brackets and parentheses encoded); null for anything else. */
export function safeUrl(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    return null;
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return null;
  return parsed.href.replace(/[()<>\s`]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`);
}
