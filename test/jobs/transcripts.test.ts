/**
 * The transcript store contract against both backends (SQLite + files in the data dir,
 * a real redis-server): entries in order, a repository's index, full logs, a retry that
 * starts again, and pruning with the job.
 */
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisTranscriptStore } from "../../src/jobs/redis-transcripts.ts";
import { SqliteTranscriptStore } from "../../src/jobs/sqlite-transcripts.ts";
import type { TranscriptStore } from "../../src/jobs/transcript.ts";
import { startRedisServer, type RedisServer } from "./redis-server.ts";

const run = (jobId: string, repo = "Acme/Widgets", createdAt = 1_000) => ({ jobId, repo, kind: "fix" as const, target: { kind: "issue" as const, number: 3 }, requester: "ada", title: "", createdAt });
const dataDir = mkdtempSync(path.join(tmpdir(), "droid-transcripts-"));
let redis: RedisServer | undefined;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const BACKENDS: [string, () => TranscriptStore, (jobId: string) => boolean][] = [
  ["SQLite", () => new SqliteTranscriptStore({ dataDir }), (id) => existsSync(path.join(dataDir, "transcripts", id))],
  ["Redis", () => new RedisTranscriptStore({ url: redis?.url ?? "" }), () => false],
];

describe.each(BACKENDS)("%s transcripts", (_name, open, logFolderExists) => {

  it("keeps entries in order, the run in its repository's index, and full logs", async () => {
    const store = open();
    await store.begin(run("job-a"));
    await store.begin({ ...run("job-a"), title: "Crash on <empty>" });
    await store.begin(run("job-b", "acme/widgets", 2_000));
    await store.begin(run("job-c", "acme/other"));
    expect(await store.append("job-a", { kind: "step", step: "clone" }, 10)).toBe(1);
    expect(await store.append("job-a", { kind: "steering", author: "bob", body: "<b>hi</b>" }, 20)).toBe(2);
    expect(await store.append("job-a", { kind: "step", step: "agent" }, 30)).toBe(3);
    expect((await store.entries("job-a")).map((e) => [e.seq, e.at, e.kind])).toEqual([[1, 10, "step"], [2, 20, "steering"], [3, 30, "step"]]);
    expect((await store.entries("job-a", 2)).map((e) => e.seq)).toEqual([3]);
    expect((await store.runs("ACME/widgets", 10)).map((r) => r.jobId)).toEqual(["job-b", "job-a"]);
    expect((await store.run("job-a"))?.title).toBe("Crash on <empty>");
    await store.end("job-a", { state: "succeeded", detail: "", costUsd: 0.5, at: 5_000 });
    expect((await store.run("job-a"))?.ended).toMatchObject({ state: "succeeded", costUsd: 0.5 });
    await store.saveLog("job-a", "1-1", "line 1\nline 2\n");
    expect(await store.readLog("job-a", "1-1")).toBe("line 1\nline 2\n");
    expect(await store.readLog("job-a", "1-2")).toBeUndefined();
    await expect(store.saveLog("../etc", "1-1", "x")).rejects.toThrow(/not a job id/);
    await expect(store.readLog("job-a", "../../x")).rejects.toThrow(/not a log name/);
    // A retry begins again: no longer ended.
    await store.begin(run("job-a"));
    expect((await store.run("job-a"))?.ended).toBeNull();
    await store.close();
  });

  it("prunes the named jobs and runs that ended before the cutoff, with their logs", async () => {
    const store = open();
    for (const id of ["p-old", "p-named", "p-new", "p-running"]) {
      await store.begin(run(id, "acme/prune"));
      await store.append(id, { kind: "step", step: "clone" }, 1);
      await store.saveLog(id, "1-1", "log");
    }
    await store.end("p-old", { state: "failed", detail: "", costUsd: 0, at: 1_000 });
    await store.end("p-new", { state: "failed", detail: "", costUsd: 0, at: 9_000 });
    expect(await store.prune(["p-named"], new Date(5_000))).toBe(2);
    expect((await store.runs("acme/prune", 10)).map((r) => r.jobId).sort()).toEqual(["p-new", "p-running"]);
    expect(await store.entries("p-old")).toEqual([]);
    expect(await store.readLog("p-named", "1-1")).toBeUndefined();
    expect(logFolderExists("p-old")).toBe(false);
    expect(await store.readLog("p-new", "1-1")).toBe("log");
    await store.close();
  });
});
