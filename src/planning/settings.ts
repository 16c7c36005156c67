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
    contextChars: z.number().int().min(4_000).max(400_000).default(60_000),
    /** `max_tokens` of a planning request (thinking included). */
    maxOutputTokens: z.number().int().min(1_024).max(64_000).default(16_000),
  })
  .strict();

export type PlanningSettings = z.infer<typeof PlanningSettingsSchema>;

export const DEFAULT_PLANNING_SETTINGS: PlanningSettings = PlanningSettingsSchema.parse({});
