import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { describe, expect, it } from "vitest";
import { DATABASE_FILE, SqliteJobQueue } from "../../src/jobs/sqlite-queue.ts";
import { newJob } from "./fixtures.ts";
import { describeDurablePolicyContract, describePolicyContract } from "./policy-contract.ts";
import { describeDurableQueueContract, describeQueueContract, type QueueHarness } from "./queue-contract.ts";

async function sqliteHarness(): Promise<QueueHarness> {
  const dataDir = await mkdtemp(join(tmpdir(), "droid-sqlite-"));
  return {
    open: async () => new SqliteJobQueue({ dataDir, pollMs: 50, heartbeatMs: 100, staleAfterMs: 500 }),
    dispose: () => rm(dataDir, { recursive: true, force: true }),
  };
}

describeQueueContract("SQLite", sqliteHarness);
describeDurableQueueContract("SQLite", sqliteHarness);

describe("SQLite records written by earlier versions", () => {
  it("reads a job whose repository carries a recorded clone URL, and drops it (clones use the configured host)", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "droid-sqlite-old-"));
    try {
      const queue = new SqliteJobQueue({ dataDir });
      const { job } = await queue.enqueue(newJob({ number: 3 }));
      const raw = new DatabaseSync(join(dataDir, DATABASE_FILE));
      const old = { owner: "acme", name: "app", installationId: 42, cloneUrl: "https://attacker.example/acme/app.git", defaultBranch: "main" };
      raw.prepare("UPDATE jobs SET repo_ref = ? WHERE id = ?").run(JSON.stringify(old), job.id);
      raw.close();
      expect((await queue.get(job.id))?.repo).toEqual({ owner: "acme", name: "app", installationId: 42, defaultBranch: "main" });
      expect((await queue.claim("w", ["plan"]))?.repo).not.toHaveProperty("cloneUrl");
      await queue.close();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it("migrates a database from before stops were attributed: its jobs name nobody, and new stops are recorded", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "droid-sqlite-old-"));
    try {
      const queue = new SqliteJobQueue({ dataDir });
      const stopped = await queue.enqueue(newJob({ number: 3 }));
      const waiting = await queue.enqueue(newJob({ number: 4 }));
      await queue.cancel({ owner: "acme", name: "app" }, { kind: "issue", number: 3 });
      await queue.close();
      // The database as the previous schema (version 6) left it: no stopped_by column.
      const raw = new DatabaseSync(join(dataDir, DATABASE_FILE));
      raw.exec("ALTER TABLE jobs DROP COLUMN stopped_by; PRAGMA user_version = 6;");
      raw.close();

      const reopened = new SqliteJobQueue({ dataDir });
      expect(await reopened.get(stopped.job.id)).toMatchObject({ state: "cancelled", outcome: "stopped-by-user", stoppedBy: null });
      await reopened.cancel({ owner: "acme", name: "app" }, { kind: "issue", number: 4 }, "alice");
      expect(await reopened.get(waiting.job.id)).toMatchObject({ state: "cancelled", stoppedBy: "alice" });
      await reopened.close();
      const migrated = new DatabaseSync(join(dataDir, DATABASE_FILE));
      expect(migrated.prepare("PRAGMA user_version").get()).toEqual({ user_version: 7 });
      migrated.close();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
describePolicyContract("SQLite", sqliteHarness);
describeDurablePolicyContract("SQLite", sqliteHarness);
