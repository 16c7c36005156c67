import { languageOf } from "./languages.ts";
import { outlineFile } from "./parse.ts";
import { fileRecordSchema } from "./record.ts";
import { countTerms, encodeTerms, textTerms } from "./terms.ts";
import type { z } from "zod";

/** What reading one file's text yields: its language, outline and words. Runs inline or in a parse worker. */
export const fileAnalysisSchema = fileRecordSchema.pick({ language: true, lines: true, symbols: true, references: true, terms: true });
export type FileAnalysis = z.infer<typeof fileAnalysisSchema>;

export async function analyzeFile(relativePath: string, text: string): Promise<FileAnalysis> {
  const language = languageOf(relativePath);
  const outline = language ? await outlineFile(language, text) : { symbols: [], references: [] };
  return {
    language,
    lines: text.split("\n").length,
    symbols: outline.symbols,
    references: outline.references,
    terms: encodeTerms(countTerms(textTerms(text))),
  };
}
