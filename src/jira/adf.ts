/**
 * Atlassian Document Format (ADF, the JSON body of Jira Cloud's REST v3 texts) both
 * ways, for the nodes Jira's editor produces and Droid writes:
 *
 * - `adfToMarkdown`: a ticket's description and comments, as Markdown for the model.
 *   Unknown nodes keep their text; media become `[attachment: name]`; mentions `@Name`.
 * - `markdownToAdf`: Droid's Markdown messages (refusals, reports) as ADF: headings,
 *   paragraphs, bullet and ordered lists, fenced code blocks, rules; inline `code`,
 *   **strong**, *em* and [links](url).
 */
import { z } from "zod";

export interface AdfMark {
  type: string;
  attrs?: Record<string, unknown>;
}

export interface AdfNode {
  type: string;
  text?: string;
  marks?: AdfMark[];
  attrs?: Record<string, unknown>;
  content?: AdfNode[];
}

export interface AdfDoc {
  type: "doc";
  version: 1;
  content: AdfNode[];
}

const markSchema = z.object({ type: z.string(), attrs: z.record(z.string(), z.unknown()).optional() });
export const adfNodeSchema: z.ZodType<AdfNode> = z.lazy(() =>
  z.object({
    type: z.string(),
    text: z.string().optional(),
    marks: z.array(markSchema).optional(),
    attrs: z.record(z.string(), z.unknown()).optional(),
    content: z.array(adfNodeSchema).optional(),
  }),
);
export const adfDocSchema = z.object({ type: z.literal("doc"), version: z.literal(1), content: z.array(adfNodeSchema) });

export function doc(content: AdfNode[]): AdfDoc {
  return { type: "doc", version: 1, content };
}

// ── ADF → Markdown ──────────────────────────────────────────────────────────

export function adfToMarkdown(node: AdfNode | null | undefined): string {
  if (!node) return "";
  return block(node, "").replace(/\n{3,}/g, "\n\n").trim();
}

function blocks(nodes: AdfNode[] | undefined, indent: string): string {
  return (nodes ?? []).map((n) => block(n, indent)).join("");
}

function block(node: AdfNode, indent: string): string {
  switch (node.type) {
    case "doc":
      return blocks(node.content, indent);
    case "paragraph":
      return `${indent}${inline(node.content)}\n\n`;
    case "heading": {
      const level = Math.min(6, Math.max(1, Number(node.attrs?.["level"] ?? 1)));
      return `${"#".repeat(level)} ${inline(node.content)}\n\n`;
    }
    case "bulletList":
    case "orderedList":
    case "taskList":
      return `${list(node, indent)}\n`;
    case "codeBlock": {
      const language = typeof node.attrs?.["language"] === "string" ? node.attrs["language"] : "";
      const code = (node.content ?? []).map((t) => t.text ?? "").join("");
      const fence = "`".repeat(Math.max(3, longestRun(code, "`") + 1));
      return `${indent}${fence}${language}\n${code}\n${indent}${fence}\n\n`;
    }
    case "blockquote":
      return `${blocks(node.content, "")
        .trimEnd()
        .split("\n")
        .map((l) => `> ${l}`)
        .join("\n")}\n\n`;
    case "rule":
      return "---\n\n";
    case "panel":
    case "expand":
    case "nestedExpand":
    case "layoutSection":
    case "layoutColumn":
    case "tableCell":
    case "tableHeader":
      return blocks(node.content, indent);
    case "table":
      return `${(node.content ?? []).map((row) => `| ${(row.content ?? []).map((cell) => adfToMarkdown(cell).replace(/\n+/g, " ").replace(/\|/g, "\\|")).join(" | ")} |`).join("\n")}\n\n`;
    case "mediaSingle":
    case "mediaGroup":
      return `${(node.content ?? []).map((m) => `${indent}[attachment: ${mediaName(m)}]`).join("\n")}\n\n`;
    default:
      return node.content ? blocks(node.content, indent) : `${indent}${inline([node])}\n\n`;
  }
}

function list(node: AdfNode, indent: string): string {
  return (node.content ?? [])
    .map((item, i) => {
      const bullet = node.type === "orderedList" ? `${Number(node.attrs?.["order"] ?? 1) + i}.` : node.type === "taskList" ? (item.attrs?.["state"] === "DONE" ? "- [x]" : "- [ ]") : "-";
      const inner = item.type === "taskItem" ? `${inline(item.content)}\n` : blocks(item.content, `${indent}  `).replace(/\n\n(?=\s*-|\s*\d+\.)/g, "\n").trimEnd();
      return `${indent}${bullet} ${inner.trimStart()}`.trimEnd();
    })
    .join("\n")
    .concat("\n");
}

function inline(nodes: AdfNode[] | undefined): string {
  return (nodes ?? []).map(inlineNode).join("");
}

function inlineNode(node: AdfNode): string {
  switch (node.type) {
    case "text":
      return (node.marks ?? []).reduce((text, mark) => marked(text, mark), node.text ?? "");
    case "hardBreak":
      return "\n";
    case "mention":
      return `@${String(node.attrs?.["text"] ?? node.attrs?.["id"] ?? "someone").replace(/^@/, "")}`;
    case "emoji":
      return String(node.attrs?.["text"] ?? node.attrs?.["shortName"] ?? "");
    case "inlineCard":
    case "blockCard":
      return String(node.attrs?.["url"] ?? "");
    case "date":
      return new Date(Number(node.attrs?.["timestamp"] ?? 0)).toISOString().slice(0, 10);
    case "status":
      return `[${String(node.attrs?.["text"] ?? "")}]`;
    case "media":
      return `[attachment: ${mediaName(node)}]`;
    default:
      return node.text ?? inline(node.content);
  }
}

function marked(text: string, mark: AdfMark): string {
  switch (mark.type) {
    case "strong":
      return `**${text}**`;
    case "em":
      return `*${text}*`;
    case "strike":
      return `~~${text}~~`;
    case "code":
      return "`".repeat(longestRun(text, "`") + 1) + text + "`".repeat(longestRun(text, "`") + 1);
    case "link":
      return `[${text}](${String(mark.attrs?.["href"] ?? "")})`;
    default:
      return text;
  }
}

function mediaName(node: AdfNode): string {
  return String(node.attrs?.["alt"] ?? node.attrs?.["id"] ?? "file");
}

function longestRun(text: string, char: string): number {
  let longest = 0;
  let run = 0;
  for (const c of text) {
    run = c === char ? run + 1 : 0;
    longest = Math.max(longest, run);
  }
  return longest;
}

// ── Markdown → ADF ──────────────────────────────────────────────────────────

export function markdownToAdf(markdown: string): AdfDoc {
  return doc(markdownBlocks(markdown));
}

/** The block nodes of a Markdown text (used inside other ADF, e.g. a plan's subtask). */
export function markdownBlocks(markdown: string): AdfNode[] {
  const lines = markdown.replace(/\r\n?/g, "\n").split("\n");
  const out: AdfNode[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] ?? "";
    const fence = /^ {0,3}(`{3,}|~{3,})\s*([\w+-]*)\s*$/.exec(line);
    if (fence?.[1]) {
      const end = lines.findIndex((l, j) => j > i && l.trim().startsWith(fence[1] ?? "```") && l.trim().replace(/[`~]/g, "") === "");
      const stop = end < 0 ? lines.length : end;
      out.push({ type: "codeBlock", ...(fence[2] ? { attrs: { language: fence[2] } } : {}), content: textNodes(lines.slice(i + 1, stop).join("\n")) });
      i = stop + 1;
      continue;
    }
    const heading = /^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading?.[1]) {
      out.push({ type: "heading", attrs: { level: heading[1].length }, content: inlineMarkdown(heading[2] ?? "") });
      i++;
      continue;
    }
    if (/^ {0,3}([-*_])( *\1){2,}\s*$/.test(line)) {
      out.push({ type: "rule" });
      i++;
      continue;
    }
    const item = LIST_ITEM.exec(line);
    if (item) {
      const ordered = /\d/.test(item[2] ?? "");
      const items: AdfNode[] = [];
      while (i < lines.length) {
        const m = LIST_ITEM.exec(lines[i] ?? "");
        if (!m || /\d/.test(m[2] ?? "") !== ordered) break;
        const text = [m[3] ?? ""];
        i++;
        while (i < lines.length && /^\s{2,}\S/.test(lines[i] ?? "") && !LIST_ITEM.exec(lines[i] ?? "")) text.push((lines[i++] ?? "").trim());
        items.push({ type: "listItem", content: [{ type: "paragraph", content: inlineMarkdown(text.join(" ")) }] });
      }
      out.push({ type: ordered ? "orderedList" : "bulletList", content: items });
      continue;
    }
    if (line.trim() === "") {
      i++;
      continue;
    }
    const paragraph: string[] = [];
    while (i < lines.length && (lines[i] ?? "").trim() !== "" && !startsBlock(lines[i] ?? "")) paragraph.push(lines[i++] ?? "");
    if (paragraph.length === 0) paragraph.push(lines[i++] ?? "");
    const content: AdfNode[] = [];
    paragraph.forEach((l, n) => {
      if (n > 0) content.push({ type: "hardBreak" });
      content.push(...inlineMarkdown(l.replace(/^>\s?/, "")));
    });
    out.push({ type: "paragraph", content });
  }
  return out;
}

const LIST_ITEM = /^( {0,3})([-*+]|\d{1,9}[.)])\s+(.*)$/;

function startsBlock(line: string): boolean {
  return /^ {0,3}(`{3,}|~{3,}|#{1,6}\s)/.test(line) || LIST_ITEM.test(line);
}

function textNodes(text: string): AdfNode[] {
  return text === "" ? [] : [{ type: "text", text }];
}

const INLINE = /(`+)([\s\S]*?[^`])\1(?!`)|\*\*([^*]+)\*\*|\[([^\]]+)\]\(([^)\s]+)\)|(?<![*\w])\*([^*\s][^*]*)\*(?!\*)|(?<![_\w])_([^_\s][^_]*)_(?![_\w])/g;

/** Inline Markdown as ADF text nodes with marks. */
export function inlineMarkdown(text: string): AdfNode[] {
  const out: AdfNode[] = [];
  let last = 0;
  for (const m of text.matchAll(INLINE)) {
    if (m.index > last) out.push({ type: "text", text: text.slice(last, m.index) });
    if (m[2] !== undefined) out.push({ type: "text", text: m[2].trim() === "" ? m[2] : m[2].replace(/^ (.*) $/, "$1"), marks: [{ type: "code" }] });
    else if (m[3] !== undefined) out.push({ type: "text", text: m[3], marks: [{ type: "strong" }] });
    else if (m[4] !== undefined) out.push(/^https?:\/\//i.test(m[5] ?? "") ? { type: "text", text: m[4], marks: [{ type: "link", attrs: { href: m[5] ?? "" } }] } : { type: "text", text: m[0] });
    else out.push({ type: "text", text: m[6] ?? m[7] ?? "", marks: [{ type: "em" }] });
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push({ type: "text", text: text.slice(last) });
  return out.filter((n) => n.text !== "");
}
