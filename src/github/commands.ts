/**
 * Finds a `/droid <command> [free text]` in a comment body.
 *
 * A command is a line that starts (after at most three spaces) with the slash and the
 * command word. Lines inside fenced code blocks, indented code, block quotes and HTML
 * comments are not commands. When a comment holds several command lines, the first
 * wins and the others are reported back as ignored.
 */
import { isCommandName, type CommandName } from "../config/names.ts";
import { stripInvisible } from "../prompting/index.ts";
import { escapeRegExp } from "./text.ts";

export type ParsedCommand =
  | { kind: "none" }
  | { kind: "command"; name: CommandName; text: string; ignored: string[] }
  | { kind: "unknown"; word: string; ignored: string[] };

const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/** True when the body may hold a command at all: a cheap test before any API call. */
export function mayHoldCommand(body: string): boolean {
  return /^ {0,3}\//m.test(body);
}

export function parseCommand(body: string, commandWord: string): ParsedCommand {
  const lines = commandLines(body);
  const head = new RegExp(`^ {0,3}/${escapeRegExp(commandWord)}(?=$|[ \\t])[ \\t]*(\\S*)[ \\t]*(.*)$`, "i");
  const found: { word: string; rest: string; index: number; raw: string }[] = [];
  lines.forEach((line, index) => {
    const match = head.exec(line);
    if (match) found.push({ word: (match[1] ?? "").toLowerCase(), rest: match[2] ?? "", index, raw: line.trim() });
  });
  const first = found[0];
  if (!first) return { kind: "none" };
  const ignored = found.slice(1).map((f) => f.raw);
  if (first.word === "") return { kind: "command", name: "help", text: "", ignored };
  if (!isCommandName(first.word)) return { kind: "unknown", word: first.word, ignored };
  // Free text: the rest of the line, then the following lines up to the next command line.
  const next = found[1]?.index ?? lines.length;
  const following = lines.slice(first.index + 1, next).filter((l) => l !== SKIPPED);
  const text = [first.rest, ...following].join("\n").trim();
  return { kind: "command", name: first.word, text, ignored };
}

/** Placeholder for lines that can never be commands nor free text (code, quotes, comments). */
const SKIPPED = "\u0000";

/** The body's lines, with code blocks, quotes and HTML comments replaced by SKIPPED. */
function commandLines(body: string): string[] {
  const visible = stripInvisible(body).replace(/<!--[\s\S]*?(-->|$)/g, (c) => c.replace(/[^\n]+/g, SKIPPED));
  const out: string[] = [];
  let fence: string | null = null;
  for (const line of visible.split(/\r?\n/)) {
    const marker = FENCE.exec(line)?.[1];
    if (fence !== null) {
      if (marker && marker[0] === fence[0] && marker.length >= fence.length && line.trim() === marker) fence = null;
      out.push(SKIPPED);
    } else if (marker) {
      fence = marker;
      out.push(SKIPPED);
    } else if (/^ {0,3}>/.test(line) || /^( {4,}|\t)/.test(line)) {
      out.push(SKIPPED);
    } else {
      out.push(line);
    }
  }
  return out;
}
