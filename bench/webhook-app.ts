/**
 * What the webhook benchmarks share: the GitHub App's credentials (a fresh key, a
 * secret strong enough for `droid serve`) and Droid's webhook server in its own
 * process (bench/webhook-server.ts), so the load generator does not share its event loop.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { generateAppKey } from "../test/helpers/app-key.ts";

export const BENCH_SECRET = "bench-webhook-secret-0123456789";

export const BENCH_PRIVATE_KEY = generateAppKey();

const SERVER = fileURLToPath(new URL("./webhook-server.ts", import.meta.url));

/** Starts `bench/webhook-server.ts <kind>` and resolves with the URL it prints. */
export async function startWebhookServer(kind: string, env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [SERVER, kind], {
    env: { ...process.env, ...env, PRIVATE_KEY: BENCH_PRIVATE_KEY, WEBHOOK_SECRET: BENCH_SECRET },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const [chunk] = (await once(child.stdout!, "data")) as [Buffer];
  return { url: chunk.toString().trim(), child };
}
