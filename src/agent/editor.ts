/**
 * Anthropic's text-editor tool, executed in the sandbox: view (with line numbers and
 * ranges, or a directory listing), create, str_replace (exact, unique match) and insert.
 * Errors are answers the model can act on, never exceptions.
 */
import type { Sandbox } from "../sandbox/index.ts";
import type { EditorInput } from "./tools/inputs.ts";
import { resolveAgentPath, shellQuote, type PathPolicy } from "./workspace-path.ts";

export interface EditorResult {
  text: string;
  isError: boolean;
  /** The file written, when the command changed one. */
  changedPath: string | null;
  /** The file viewed in full, for superseding older views in the history. */
  viewedPath: string | null;
}

const MAX_VIEW_CHARS = 40_000;
const MAX_FILE_BYTES = 2 * 1024 * 1024;

export async function runEditor(sandbox: Sandbox, input: EditorInput, policy: PathPolicy): Promise<EditorResult> {
  const resolved = resolveAgentPath(input.path, policy);
  if (!resolved.ok) return error(resolved.error);
  if (input.command !== "view" && !resolved.writable) return error(`${input.path} is read only.`);
  const target = resolved.path;
  const kind = await fileKind(sandbox, target);
  switch (input.command) {
    case "view":
      if (kind.type === "missing") return error(`${input.path} does not exist.`);
      if (kind.type === "directory") return listDirectory(sandbox, target);
      return view(sandbox, target, kind.size, input.view_range);
    case "create":
      if (kind.type === "directory") return error(`${input.path} is a directory.`);
      await sandbox.exec(`mkdir -p ${shellQuote(dirname(target))}`, { timeoutSeconds: 30 });
      await sandbox.writeFile(target, input.file_text, { mode: kind.type === "file" ? kind.mode : 0o644 });
      return changed(target, `${kind.type === "file" ? "Overwrote" : "Created"} ${target} (${lineCount(input.file_text)} lines).`);
    case "str_replace":
    case "insert": {
      if (kind.type !== "file") return error(`${input.path} is not a file${kind.type === "missing" ? " (it does not exist; use create)" : ""}.`);
      if (kind.size > MAX_FILE_BYTES) return error(`${input.path} is too large to edit here (${kind.size} bytes); use bash (sed, patch).`);
      const content = (await sandbox.readFile(target)).toString("utf8");
      const edit = input.command === "str_replace" ? replaceUnique(content, input.old_str, input.new_str) : insertAt(content, input.insert_line, input.insert_text);
      if (!edit.ok) return error(edit.error.replace("FILE", input.path));
      await sandbox.writeFile(target, edit.content, { mode: kind.mode });
      return changed(target, `Edited ${target}. ${snippet(edit.content, edit.line)}`);
    }
  }
}

type FileKind = { type: "missing" } | { type: "directory" } | { type: "file"; size: number; mode: number };

async function fileKind(sandbox: Sandbox, target: string): Promise<FileKind> {
  const result = await sandbox.exec(`stat -L -c '%F|%s|%a' -- ${shellQuote(target)} 2>/dev/null || echo missing`, { timeoutSeconds: 30 });
  const line = result.stdout.trim();
  if (line === "missing" || line === "") return { type: "missing" };
  const [type = "", size = "0", mode = "644"] = line.split("|");
  if (type === "directory") return { type: "directory" };
  return { type: "file", size: Number(size), mode: Number.parseInt(mode, 8) };
}

async function view(sandbox: Sandbox, target: string, size: number, range?: number[]): Promise<EditorResult> {
  if (size > MAX_FILE_BYTES && !range) return error(`${target} has ${size} bytes; view a range with view_range or search it with search_code.`);
  const content = (await sandbox.readFile(target)).toString("utf8");
  if (content.includes("\u0000")) return error(`${target} is a binary file.`);
  const lines = content.split("\n");
  if (lines.at(-1) === "") lines.pop();
  const from = range?.[0] ?? 1;
  const toRaw = range?.[1] ?? lines.length;
  const to = toRaw === -1 ? lines.length : toRaw;
  if (from < 1 || from > Math.max(1, lines.length) || to < from) {
    return error(`view_range [${from}, ${toRaw}] is outside ${target}, which has ${lines.length} lines.`);
  }
  let text = "";
  let shownTo = from - 1;
  for (let i = from; i <= Math.min(to, lines.length); i++) {
    const line = `${String(i).padStart(6)}\t${lines[i - 1]}\n`;
    if (text.length + line.length > MAX_VIEW_CHARS) break;
    text += line;
    shownTo = i;
  }
  const cut = shownTo < Math.min(to, lines.length) ? `\n[shown lines ${from}-${shownTo} of ${lines.length}; view the rest with view_range [${shownTo + 1}, ${to}]]` : "";
  const whole = !range || (from === 1 && shownTo >= lines.length);
  return { text: `${text}${cut}`, isError: false, changedPath: null, viewedPath: whole ? target : null };
}

async function listDirectory(sandbox: Sandbox, target: string): Promise<EditorResult> {
  const result = await sandbox.exec(
    `cd ${shellQuote(target)} && find . -maxdepth 2 -not -path '*/.*' -not -path './node_modules/*' | sort | head -500`,
    { timeoutSeconds: 30 },
  );
  return { text: `Files up to 2 levels deep in ${target}:\n${result.stdout}`, isError: false, changedPath: null, viewedPath: null };
}

type Edit = { ok: true; content: string; line: number } | { ok: false; error: string };

/**
 * Replaces the one exact match of `oldStr`. Models write "\n": in a file whose lines end
 * in CRLF, a text that is not found as sent is looked for (and written) with CRLF.
 */
export function replaceUnique(content: string, oldStr: string, newStr: string): Edit {
  if (!content.includes(oldStr) && usesCrlf(content) && /(?<!\r)\n/.test(oldStr)) {
    const crlf = replaceOnce(content, toCrlf(oldStr), toCrlf(newStr));
    if (crlf.ok || !crlf.error.startsWith(NOT_FOUND)) return crlf;
  }
  return replaceOnce(content, oldStr, newStr);
}

const NOT_FOUND = "old_str was not found in FILE.";

function replaceOnce(content: string, oldStr: string, newStr: string): Edit {
  const first = content.indexOf(oldStr);
  if (first === -1) {
    return { ok: false, error: `${NOT_FOUND} It must match exactly, including whitespace and indentation: view the file and copy the text.` };
  }
  const second = content.indexOf(oldStr, first + 1);
  if (second !== -1) {
    const lines: number[] = [];
    for (let at = first; at !== -1 && lines.length < 10; at = content.indexOf(oldStr, at + 1)) lines.push(lineOf(content, at));
    return { ok: false, error: `old_str matches FILE more than once (at lines ${lines.join(", ")}); include more surrounding lines to make it unique.` };
  }
  return { ok: true, content: content.slice(0, first) + newStr + content.slice(first + oldStr.length), line: lineOf(content, first) };
}

/** Inserts `text` after line `afterLine` (0: at the top), with the file's own line endings. */
export function insertAt(content: string, afterLine: number, text: string): Edit {
  const eol = usesCrlf(content) ? "\r\n" : "\n";
  const lines = content.split(eol);
  const trailing = lines.at(-1) === "";
  if (trailing) lines.pop();
  if (afterLine > lines.length) return { ok: false, error: `insert_line ${afterLine} is past the end of FILE, which has ${lines.length} lines.` };
  const inserted = text.replace(/\r?\n$/, "").split(/\r?\n/);
  lines.splice(afterLine, 0, ...inserted);
  return { ok: true, content: lines.join(eol) + (trailing ? eol : ""), line: afterLine + 1 };
}

/** Whether the file's first line ends in CRLF. */
function usesCrlf(content: string): boolean {
  const nl = content.indexOf("\n");
  return nl > 0 && content[nl - 1] === "\r";
}

function toCrlf(text: string): string {
  return text.replace(/\r?\n/g, "\r\n");
}

function snippet(content: string, line: number): string {
  const lines = content.split("\n");
  const from = Math.max(1, line - 4);
  const to = Math.min(lines.length, line + 8);
  const shown = lines.slice(from - 1, to).map((l, i) => `${String(from + i).padStart(6)}\t${l}`);
  return `Review the result:\n${shown.join("\n")}`;
}

function lineOf(content: string, index: number): number {
  let line = 1;
  for (let i = content.indexOf("\n"); i !== -1 && i < index; i = content.indexOf("\n", i + 1)) line++;
  return line;
}

function lineCount(text: string): number {
  return text === "" ? 0 : text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
}

function dirname(p: string): string {
  return p.slice(0, p.lastIndexOf("/")) || "/";
}

function error(text: string): EditorResult {
  return { text, isError: true, changedPath: null, viewedPath: null };
}

function changed(changedPath: string, text: string): EditorResult {
  return { text, isError: false, changedPath, viewedPath: null };
}
