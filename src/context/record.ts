import { z } from "zod";

/**
 * What the index keeps per file, and the cached snapshot of a whole commit. The snapshot is
 * read back from disk, so it is parsed with these schemas (a stale or corrupt cache is rebuilt).
 */

export const SYMBOL_KINDS = ["function", "method", "class", "interface", "type", "enum", "module", "variable"] as const;
export type SymbolKind = (typeof SYMBOL_KINDS)[number];

export const codeSymbolSchema = z.object({
  name: z.string(),
  kind: z.enum(SYMBOL_KINDS),
  /** 1-based, inclusive. */
  line: z.number().int(),
  endLine: z.number().int(),
  /** The definition's first line, trimmed (at most 160 characters). */
  signature: z.string(),
  exported: z.boolean(),
});
export type CodeSymbol = z.infer<typeof codeSymbolSchema>;

export const fileRecordSchema = z.object({
  /** Relative POSIX path from the repository root. */
  path: z.string(),
  /** sha1 of the content: what incremental updates compare. */
  hash: z.string(),
  size: z.number().int(),
  lines: z.number().int(),
  /** The tree-sitter language it was parsed with; null when indexed by path and text only. */
  language: z.string().nullable(),
  symbols: z.array(codeSymbolSchema),
  /** Distinct names used in the file (identifiers, types, properties), for the reference graph. */
  references: z.array(z.string()),
  /** Term frequencies of the file's words (code and comments, identifiers split): "term count …". */
  terms: z.string(),
});
export type FileRecord = z.infer<typeof fileRecordSchema>;

export const SNAPSHOT_VERSION = 1;

export const snapshotSchema = z.object({
  version: z.literal(SNAPSHOT_VERSION),
  /** The queries and extraction code the files were read with (`EXTRACTOR`). */
  extractor: z.string(),
  commit: z.string(),
  files: z.array(fileRecordSchema),
});
export type Snapshot = z.infer<typeof snapshotSchema>;
