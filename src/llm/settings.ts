import { z } from "zod";

/** The model used when neither `DROID_MODEL` nor the repo config names one. */
export const DEFAULT_MODEL = "claude-sonnet-5-5";

const positiveInt = z.coerce.number().int().positive();

/**
 * LLM settings read from the environment. `ANTHROPIC_*` and the cloud variables are the
 * standard names the SDKs use; Droid's own knobs carry the `DROID_` prefix.
 */
export const LlmEnvSchema = z
  .object({
    DROID_LLM_PROVIDER: z.enum(["anthropic", "bedrock", "vertex"]).default("anthropic"),
    ANTHROPIC_API_KEY: z.string().min(1).optional(),
    ANTHROPIC_BASE_URL: z.url().optional(),
    DROID_MODEL: z.string().min(1).default(DEFAULT_MODEL),
    AWS_REGION: z.string().min(1).optional(),
    ANTHROPIC_VERTEX_PROJECT_ID: z.string().min(1).optional(),
    CLOUD_ML_REGION: z.string().min(1).optional(),
    DROID_LLM_MAX_ATTEMPTS: positiveInt.default(6),
    DROID_LLM_MAX_RETRY_MS: positiveInt.default(180_000),
    DROID_LLM_REQUEST_TIMEOUT_MS: positiveInt.default(300_000),
  })
  .superRefine((env, ctx) => {
    if (env.DROID_LLM_PROVIDER === "anthropic" && env.ANTHROPIC_API_KEY === undefined) {
      ctx.addIssue({ code: "custom", path: ["ANTHROPIC_API_KEY"], message: "is required when DROID_LLM_PROVIDER is anthropic" });
    }
    if (env.DROID_LLM_PROVIDER === "bedrock" && env.AWS_REGION === undefined) {
      ctx.addIssue({ code: "custom", path: ["AWS_REGION"], message: "is required when DROID_LLM_PROVIDER is bedrock" });
    }
    if (env.DROID_LLM_PROVIDER === "vertex" && (env.ANTHROPIC_VERTEX_PROJECT_ID === undefined || env.CLOUD_ML_REGION === undefined)) {
      ctx.addIssue({
        code: "custom",
        path: ["ANTHROPIC_VERTEX_PROJECT_ID"],
        message: "ANTHROPIC_VERTEX_PROJECT_ID and CLOUD_ML_REGION are required when DROID_LLM_PROVIDER is vertex",
      });
    }
  });

export type LlmEnv = z.infer<typeof LlmEnvSchema>;

/** Parses the LLM settings; the error names each bad variable (never its value). */
export function parseLlmEnv(env: Record<string, string | undefined>): LlmEnv {
  const result = LlmEnvSchema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ");
  throw new Error(`invalid LLM settings: ${problems}`);
}
