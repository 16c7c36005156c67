import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_LIMITS, SANDBOX_IMAGE, type Sandbox, SetupCache, copyFilesIntoSandbox, createSandbox, setupCacheKey } from "../../src/sandbox/index.ts";
import { docker, dockerAnswers, memoryLogger, uniqueId } from "../helpers/docker.ts";

const engine = await dockerAnswers();
const { logger } = memoryLogger();
const dir = await mkdtemp(path.join(tmpdir(), "droid-setup-cache-"));
const sandboxes: Sandbox[] = [];

async function sandboxWith(setupCacheVolume?: string) {
  const sandbox = await createSandbox(docker, { owner: { jobId: uniqueId("cache"), instance: "test-cache" }, image: SANDBOX_IMAGE, network: "none", limits: DEFAULT_LIMITS, logger, ...(setupCacheVolume ? { setupCacheVolume } : {}) });
  sandboxes.push(sandbox);
  const files = (async function* () {
    yield { path: "package.json", kind: "file" as const, executable: false, content: Buffer.from('{ "name": "x" }\n') };
    yield { path: "src/a.js", kind: "file" as const, executable: false, content: Buffer.from("1\n") };
  })();
  const baseline = await copyFilesIntoSandbox(files, sandbox);
  return { sandbox, tracked: (relative: string) => baseline.has(relative) };
}

const keyOf = (lock: string) => setupCacheKey({ repository: "o/r", imageId: "sha256:1", commands: ["npm ci"], network: "none", lockfiles: [["package-lock.json", lock]] });

afterAll(async () => {
  for (const sandbox of sandboxes) await sandbox.remove();
  const { Volumes } = await docker.listVolumes({ filters: JSON.stringify({ label: ["dev.droid.setup-cache=o_r"] }) });
  for (const volume of Volumes ?? []) await docker.getVolume(volume.Name).remove().catch(() => {});
  await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!engine)("the dependency cache", () => {
  it("keeps what setup made, gives it to the next sandbox with the same key (read only), misses on a changed lockfile, evicts the least recently used", async () => {
    const cache = new SetupCache(docker, { dir, maxMb: 64, logger });
    const first = await sandboxWith();
    // "setup": dependencies in the work tree and a cache in HOME; a tracked file it touched is not kept.
    await first.sandbox.exec("mkdir -p node_modules/dep src/node_modules && head -c 40000000 /dev/urandom > node_modules/blob && echo dep > node_modules/dep/index.js && echo nested > src/node_modules/n.js && mkdir -p ~/.npm && echo c > ~/.npm/c && echo changed > src/a.js");
    const key = keyOf("v1");
    expect(await cache.lookup(key)).toBeNull();
    await cache.save(first.sandbox, key, { repository: "o/r", image: SANDBOX_IMAGE, tracked: first.tracked });
    const volume = await cache.lookup(key);
    expect(volume).not.toBeNull();
    expect(await cache.lookup(keyOf("v2"))).toBeNull();

    const second = await sandboxWith(volume ?? "");
    await cache.restore(second.sandbox);
    const seen = await second.sandbox.exec("cat node_modules/dep/index.js src/node_modules/n.js ~/.npm/c src/a.js");
    expect(seen.stdout).toBe("dep\nnested\nc\n1\n");
    // The agent cannot write the entry.
    const poison = await second.sandbox.exec("echo bad > /droid-cache/setup.tar");
    expect(poison.kind === "completed" && poison.exitCode !== 0).toBe(true);

    // Past the bound (64 MiB), the least recently used entry goes once no sandbox uses it.
    await second.sandbox.remove();
    const third = await sandboxWith();
    await third.sandbox.exec("mkdir -p node_modules && head -c 40000000 /dev/urandom > node_modules/blob");
    await cache.save(third.sandbox, keyOf("v3"), { repository: "o/r", image: SANDBOX_IMAGE, tracked: third.tracked });
    expect(await cache.lookup(key)).toBeNull();
    expect(await cache.lookup(keyOf("v3"))).not.toBeNull();
  }, 120_000);
});
