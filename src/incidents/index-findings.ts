/**
 * What Droid's repository index adds to an incident's findings: where each in-app frame's
 * function is defined and used (structural), and the files the exception and the functions'
 * names most likely concern that no frame names (lexical and graph ranking, `localize`).
 * Works on an index of the investigated tree; nothing is run.
 */
import { findSymbol, localize, renderRelevantCode, type RepositoryIndex, type SymbolUses } from "../context/index.ts";
import type { RcaFinding } from "./rca-prompt.ts";
import type { IncidentRecord } from "./record.ts";

/** Uses listed per function; candidate files the frames do not name; characters of the ranked code. */
const MAX_USES = 12;
const MAX_UNNAMED_FILES = 5;
const MAX_RANKED_CHARS = 6_000;

/** The distinct in-app frames' function names (`Cart.total` → `total`), crash site first, that look like identifiers. */
export function frameFunctionNames(record: IncidentRecord, max: number): string[] {
  const names = record.frames.filter((f) => f.inApp && f.function).map((f) => (f.function ?? "").split(/[.:#]/).at(-1) ?? "");
  return [...new Set(names)].filter((n) => /^[A-Za-z_][\w$]{2,}$/.test(n)).slice(0, max);
}

/** The index's findings: one per function it places, and one for the ranked files no frame names (when any). */
export async function indexFindings(index: RepositoryIndex, record: IncidentRecord, options: { maxFunctions: number }): Promise<RcaFinding[]> {
  const names = frameFunctionNames(record, options.maxFunctions);
  const findings: RcaFinding[] = [];
  for (const name of names) {
    const uses = await findSymbol(index, name, MAX_USES);
    if (uses.definitions.length + uses.references.length === 0) continue;
    findings.push({ what: `where \`${name}\` is defined and used (Droid's index of the tree)`, tool: "find_symbol", text: renderUses(name, uses) });
  }
  const text = [record.exception ? `${record.exception.type}: ${record.exception.message}` : record.title, ...names.map((n) => `\`${n}\``)].join("\n");
  const framed = new Set(record.frames.map((f) => f.repoPath).filter((p) => p !== null));
  const found = await localize(index, { text }, { limit: MAX_UNNAMED_FILES * 3 });
  const unnamed = found.candidates.filter((c) => !framed.has(c.path)).slice(0, MAX_UNNAMED_FILES);
  if (unnamed.length > 0) {
    findings.push({
      what: "files no frame names that the exception and the frames' functions most likely concern, ranked by Droid's localization",
      tool: "localize",
      text: renderRelevantCode({ candidates: unnamed }, { maxChars: MAX_RANKED_CHARS }),
    });
  }
  return findings;
}

function renderUses(name: string, uses: SymbolUses): string {
  const definitions = uses.definitions.map((d) => `defined: ${d.path}:${d.symbol.line}–${d.symbol.endLine} ${d.symbol.kind} ${name}: ${d.symbol.signature}`);
  const references = uses.references.map((r) => `used: ${r.path}:${r.line}: ${r.text}`);
  const more = uses.totalReferences > uses.references.length ? [`(${uses.totalReferences - uses.references.length} more uses)`] : [];
  return [...(definitions.length > 0 ? definitions : [`no definition of ${name} in the indexed files`]), ...references, ...more].join("\n");
}
