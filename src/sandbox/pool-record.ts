/**
 * The pool's specifications kept on the worker's disk (`<data dir>/sandbox-pool.json`), so the
 * next start of the worker warms what jobs asked for last before any job asks again (pool.ts,
 * `prewarm`). Written aside and renamed: a crash never leaves half a record. A record that
 * cannot be read or is of another format is ignored (the caller logs it once).
 */
import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { NETWORK_POLICIES, sandboxLimitsSchema } from "./settings.ts";

const diskSchema = z.union([
  z.strictObject({ kind: z.literal("none") }),
  z.strictObject({ kind: z.literal("quota"), sizeMb: z.number().int().positive() }),
  z.strictObject({ kind: z.literal("tmpfs"), sizeMb: z.number().int().positive() }),
]);

const specSchema = z.strictObject({
  image: z.string().min(1),
  network: z.enum(NETWORK_POLICIES),
  limits: sandboxLimitsSchema,
  runtime: z.string().min(1).nullable(),
  volumeMemoryMb: z.number().int().min(0).optional(),
  networkName: z.string().min(1),
  disk: diskSchema,
});

/** A pool specification as recorded (`PoolSpec`, pool.ts, without importing it: pool.ts imports this file). */
export type RecordedSpec = z.infer<typeof specSchema>;

/** Version 1: the specifications, the one asked for most recently first. */
const recordSchema = z.strictObject({ version: z.literal(1), specs: z.array(specSchema) });

export type PoolRecordRead = { kind: "absent" } | { kind: "read"; specs: RecordedSpec[] } | { kind: "unusable"; reason: string };

/** The specifications the record holds; `absent` when there is no record yet (a new worker). */
export async function readPoolRecord(file: string): Promise<PoolRecordRead> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if (error instanceof Error && "code" in error && error.code === "ENOENT") return { kind: "absent" };
    return { kind: "unusable", reason: error instanceof Error ? error.message : String(error) };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { kind: "unusable", reason: `not JSON (${error instanceof Error ? error.message : String(error)})` };
  }
  const parsed = recordSchema.safeParse(json);
  if (!parsed.success) return { kind: "unusable", reason: `not a version 1 record (${z.prettifyError(parsed.error).split("\n")[0] ?? "unknown shape"})` };
  return { kind: "read", specs: parsed.data.specs };
}

/** Replaces the record with `specs` (most recently asked first). */
export async function writePoolRecord(file: string, specs: readonly RecordedSpec[]): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    await writeFile(temporary, `${JSON.stringify({ version: 1, specs }, null, 2)}\n`);
    await rename(temporary, file);
  } finally {
    await rm(temporary, { force: true });
  }
}
