import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_REPO_CONFIG } from "../../src/config/repo-config.ts";
import { codeRun, type CodeRunOptions } from "../../src/runs/code-run.ts";
import type { JobOutcome } from "../../src/jobs/types.ts";
import { SandboxGoneError, createDockerClient } from "../../src/sandbox/index.ts";
import { labeledJob } from "../fixtures/github.ts";
import { GITHUB_COM } from "../../src/config/github-host.ts";

describe("the code-run frame", () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  async function options(said: string[]): Promise<CodeRunOptions> {
    const dataDir = await mkdtemp(path.join(tmpdir(), "droid-code-run-"));
    dirs.push(dataDir);
    return {
      deps: { docker: createDockerClient(), config: DEFAULT_REPO_CONFIG, token: async () => "token", secrets: [], dataDir, instance: "test", log: pino({ level: "silent" }), platform: { runtime: null, disk: { kind: "tmpfs", sizeMb: 1024 } }, githubHost: GITHUB_COM },
      job: labeledJob({ id: "job-fix-1", request: { kind: "fix", instructions: "" } }),
      signal: new AbortController().signal,
      model: "claude-sonnet-4-5",
      links: {},
      commandWord: "droid",
      say: async (body) => said.push(body),
    };
  }

  it("ends a run whose sandbox was lost as failed, with a comment saying why, not as an internal error", async () => {
    const said: string[] = [];
    const unfinished: JobOutcome[] = [];
    const result = await codeRun(await options(said), async (run) => {
      run.onUnfinished(async (outcome) => void unfinished.push(outcome));
      throw new SandboxGoneError("0123456789abcdef", "a command left processes that could not be stopped, so the sandbox was killed");
    });
    expect(result.outcome).toEqual({ state: "failed", error: "sandbox lost", kind: "sandbox-error" });
    // What registered for the end of an unfinished run (the live plan comment) hears how it ended, once.
    expect(unfinished).toEqual([result.outcome]);
    expect(said).toEqual([
      "I stopped: The sandbox 0123456789ab can no longer run commands: a command left processes that could not be stopped, so the sandbox was killed. " +
        "Nothing was pushed after that; ask again to start over in a fresh sandbox.",
    ]);
  });

  it("tells what registered of a crash, and nothing of a run whose steps returned", async () => {
    const unfinished: JobOutcome[] = [];
    await expect(
      codeRun(await options([]), async (run) => {
        run.onUnfinished(async (outcome) => void unfinished.push(outcome));
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(unfinished).toEqual([{ state: "failed", error: "internal error", kind: "internal-error" }]);
    const returned = await codeRun(await options([]), async (run) => {
      run.onUnfinished(async (outcome) => void unfinished.push(outcome));
      return run.ended({ state: "succeeded", kind: "succeeded" });
    });
    expect(returned.outcome).toEqual({ state: "succeeded", kind: "succeeded" });
    expect(unfinished).toHaveLength(1);
  });
});
