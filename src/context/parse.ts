import type { Node } from "web-tree-sitter";
import { grammarFor, type ParsedLanguage } from "./languages.ts";
import { SYMBOL_KINDS, type CodeSymbol, type SymbolKind } from "./record.ts";

/** What tree-sitter tells about one file: its definitions and the names it uses. */
export interface FileOutline {
  symbols: CodeSymbol[];
  references: string[];
}

const SIGNATURE_LIMIT = 160;
/** `const x = require("…")` and the like name another file's code; they are not definitions worth ranking. */
const IMPORT_LIKE = /=\s*(?:await\s+)?(?:require|import)\s*\(|^import\b/;

/** When two patterns define the same name node, the more specific kind wins. */
const SPECIFICITY: SymbolKind[] = ["class", "interface", "enum", "method", "function", "module", "type", "variable"];

/** Node types whose functions are methods (classes, impls, traits, Ruby classes and modules). */
const CLASS_LIKE = new Set([
  "class_body",
  "class_definition",
  "class_declaration",
  "declaration_list",
  "impl_item",
  "trait_item",
  "interface_body",
  "class",
  "module",
  "singleton_class",
]);

function isSymbolKind(kind: string): kind is SymbolKind {
  return SYMBOL_KINDS.some((known) => known === kind);
}

function insideClass(node: Node): boolean {
  for (let parent = node.parent; parent?.parent; parent = parent.parent) {
    if (CLASS_LIKE.has(parent.type)) return true;
  }
  return false;
}

function signatureAt(lines: string[], row: number): string {
  const line = (lines[row] ?? "").trim().replace(/\s*\{\s*$/, "");
  return line.length > SIGNATURE_LIMIT ? `${line.slice(0, SIGNATURE_LIMIT - 1)}…` : line;
}

function isExported(language: ParsedLanguage, node: Node, name: string, signature: string): boolean {
  switch (language) {
    case "typescript":
    case "tsx":
    case "javascript":
      return node.parent?.type === "export_statement" || node.parent?.parent?.type === "export_statement" || /^(?:module\.)?exports\b/.test(signature);
    case "go":
      return /^[A-Z]/.test(name);
    case "rust":
      return /^pub\b/.test(signature);
    case "java":
      return /\bpublic\b/.test(signature);
    case "python":
      return !name.startsWith("_");
    case "ruby":
      return true;
  }
}

/** Parses one file and runs the language's query: definitions (with line ranges) and references. */
export async function outlineFile(language: ParsedLanguage, text: string): Promise<FileOutline> {
  const grammar = await grammarFor(language);
  const tree = grammar.parser.parse(text);
  if (!tree) return { symbols: [], references: [] };
  try {
    const lines = text.split("\n");
    const symbols: CodeSymbol[] = [];
    const seen = new Map<number, number>();
    const references = new Set<string>();
    for (const match of grammar.query.matches(tree.rootNode)) {
      let definition: { kind: string; node: Node } | null = null;
      let name: Node | null = null;
      for (const capture of match.captures) {
        if (capture.name === "reference") references.add(capture.node.text);
        else if (capture.name === "name") name = capture.node;
        else if (capture.name.startsWith("definition.")) definition = { kind: capture.name.slice(11), node: capture.node };
      }
      if (!definition || !name || !isSymbolKind(definition.kind)) continue;
      const kind = definition.kind === "function" && insideClass(definition.node) ? "method" : definition.kind;
      const earlier = seen.get(name.startIndex);
      if (earlier !== undefined) {
        const previous = symbols[earlier];
        if (previous && SPECIFICITY.indexOf(kind) < SPECIFICITY.indexOf(previous.kind)) previous.kind = kind;
        continue;
      }
      seen.set(name.startIndex, symbols.length);
      const signature = signatureAt(lines, definition.node.startPosition.row);
      if (kind === "variable" && IMPORT_LIKE.test(signature)) continue;
      symbols.push({
        name: name.text,
        kind,
        line: definition.node.startPosition.row + 1,
        endLine: definition.node.endPosition.row + 1,
        signature,
        exported: isExported(language, definition.node, name.text, signature),
      });
    }
    symbols.sort((a, b) => a.line - b.line);
    return { symbols, references: [...references] };
  } finally {
    tree.delete();
  }
}
