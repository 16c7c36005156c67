import { MemoryJobQueue } from "../../src/jobs/memory-queue.ts";
import { describePolicyContract } from "./policy-contract.ts";
import { describeQueueContract, type QueueHarness } from "./queue-contract.ts";

async function memoryHarness(): Promise<QueueHarness> {
  const queue = new MemoryJobQueue();
  return { open: async () => queue, dispose: async () => {} };
}

describeQueueContract("in-process", memoryHarness);
describePolicyContract("in-process", memoryHarness);
