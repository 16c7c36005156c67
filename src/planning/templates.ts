import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { KindSchema } from "./schema.ts";

/** A check a plan of this kind must address. */
export interface TemplateCheck {
  id: string;
  text: string;
}

/** A kind of work and what a plan of that kind must contain. */
export interface PlanTemplate {
  kind: string;
  title: string;
  /** Issue labels that select this template (lowercase). */
  labels: string[];
  checks: TemplateCheck[];
  /** The template as written (front matter removed), shown to the model. */
  body: string;
  source: "built-in" | "repo";
}

/** A repo template that could not be used, and why (shown in the plan's context notes). */
export interface TemplateProblem {
  file: string;
  reason: string;
}

export interface TemplateSet {
  templates: PlanTemplate[];
  problems: TemplateProblem[];
}

/** Reads the Markdown files of a repo's templates directory (name and text). */
export type TemplateReader = () => Promise<Array<{ name: string; text: string }>>;

export const BUILT_IN_TEMPLATES_DIR = join(import.meta.dirname, "templates");

const FrontMatter = z.object({
  kind: KindSchema,
  title: z.string().trim().min(1).max(60),
  labels: z.string().default(""),
});

/** Parses one template file: `---` front matter (kind, title, labels), then Markdown with a `## Checks` list. */
export function parseTemplate(text: string, source: PlanTemplate["source"]): PlanTemplate {
  const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/.exec(text);
  if (!match) throw new Error("missing front matter (--- kind/title/labels ---)");
  const fields: Record<string, string> = {};
  for (const line of (match[1] ?? "").split(/\r?\n/)) {
    const field = /^([a-z]+):\s*(.*)$/.exec(line.trim());
    if (field?.[1] !== undefined) fields[field[1]] = field[2] ?? "";
  }
  const front = FrontMatter.safeParse(fields);
  if (!front.success) throw new Error(front.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
  const body = (match[2] ?? "").trim();
  const checks: TemplateCheck[] = [];
  const section = /^## Checks\s*$([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(body);
  for (const line of (section?.[1] ?? "").split("\n")) {
    const check = /^\s*[-*]\s+`([a-z0-9-]{1,40})`\s*:\s*(.+)$/.exec(line);
    if (check?.[1] !== undefined && check[2] !== undefined) checks.push({ id: check[1], text: check[2].trim() });
  }
  return {
    kind: front.data.kind,
    title: front.data.title,
    labels: front.data.labels.split(",").map((l) => l.trim().toLowerCase()).filter((l) => l !== ""),
    checks,
    body,
    source,
  };
}

export async function loadBuiltInTemplates(dir = BUILT_IN_TEMPLATES_DIR): Promise<PlanTemplate[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith(".md")).sort();
  return Promise.all(names.map(async (name) => parseTemplate(await readFile(join(dir, name), "utf8"), "built-in")));
}

/**
 * Built-in templates, then the repo's: a repo template with the same kind replaces the
 * built-in one, a new kind is added. Broken repo templates are skipped and reported.
 */
export async function loadTemplates(readRepoTemplates: TemplateReader, builtIns?: PlanTemplate[]): Promise<TemplateSet> {
  const byKind = new Map<string, PlanTemplate>();
  for (const t of builtIns ?? (await loadBuiltInTemplates())) byKind.set(t.kind, t);
  const problems: TemplateProblem[] = [];
  const files = [...(await readRepoTemplates())].sort((a, b) => a.name.localeCompare(b.name));
  for (const file of files) {
    try {
      const t = parseTemplate(file.text, "repo");
      byKind.set(t.kind, t);
    } catch (error) {
      problems.push({ file: file.name, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  return { templates: [...byKind.values()], problems };
}

/** The template an issue's labels select, if any (first label in the issue's order wins). */
export function templateForLabels(set: TemplateSet, labels: string[]): PlanTemplate | null {
  for (const label of labels) {
    const wanted = label.toLowerCase();
    const found = set.templates.find((t) => t.kind === wanted || t.labels.includes(wanted));
    if (found) return found;
  }
  return null;
}
