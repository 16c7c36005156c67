import type { ContentBlockParam, MessageParam, ToolResultBlockParam } from "@anthropic-ai/sdk/resources/messages";
import { describe, expect, it } from "vitest";
import { ConversationHistory, type HistoryPolicy } from "../../src/agent/history.ts";

/** One turn: the model calls a tool, the result (of `chars` characters) comes back. */
function turn(history: ConversationHistory, chars: number, options: { viewedPath?: string; stub?: string } = {}): void {
  const id = `toolu_${history.turn}`;
  history.addAssistant([{ type: "tool_use", id, name: "bash", input: { command: "cat big.log" } }]);
  const block: ToolResultBlockParam = { type: "tool_result", tool_use_id: id, content: `${history.turn}:`.padEnd(chars, "x") };
  history.addUser([{ block, stub: options.stub ?? `bash #${history.turn}`, viewedPath: options.viewedPath ?? null }], []);
}

function resultTexts(messages: MessageParam[]): string[] {
  return messages.flatMap((m) => (typeof m.content === "string" ? [] : m.content.flatMap((b) => (b.type === "tool_result" ? [String(b.content)] : []))));
}

function breakpoints(messages: MessageParam[]): string[] {
  const out: string[] = [];
  messages.forEach((m, i) => {
    if (typeof m.content === "string") return;
    m.content.forEach((b: ContentBlockParam, j) => {
      if ("cache_control" in b && b.cache_control) out.push(`${i}.${j}`);
    });
  });
  return out;
}

/** The messages as JSON, cache breakpoints left out. */
function plain(messages: MessageParam[]): string {
  return JSON.stringify(messages).replaceAll(',"cache_control":{"type":"ephemeral"}', "");
}

/** Whether `previous` is an unchanged prefix of `next` (cache breakpoints aside). */
function isExtensionOf(previous: MessageParam[], next: MessageParam[]): boolean {
  const a = plain(previous);
  return plain(next).startsWith(a.slice(0, -1));
}

/** One turn whose result is the same 3,000 characters each time. */
function same(h: ConversationHistory): void {
  const id = `toolu_${h.turn}`;
  h.addAssistant([{ type: "tool_use", id, name: "bash", input: { command: "cat util.js" } }]);
  h.addUser([{ block: { type: "tool_result", tool_use_id: id, content: "u".repeat(3_000) }, stub: "bash: cat util.js", viewedPath: null }], []);
}

/** One turn viewing `a.js`, whose view is `lines`. */
function viewTurn(h: ConversationHistory, lines: string[]): void {
  const id = `toolu_${h.turn}`;
  h.addAssistant([{ type: "tool_use", id, name: "str_replace_based_edit_tool", input: { command: "view", path: "a.js" } }]);
  h.addUser([{ block: { type: "tool_result", tool_use_id: id, content: lines.join("\n") }, stub: "view a.js", viewedPath: "/work/a.js" }], []);
}

const SMALL: HistoryPolicy = { compactAtChars: 10_000, keepRecentTurns: 2, compactToChars: 5_000, referenceRepeatsFrom: Infinity };

describe("ConversationHistory", () => {
  it("places cache breakpoints on the task message and the newest block only", () => {
    const history = new ConversationHistory("the task");
    expect(breakpoints(history.messages())).toEqual(["0.0"]);
    turn(history, 100);
    turn(history, 100);
    const messages = history.messages();
    expect(messages).toHaveLength(5);
    expect(breakpoints(messages)).toEqual(["0.0", "4.0"]);
    // The breakpoint is on the copy: the next request moves it.
    turn(history, 100);
    expect(breakpoints(history.messages())).toEqual(["0.0", "6.0"]);
  });

  it("puts tool results before text in a user turn, and says Continue when there is nothing", () => {
    const history = new ConversationHistory("the task");
    history.addAssistant([{ type: "text", text: "thinking" }]);
    history.addUser([], []);
    history.addAssistant([{ type: "tool_use", id: "t1", name: "bash", input: {} }]);
    history.addUser([{ block: { type: "tool_result", tool_use_id: "t1", content: "ok" }, stub: "bash", viewedPath: null }], ["a note"]);
    const [, , continued, , last] = history.messages();
    expect(continued?.content).toEqual([{ type: "text", text: "Continue." }]);
    expect(last?.content).toMatchObject([{ type: "tool_result" }, { type: "text", text: "a note" }]);
  });

  it("does not compact below the threshold: every request extends the previous one", () => {
    const history = new ConversationHistory("the task");
    let previous = history.messages();
    for (let i = 0; i < 20; i++) {
      turn(history, 1_000);
      const next = history.messages();
      expect(isExtensionOf(previous, next)).toBe(true);
      previous = next;
    }
    expect(history.compactions).toBe(0);
    expect(resultTexts(previous).every((t) => !t.startsWith("[compacted]"))).toBe(true);
  });

  it("compacts in batches: past the threshold, down to the low-water mark, keeping the latest results", () => {
    const history = new ConversationHistory("the task", SMALL);
    let previous = history.messages();
    const broke: number[] = [];
    for (let i = 0; i < 30; i++) {
      turn(history, 1_500);
      const next = history.messages();
      if (!isExtensionOf(previous, next)) broke.push(history.turn);
      previous = next;
    }
    // 1,500 characters a turn: over 10,000 after 7 turns, then back to ~5,000; another batch of 4 turns until the next.
    expect(history.compactions).toBe(broke.length);
    expect(broke.length).toBeGreaterThanOrEqual(5);
    expect(broke.length).toBeLessThanOrEqual(8);
    for (let i = 1; i < broke.length; i++) expect((broke[i] ?? 0) - (broke[i - 1] ?? 0)).toBeGreaterThanOrEqual(3);
    const texts = resultTexts(previous);
    expect(texts.at(-1)).toMatch(/^30:x+$/);
    expect(texts[0]).toBe("[compacted] bash #1");
    expect(history.size()).toBeLessThanOrEqual(SMALL.compactAtChars);
  });

  it("with large recent results, still compacts in batches rather than every turn", () => {
    // Each result alone is a fifth of the threshold: the kept recent turns would hold the
    // conversation above it, and a policy without a low-water mark compacts every turn.
    const policy: HistoryPolicy = { compactAtChars: 10_000, keepRecentTurns: 6, compactToChars: 5_000, referenceRepeatsFrom: Infinity };
    const history = new ConversationHistory("the task", policy);
    for (let i = 0; i < 40; i++) {
      turn(history, 2_000);
      history.messages();
    }
    expect(history.compactions).toBeLessThanOrEqual(14);

    const everyTurn = new ConversationHistory("the task", { ...policy, compactToChars: policy.compactAtChars });
    for (let i = 0; i < 40; i++) {
      turn(everyTurn, 2_000);
      everyTurn.messages();
    }
    expect(everyTurn.compactions).toBeGreaterThanOrEqual(30);
  });

  it("elides file views superseded by a later view of the same file, even recent ones", () => {
    const history = new ConversationHistory("the task", { compactAtChars: 5_000, keepRecentTurns: 10, compactToChars: 5_000, referenceRepeatsFrom: Infinity });
    turn(history, 2_000, { viewedPath: "/work/src/a.js" });
    turn(history, 100, { viewedPath: "/work/src/b.js" });
    turn(history, 2_000, { viewedPath: "/work/src/a.js" });
    turn(history, 2_000);
    const texts = resultTexts(history.messages());
    expect(texts[0]).toBe("[an older view of /work/src/a.js, superseded by a later one]");
    expect(texts[1]).toMatch(/^2:x+$/);
    expect(texts[2]).toMatch(/^3:x+$/);
    expect(texts[3]).toMatch(/^4:x+$/);
    expect(history.compactions).toBe(1);
  });

  it("sends a repeated result as a reference to the earlier one, and whole again once that one is compacted", () => {
    const policy: HistoryPolicy = { compactAtChars: 9_000, keepRecentTurns: 6, compactToChars: 0, referenceRepeatsFrom: 1_000 };
    const history = new ConversationHistory("the task", policy);
    same(history);
    turn(history, 100);
    same(history);
    const texts = resultTexts(history.messages());
    expect(texts[0]).toBe("u".repeat(3_000));
    expect(texts[2]).toBe("[the same 3,000 characters as the result of turn 1 above: bash: cat util.js]");
    turn(history, 3_000);
    turn(history, 3_000);
    const after = resultTexts(history.messages());
    expect(after[0]).toBe("[compacted] bash: cat util.js");
    expect(after.at(-1)).toMatch(/^5:x+$/);
    expect(after.slice(1, -1).every((text) => text.startsWith("[compacted]"))).toBe(true);
  });
  it("sends a result with a few lines changed as those lines and a reference, and whole again once the earlier one is compacted", () => {
    const policy: HistoryPolicy = { compactAtChars: 20_000, keepRecentTurns: 6, compactToChars: 0, referenceRepeatsFrom: 1_000 };
    const history = new ConversationHistory("the task", policy);
    const file = Array.from({ length: 100 }, (_, i) => `${String(i + 1).padStart(6)}\tconst value${i} = ${i};`);
    const view = (lines: string[]): void => viewTurn(history, lines);
    view(file);
    turn(history, 100);
    const edited = file.map((line, i) => (i === 41 ? "    42\tconst value41 = 4100;" : line));
    view(edited);
    const texts = resultTexts(history.messages());
    expect(texts[0]).toBe(file.join("\n"));
    expect(texts[2]).toBe("[the result of turn 1 above (view a.js) again, except that 1 of its 100 lines now read (by line number in that result):]\n42:     42\tconst value41 = 4100;");
    // Too many lines changed, or a different number of lines: sent whole.
    view(file.map((line) => `${line} // changed`));
    view([...edited, "   101\tconst extra = 1;"]);
    const whole = resultTexts(history.messages());
    expect(whole[3]).toMatch(/\/\/ changed$/);
    expect(whole[4]).toMatch(/const extra = 1;$/);
    // Past the threshold, the first view is compacted (superseded): a reference to it, sent last, gets its text back.
    const later = new ConversationHistory("the task", policy);
    viewTurn(later, file);
    turn(later, 19_000);
    viewTurn(later, edited);
    const after = resultTexts(later.messages());
    expect(later.compactions).toBe(1);
    expect(after[0]).toBe("[an older view of /work/a.js, superseded by a later one]");
    expect(after[2]).toBe(edited.join("\n"));
  });
});
