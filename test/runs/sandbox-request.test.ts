/**
 * The specification a new worker warms before any job asked: a code-changing job's on a
 * repository without `.github/droid.yml`, on this worker's runtime and disk quota, its limits
 * held to the operator's policy.
 */
import { describe, expect, it } from "vitest";
import { readSettings } from "../../src/config/settings.ts";
import { defaultJobPoolSpec } from "../../src/runs/sandbox-request.ts";
import { DEFAULT_LIMITS, NO_SANDBOX_EGRESS, SANDBOX_IMAGE, parseEgressAllowlist } from "../../src/sandbox/index.ts";

describe("defaultJobPoolSpec", () => {
  it("is Droid's image without network, the default limits, the worker's runtime and disk", () => {
    const { policy } = readSettings({});
    const platform = { runtime: "runsc", disk: { kind: "tmpfs", sizeMb: 4096 } } as const;
    expect(defaultJobPoolSpec({ platform, egress: NO_SANDBOX_EGRESS }, policy)).toEqual({
      image: SANDBOX_IMAGE,
      network: "none",
      limits: DEFAULT_LIMITS,
      runtime: "runsc",
      volumeMemoryMb: 8192,
      networkName: "bridge",
      disk: { kind: "tmpfs", sizeMb: 4096 },
    });
  });

  it("follows the operator's maxima, and an allowlist does not matter without network", () => {
    const { policy } = readSettings({ DROID_MAX_MEMORY_MB: "1024", DROID_MAX_CPUS: "1" });
    const allow = parseEgressAllowlist("registry.npmjs.org");
    if (!allow.ok) throw new Error(allow.problem);
    const spec = defaultJobPoolSpec({ platform: { runtime: null, disk: { kind: "none" } }, egress: { ...NO_SANDBOX_EGRESS, allow: allow.value } }, policy);
    expect(spec).toMatchObject({ network: "none", runtime: null, volumeMemoryMb: 0, limits: { ...DEFAULT_LIMITS, memoryMb: 1024, cpus: 1 } });
  });
});
