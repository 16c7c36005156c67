/**
 * Prompting: untrusted text made safe (cleaned, fenced, labelled with its provenance)
 * and the one prompt store. A leaf module: it imports nothing of Droid's.
 */
export { cleanUntrustedText, cleanVerbatimText, type CleanedText } from "./clean.ts";
export { fenced, labelText } from "./fence.ts";
export { isInvisible, stripInvisible } from "./invisible.ts";
export {
  author,
  describeProvenance,
  droidRecord,
  nonWriter,
  repositoryFile,
  toolOutput,
  unchecked,
  writer,
  type Provenance,
  type WriterProvenance,
} from "./provenance.ts";
export { fillSlots, prompt, PromptStore, PROMPT_NAMES, PROMPTS_DIR, UnknownPrompt, type PromptName } from "./store.ts";
export { trimNote, trimToBoundary, type TrimmedText } from "./trim.ts";
export { dataBlock, fenceUntrusted, instructionBlock, pieceLabel, prepareUntrusted, type FenceOptions, type TextFormat, type UntrustedPiece } from "./untrusted.ts";
