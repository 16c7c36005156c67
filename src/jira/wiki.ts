/**
 * ADF as Jira wiki markup, the text format of Jira Data Center's REST v2 bodies: `h3.`
 * headings, `*strong*`, `_em_`, `-strike-`, `{{code}}`, `[text|url]`, `*`/`#` lists (nested
 * by repetition), `{code:lang}` blocks, `{quote}`, `----`. Droid writes ADF once
 * (`adf.ts`, `plan-adf.ts`) and the client sends this on Data Center.
 */
import type { AdfMark, AdfNode } from "./adf.ts";

export function adfToWiki(node: AdfNode): string {
  return block(node, "").replace(/\n{3,}/g, "\n\n").trim();
}

function block(node: AdfNode, bullets: string): string {
  const children = (node.content ?? []).map((n) => block(n, bullets)).join("");
  switch (node.type) {
    case "doc":
      return children;
    case "paragraph":
      return `${inline(node.content)}\n\n`;
    case "heading":
      return `h${Math.min(6, Math.max(1, Number(node.attrs?.["level"] ?? 1)))}. ${inline(node.content)}\n\n`;
    case "bulletList":
    case "orderedList": {
      const prefix = bullets + (node.type === "bulletList" ? "*" : "#");
      const items = (node.content ?? []).map((item) => {
        const [first, ...rest] = item.content ?? [];
        const head = first?.type === "paragraph" ? inline(first.content) : first ? block(first, prefix).trim() : "";
        const nested = rest.map((n) => block(n, prefix).trimEnd()).filter((t) => t !== "");
        return [`${prefix} ${head}`, ...nested].join("\n");
      });
      return `${items.join("\n")}\n${bullets === "" ? "\n" : ""}`;
    }
    case "codeBlock": {
      const language = typeof node.attrs?.["language"] === "string" && node.attrs["language"] !== "" ? `:${node.attrs["language"]}` : "";
      return `{code${language}}\n${(node.content ?? []).map((t) => t.text ?? "").join("")}\n{code}\n\n`;
    }
    case "blockquote":
      return `{quote}\n${children.trim()}\n{quote}\n\n`;
    case "rule":
      return "----\n\n";
    default:
      return node.content ? children : `${inline([node])}\n\n`;
  }
}

function inline(nodes: AdfNode[] | undefined): string {
  return (nodes ?? [])
    .map((n) => (n.type === "text" ? (n.marks ?? []).reduce(marked, n.text ?? "") : n.type === "hardBreak" ? "\n" : (n.text ?? inline(n.content))))
    .join("");
}

function marked(text: string, mark: AdfMark): string {
  switch (mark.type) {
    case "strong":
      return `*${text}*`;
    case "em":
      return `_${text}_`;
    case "strike":
      return `-${text}-`;
    case "code":
      return `{{${text}}}`;
    case "link":
      return `[${text}|${String(mark.attrs?.["href"] ?? "")}]`;
    default:
      return text;
  }
}
