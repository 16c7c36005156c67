import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteJobQueue } from "../../src/jobs/sqlite-queue.ts";
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
describePolicyContract("SQLite", sqliteHarness);
describeDurablePolicyContract("SQLite", sqliteHarness);
