/**
 * The one way outside text reaches a model: cleaned of what a human reader never sees,
 * trimmed at a boundary, inside a fence it cannot close, under a label that says what it
 * is and whose words they are. Only a writer's words can be an INSTRUCTION; everything
 * else is DATA. Outside text never stands on an instruction line of its own.
 */
import { cleanUntrustedText, cleanVerbatimText } from "./clean.ts";
import { fenced, labelText } from "./fence.ts";
import { describeProvenance, type Provenance, type WriterProvenance } from "./provenance.ts";
import { prompt } from "./store.ts";
import { trimToBoundary } from "./trim.ts";

/**
 * How the text is read: prose (`markdown`, `text`) loses hidden markup and invisible
 * characters; verbatim text (`code`, `diff`, `json`) only invisible characters.
 */
export type TextFormat = "markdown" | "text" | "code" | "diff" | "json";

export interface FenceOptions {
  /** `text` when not given. */
  format?: TextFormat;
  /** Cut at a boundary beyond this many characters, with a visible note. */
  maxChars?: number;
  /** Shown when nothing is left after cleaning; `(empty)` when not given. */
  empty?: string;
}

export interface UntrustedPiece extends FenceOptions {
  /** What the text is, e.g. `issue body` or `README from \`main\``: a short label written by Droid. */
  what: string;
  from: Provenance;
  text: string;
}

const VERBATIM: ReadonlySet<TextFormat> = new Set(["code", "diff", "json"]);

/** The text as the model may read it: cleaned for its format, trimmed, never empty. */
export function prepareUntrusted(text: string, options: FenceOptions = {}): string {
  const format = options.format ?? "text";
  const cleaned = VERBATIM.has(format) ? cleanVerbatimText(text).text : cleanUntrustedText(text).text;
  const kept = options.maxChars === undefined ? cleaned : trimToBoundary(cleaned, options.maxChars).text;
  return kept.trim() === "" ? (options.empty ?? "(empty)") : kept;
}

/** Prepared and fenced, for a prompt whose own header line says what the block is. */
export function fenceUntrusted(text: string, options: FenceOptions = {}): string {
  const format = options.format ?? "text";
  return fenced(prepareUntrusted(text, options), format === "code" ? "text" : format);
}

/** The label above a fence: what it is and where it came from, on one line. */
export function pieceLabel(piece: Pick<UntrustedPiece, "what" | "from">): string {
  return `${labelText(piece.what)} (${labelText(describeProvenance(piece.from))})`;
}

/** A labelled DATA block: the model is told to read it, never to obey it. */
export function dataBlock(piece: UntrustedPiece): string {
  return prompt("data-block", { label: pieceLabel(piece), block: fenceUntrusted(piece.text, piece) });
}

/** A labelled INSTRUCTION block: a writer's own words, the only outside text the model acts on. */
export function instructionBlock(piece: UntrustedPiece & { from: WriterProvenance }): string {
  return prompt("instruction-block", { label: pieceLabel(piece), block: fenceUntrusted(piece.text, piece) });
}
