import { z } from "zod";

/**
 * The per-repository settings planning needs, for the lead's `.github/droid.yml` schema to
 * compose (e.g. under a `planning:` key, or with `model`/`budget` lifted to the top level).
 * Every key has a default, so an empty object is valid.
 */
export const BudgetSettingsSchema = z
  .object({
    /** Dollars one job may spend on the model. */
    usd: z.number().positive().max(1000).default(2),
    /** Tokens one job may process (input, output, cache writes and reads together). */
    tokens: z.number().int().positive().default(1_000_000),
  })
  .strict();

/**
 * How much of the context budget goes to what is read from the clone, and how long the planner
 * may explore it before it must submit (`planning:` in `.github/droid.yml`).
 */
export const GroundingSettingsSchema = z
  .strictObject({
    /** Share of `contextChars` for the code read from the clone: relevant code, the repository map, knowledge files. */
    codeShare: z.number().min(0).max(0.8).default(0.5),
    /** Share of the code's part for the repository map. */
    mapShare: z.number().min(0).max(1).default(0.2),
    /** Share of the code's part for knowledge files (CLAUDE.md, Copilot and Cursor rules, ADRs); what they leave goes to relevant code. */
    knowledgeShare: z.number().min(0).max(1).default(0.15),
    /** Candidate files localization returns (ranked; as many as fit are shown). */
    candidates: z.number().int().min(1).max(60).default(25),
    /** Model turns of read-only exploration (view a file, search, find files or a symbol) before the plan must be submitted. */
    explorationTurns: z.number().int().min(0).max(12).default(4),
  })
  .refine((g) => g.mapShare + g.knowledgeShare <= 1, "mapShare + knowledgeShare must be at most 1");

export type GroundingSettings = z.infer<typeof GroundingSettingsSchema>;

export const PlanningSettingsSchema = z
  .object({
    /** Model id for this repository; overrides `DROID_MODEL`. */
    model: z.string().min(1).optional(),
    budget: BudgetSettingsSchema.default({ usd: 2, tokens: 1_000_000 }),
    /** Where the repo's own plan templates live on the default branch. */
    templatesDir: z
      .string()
      .regex(/^[\w.\-/]+$/, "a path in the repository")
      .refine((p) => !p.split("/").includes(".."), "must stay inside the repository")
      .default(".github/droid/templates"),
    /** Characters of issue and repository context the planner may read (about 4 per token). */
    contextChars: z.number().int().min(4_000).max(400_000).default(120_000),
    /** `max_tokens` of a planning request (thinking included). */
    maxOutputTokens: z.number().int().min(1_024).max(64_000).default(16_000),
    /** What the planner reads of the code, and how long it may explore (see `GroundingSettingsSchema`). */
    planning: GroundingSettingsSchema.prefault({}),
  })
  .strict();

export type PlanningSettings = z.infer<typeof PlanningSettingsSchema>;

export const DEFAULT_PLANNING_SETTINGS: PlanningSettings = PlanningSettingsSchema.parse({});
