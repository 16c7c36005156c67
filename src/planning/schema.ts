import { z } from "zod";

/** The kinds of work Droid ships a template for. Repos can add more (see templates.ts). */
export const BUILT_IN_KINDS = ["bug-fix", "feature", "refactor", "dependency-upgrade", "docs", "tests", "incident"] as const;

export const SUBTASK_STATES = ["todo", "in-progress", "done", "failed", "skipped"] as const;
export type SubtaskState = (typeof SUBTASK_STATES)[number];

const text = (max: number) => z.string().trim().min(1).max(max);

export const KindSchema = z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, "a template kind: lowercase letters, digits and dashes");

export const SubtaskSchema = z.object({
  id: z.string().regex(/^S\d{1,2}$/, 'an id like "S1"'),
  title: text(120),
  change: text(1500).describe("What to change and where: files, functions, modules."),
  files: z.array(text(200)).max(20).default([]).describe("Paths the subtask expects to touch: existing files of the repository, or files it creates (listed in `newFiles` too)."),
  /** Added after the first plans were stored: absent in older plan comments, which read as none. */
  newFiles: z.array(text(200)).max(20).optional().describe("The paths in `files` that this subtask creates (they do not exist yet)."),
  verification: text(800).describe("How this subtask will be verified: the test, command or check."),
  state: z.enum(SUBTASK_STATES).default("todo"),
});
export type Subtask = z.infer<typeof SubtaskSchema>;

export const RiskSchema = z.object({ risk: text(400), mitigation: text(400) });

export const RolloutSchema = z.object({
  featureFlag: z.string().trim().max(600).nullable().describe("Flag name and default, or null when none is needed."),
  migration: z.string().trim().max(800).nullable().describe("Data or schema migration and how to roll it back, or null."),
  deployment: z.string().trim().max(800).nullable().describe("Deployment notes (order, config, monitoring), or null."),
});

export const CheckSchema = z.object({
  id: z.string().min(1).max(40).describe("The id of a check from the template."),
  addressedBy: text(500).describe("How the plan satisfies the check (subtask ids, tests)."),
});

/** What the model submits through the `submit_plan` tool. */
export const ModelPlanSchema = z
  .object({
    summary: text(1500).describe("Two to four sentences: the problem and the approach."),
    kind: KindSchema.describe("The kind of work, one of the template kinds."),
    subtasks: z.array(SubtaskSchema).min(1).max(20),
    testing: text(3000).describe("The testing strategy for the whole change."),
    risks: z.array(RiskSchema).max(12),
    rollout: RolloutSchema,
    openQuestions: z.array(text(400)).max(10).describe("Questions the human must answer; empty when none."),
    checks: z.array(CheckSchema).max(30).describe("One entry per check the template requires."),
  })
  .superRefine((plan, ctx) => {
    const seen = new Set<string>();
    plan.subtasks.forEach((s, i) => {
      if (seen.has(s.id)) ctx.addIssue({ code: "custom", path: ["subtasks", i, "id"], message: `duplicate subtask id ${s.id}` });
      seen.add(s.id);
    });
  });
export type ModelPlan = z.infer<typeof ModelPlanSchema>;

/** Which template a plan follows, and why. */
export const TemplateRefSchema = z.object({
  kind: KindSchema,
  title: z.string(),
  source: z.enum(["built-in", "repo"]),
  chosenBy: z.enum(["label", "model"]),
});

export const PlanSchema = ModelPlanSchema.safeExtend({ template: TemplateRefSchema });
export type Plan = z.infer<typeof PlanSchema>;

/** What the plan comment's hidden marker carries. */
export const StoredPlanSchema = z.object({
  version: z.literal(1),
  plan: PlanSchema,
  /** 1 for the first plan, +1 for each revision. */
  revision: z.number().int().positive(),
  jobId: z.string(),
  model: z.string(),
  updatedAt: z.string(),
});
export type StoredPlan = z.infer<typeof StoredPlanSchema>;

/** Validation errors as short lines the model (and a human) can act on. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.length === 0 ? "(plan)" : issue.path.join(".")}: ${issue.message}`);
}

/**
 * Largest plan accepted, as JSON characters. The plan comment carries it base64-encoded
 * (4/3 larger) in a hidden marker, which must leave room within GitHub's 65,536-character
 * comment limit for the readable part.
 */
export const MAX_PLAN_JSON_CHARS = 24_000;
