import { hash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { Language, Parser, Query } from "web-tree-sitter";

/**
 * The languages Droid parses, and the grammars that parse them. Grammars are the WebAssembly
 * builds shipped inside `@repomix/tree-sitter-wasms` (built with tree-sitter-cli 0.26, the ABI
 * `web-tree-sitter` 0.26 reads); nothing is fetched at run time. Queries are ours, in `queries/`.
 */
export const PARSED_LANGUAGES = ["typescript", "tsx", "javascript", "python", "go", "rust", "java", "ruby"] as const;
export type ParsedLanguage = (typeof PARSED_LANGUAGES)[number];

const BY_EXTENSION: Record<string, ParsedLanguage> = {
  ".ts": "typescript",
  ".mts": "typescript",
  ".cts": "typescript",
  ".tsx": "tsx",
  ".js": "javascript",
  ".mjs": "javascript",
  ".cjs": "javascript",
  ".jsx": "javascript",
  ".py": "python",
  ".pyi": "python",
  ".go": "go",
  ".rs": "rust",
  ".java": "java",
  ".rb": "ruby",
  ".rake": "ruby",
};

/** The parsed language of a path, by its extension; null for files indexed by path and text only. */
export function languageOf(relativePath: string): ParsedLanguage | null {
  return BY_EXTENSION[path.extname(relativePath).toLowerCase()] ?? null;
}

/** A grammar ready to parse: one parser and one compiled query per language, reused. */
export interface Grammar {
  language: ParsedLanguage;
  parser: Parser;
  query: Query;
}

/** The query files of each language, concatenated in this order. */
const QUERY_FILES: Record<ParsedLanguage, readonly string[]> = {
  typescript: ["ecmascript.scm", "typescript.scm"],
  tsx: ["ecmascript.scm", "typescript.scm"],
  javascript: ["ecmascript.scm", "javascript.scm"],
  python: ["python.scm"],
  go: ["go.scm"],
  rust: ["rust.scm"],
  java: ["java.scm"],
  ruby: ["ruby.scm"],
};

const QUERIES_DIR = path.join(import.meta.dirname, "queries");

/**
 * What the extraction reads with: the queries' text and a number bumped when the code that
 * turns matches into records changes. A snapshot made with another extractor is rebuilt.
 */
const EXTRACTION_REVISION = 1;
export const EXTRACTOR = hash(
  "sha1",
  [String(EXTRACTION_REVISION), ...readdirSync(QUERIES_DIR).sort().map((name) => `${name}\n${readFileSync(path.join(QUERIES_DIR, name), "utf8")}`)].join("\n"),
).slice(0, 12);
const require = createRequire(import.meta.url);
const grammars = new Map<ParsedLanguage, Promise<Grammar>>();
let runtime: Promise<void> | null = null;

function wasmPath(language: ParsedLanguage): string {
  const packageJson = require.resolve("@repomix/tree-sitter-wasms/package.json");
  return path.join(path.dirname(packageJson), "out", `tree-sitter-${language}.wasm`);
}

async function loadGrammar(language: ParsedLanguage): Promise<Grammar> {
  runtime ??= Parser.init();
  await runtime;
  const loaded = await Language.load(wasmPath(language));
  const parser = new Parser();
  parser.setLanguage(loaded);
  const sources = await Promise.all(QUERY_FILES[language].map((name) => readFile(path.join(QUERIES_DIR, name), "utf8")));
  const query = new Query(loaded, sources.join("\n"));
  return { language, parser, query };
}

/** The grammar for a language, loaded once per process. */
export function grammarFor(language: ParsedLanguage): Promise<Grammar> {
  let grammar = grammars.get(language);
  if (!grammar) {
    grammar = loadGrammar(language);
    grammars.set(language, grammar);
  }
  return grammar;
}
