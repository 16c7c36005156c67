/**
 * The conversation with the model, kept cache-friendly: a stable prefix (tools,
 * system prompt, task message) with cache breakpoints, and old tool results compacted
 * in batches — only when the conversation grows past a threshold, and then down to a
 * low-water mark — so that most requests extend the previous one and hit the cache.
 */
import type { ContentBlockParam, MessageParam, ToolResultBlockParam } from "@anthropic-ai/sdk/resources/messages";
import { formatCount } from "../figures/count.ts";

export interface HistoryPolicy {
  /** Compact when the conversation's text exceeds this many characters (about 4 a token). */
  compactAtChars: number;
  /** Tool results of this many latest turns are kept while the conversation is below `compactToChars`. */
  keepRecentTurns: number;
  /**
   * The low-water mark: a compaction goes on (into the recent turns, oldest first, never
   * the latest) until the conversation is at most this big, so that the next compaction
   * (which breaks the cached prefix) is a whole batch of turns away. Without it, large
   * recent results keep the conversation above the threshold and every turn compacts.
   */
  compactToChars: number;
  /**
   * A result of at least this many characters that is identical to an earlier one still
   * whole in the conversation is sent as a reference to it ("same as the result of turn
   * N above") instead of again. Infinity sends every result whole.
   */
  referenceRepeatsFrom: number;
}

export const DEFAULT_HISTORY_POLICY: HistoryPolicy = { compactAtChars: 160_000, keepRecentTurns: 6, compactToChars: 0, referenceRepeatsFrom: 2_000 };

/** What the history knows about one tool result, to compact it later. */
interface ResultMeta {
  turn: number;
  stub: string;
  viewedPath: string | null;
  compacted: boolean;
  /** The whole text, when the block holds a reference to an identical earlier result instead. */
  whole: string | null;
  /** The earlier result this one refers to. */
  refersTo: ToolResultBlockParam | null;
}

export class ConversationHistory {
  readonly #messages: MessageParam[] = [];
  readonly #meta = new Map<ToolResultBlockParam, ResultMeta>();
  readonly #policy: HistoryPolicy;
  #turn = 0;
  compactions = 0;

  constructor(taskMessage: string, policy: HistoryPolicy = DEFAULT_HISTORY_POLICY) {
    this.#policy = policy;
    this.#messages.push({ role: "user", content: [{ type: "text", text: taskMessage, cache_control: { type: "ephemeral" } }] });
  }

  get turn(): number {
    return this.#turn;
  }

  addAssistant(content: ContentBlockParam[]): void {
    this.#messages.push({ role: "assistant", content });
    this.#turn++;
  }

  /** Adds the user turn: tool results first (as the API requires), then any text. */
  addUser(results: { block: ToolResultBlockParam; stub: string; viewedPath: string | null }[], texts: string[]): void {
    const content: ContentBlockParam[] = [];
    for (const r of results) {
      const original = this.#earlierResult(r.block, r.stub);
      const meta: ResultMeta = { turn: this.#turn, stub: r.stub, viewedPath: r.viewedPath, compacted: false, whole: null, refersTo: null };
      if (original !== null && typeof r.block.content === "string") {
        meta.whole = r.block.content;
        meta.refersTo = original.block;
        r.block.content = original.reference;
      }
      content.push(r.block);
      this.#meta.set(r.block, meta);
    }
    for (const text of texts) content.push({ type: "text", text });
    if (content.length === 0) content.push({ type: "text", text: "Continue." });
    this.#messages.push({ role: "user", content });
  }

  /**
   * An earlier result, still whole in the conversation, that this block's text repeats
   * (exactly, or with a few of its lines changed: a file viewed again after an edit, the
   * same build with another duration), and the reference to send instead.
   */
  #earlierResult(block: ToolResultBlockParam, stub: string): { block: ToolResultBlockParam; reference: string } | null {
    const text = block.content;
    if (typeof text !== "string" || text.length < this.#policy.referenceRepeatsFrom || block.is_error === true) return null;
    let lines: string[] | null = null;
    let best: { block: ToolResultBlockParam; reference: string } | null = null;
    for (const [earlier, meta] of this.#meta) {
      if (meta.compacted || meta.whole !== null || typeof earlier.content !== "string") continue;
      if (earlier.content === text) {
        return { block: earlier, reference: `[the same ${formatCount(text.length)} characters as the result of turn ${meta.turn} above: ${stub}]` };
      }
      if (earlier.content.length < this.#policy.referenceRepeatsFrom) continue;
      lines ??= text.split("\n");
      const reference = changedLinesReference(earlier.content, lines, meta);
      if (reference !== null && (best === null || reference.length < best.reference.length)) best = { block: earlier, reference };
    }
    return best;
  }

  /**
   * The messages for the next request, with a cache breakpoint on the task message
   * and on the newest block. Compacts first when the conversation has grown too big.
   */
  messages(): MessageParam[] {
    if (this.size() > this.#policy.compactAtChars) this.#compact();
    const copy = structuredClone(this.#messages);
    const last = copy.at(-1);
    if (last && copy.length > 1 && Array.isArray(last.content)) {
      const block = last.content.at(-1);
      if (block && (block.type === "text" || block.type === "tool_result")) block.cache_control = { type: "ephemeral" };
    }
    return copy;
  }

  /** Characters of text in the conversation (a proxy for tokens). */
  size(): number {
    let chars = 0;
    for (const m of this.#messages) {
      if (typeof m.content === "string") chars += m.content.length;
      else for (const b of m.content) chars += blockChars(b);
    }
    return chars;
  }

  #compact(): void {
    const keepFrom = this.#turn - this.#policy.keepRecentTurns;
    const latestView = new Map<string, number>();
    for (const meta of this.#meta.values()) {
      if (meta.viewedPath) latestView.set(meta.viewedPath, Math.max(latestView.get(meta.viewedPath) ?? -1, meta.turn));
    }
    const superseded = (meta: ResultMeta) => meta.viewedPath !== null && (latestView.get(meta.viewedPath) ?? -1) > meta.turn;
    for (const [block, meta] of this.#meta) {
      if (!meta.compacted && (meta.turn < keepFrom || superseded(meta))) this.#compactResult(block, meta, superseded(meta));
    }
    // Still above the low-water mark: the recent results too, oldest first, never the latest turn's.
    let size = this.size();
    for (const [block, meta] of this.#meta) {
      if (size <= this.#policy.compactToChars) break;
      if (meta.compacted || meta.turn >= this.#turn) continue;
      const before = blockChars(block);
      this.#compactResult(block, meta, false);
      size -= before - blockChars(block);
    }
    this.compactions++;
  }

  #compactResult(block: ToolResultBlockParam, meta: ResultMeta, superseded: boolean): void {
    block.content = superseded ? `[an older view of ${meta.viewedPath}, superseded by a later one]` : `[compacted] ${meta.stub}`;
    meta.compacted = true;
    // A kept reference to this result gets the text back: what it pointed to is gone.
    for (const [other, otherMeta] of this.#meta) {
      if (otherMeta.refersTo === block && !otherMeta.compacted && otherMeta.whole !== null) {
        other.content = otherMeta.whole;
        otherMeta.whole = null;
        otherMeta.refersTo = null;
      }
    }
  }
}

/** A near-repeat is sent as its changed lines only when they are at most this many… */
const MAX_CHANGED_LINES = 20;
/** …and the reference is at most this share of the text it stands for. */
const MAX_REFERENCE_SHARE = 0.25;

/**
 * `lines` as the earlier result with a few lines changed: a reference listing each
 * changed line whole, by its number in that result; null when the line counts differ
 * or too much changed.
 */
function changedLinesReference(earlier: string, lines: readonly string[], meta: ResultMeta): string | null {
  const before = earlier.split("\n");
  if (before.length !== lines.length) return null;
  const changed: string[] = [];
  let changedChars = 0;
  const total = lines.reduce((n, line) => n + line.length + 1, 0);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (line === before[i]) continue;
    if (changed.length === MAX_CHANGED_LINES) return null;
    changed.push(`${i + 1}: ${line}`);
    changedChars += line.length;
    if (changedChars > total * MAX_REFERENCE_SHARE) return null;
  }
  const header = `[the result of turn ${meta.turn} above (${meta.stub}) again, except that ${changed.length} of its ${formatCount(lines.length)} lines now read (by line number in that result):]`;
  const reference = [header, ...changed].join("\n");
  return reference.length <= total * MAX_REFERENCE_SHARE ? reference : null;
}

function blockChars(block: ContentBlockParam): number {
  switch (block.type) {
    case "text":
      return block.text.length;
    case "tool_use":
      return JSON.stringify(block.input).length;
    case "tool_result":
      if (typeof block.content === "string") return block.content.length;
      return (block.content ?? []).reduce((n, c) => n + (c.type === "text" ? c.text.length : 1000), 0);
    default:
      return 200;
  }
}
