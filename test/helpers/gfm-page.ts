/**
 * Droid's texts as a reader sees them: Markdown rendered to HTML with a GFM renderer
 * (`marked`, with line breaks kept as GitHub keeps them in comments), styled like GitHub's comment body (tables scroll inside themselves, code
 * wraps), loaded in headless Chromium (Debian's, driven by playwright-core) at a phone's
 * width. `inspectText` reports what a reader would notice: a table that scrolls sideways,
 * a page wider than the screen, HTML shown as text, a `<details>` left open.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { marked } from "marked";
import { chromium, type Browser } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
export const PHONE_WIDTH = 390;

/** The parts of GitHub's `.markdown-body` stylesheet that decide width and wrapping. */
const GITHUB_CSS = `
body { margin: 0; font: 14px/1.5 -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; }
.markdown-body { padding: 16px; overflow-wrap: break-word; word-wrap: break-word; }
.markdown-body table { display: block; width: max-content; max-width: 100%; overflow: auto; border-spacing: 0; border-collapse: collapse; }
.markdown-body td, .markdown-body th { padding: 6px 13px; border: 1px solid #d1d9e0; }
.markdown-body code { padding: .2em .4em; font-size: 85%; white-space: break-spaces; background: #eff1f3; border-radius: 6px; }
.markdown-body pre { overflow: auto; padding: 16px; background: #f6f8fa; }
.markdown-body pre code { white-space: pre; padding: 0; }
.markdown-body ul { padding-left: 2em; }
.markdown-body sub { font-size: 75%; }
.markdown-body details summary { cursor: pointer; }
`;

export function gfmHtml(markdown: string, title: string): string {
  // GitHub keeps the line breaks of comments and PR bodies (a newline is a <br>).
  const body = marked.parse(markdown, { gfm: true, breaks: true, async: false });
  return `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${title}</title><style>${GITHUB_CSS}</style></head><body><article class="markdown-body">${body}</article></body></html>`;
}

/** What a reader would notice in one rendered text. */
export interface TextInspection {
  /** Tables whose content is wider than the table (the reader scrolls sideways inside it). */
  scrollingTables: number;
  /** How far the page is wider than the screen, in pixels (0: it fits). */
  pageOverflow: number;
  /** Visible text that looks like HTML (`<details>`, `<sub>`, `<!--`, `</…>`). */
  rawHtml: string[];
  /** `<details>` elements open when the page loads. */
  openDetails: number;
  /** Every `<details>` element. */
  details: number;
  /** The visible text. */
  text: string;
}

const INSPECT = `(() => {
  const tables = [...document.querySelectorAll("table")];
  const text = document.body.innerText;
  return {
    scrollingTables: tables.filter((t) => t.scrollWidth > t.clientWidth + 1).length,
    pageOverflow: Math.max(0, document.documentElement.scrollWidth - window.innerWidth),
    rawHtml: text.match(/<\\/?(details|summary|sub|sup|br|table|div|span|a|img|code|p)\\b[^>]*>|<!--/gi) ?? [],
    openDetails: document.querySelectorAll("details[open]").length,
    details: document.querySelectorAll("details").length,
    text,
  };
})()`;

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

/** Renders `markdown` at phone width, saves a full-page screenshot as `<dir>/<name>.png`, and inspects it. */
export async function inspectText(browser: Browser, markdown: string, shot: { dir: string; name: string }): Promise<TextInspection> {
  const page = await browser.newPage({ viewport: { width: PHONE_WIDTH, height: 844 }, deviceScaleFactor: 2 });
  try {
    // The page loads nothing from the network: no request may leave it.
    await page.route("**/*", (route) => route.abort());
    await page.setContent(gfmHtml(markdown, shot.name), { waitUntil: "load" });
    mkdirSync(shot.dir, { recursive: true });
    await page.screenshot({ path: path.join(shot.dir, `${shot.name}.png`), fullPage: true });
    // Evaluated as text: the test code is typed for Node, not the DOM.
    return (await page.evaluate(INSPECT)) as TextInspection;
  } finally {
    await page.close();
  }
}
