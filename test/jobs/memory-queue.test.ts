import { MemoryJobQueue } from "../../src/jobs/memory-queue.ts";
import { describeQueueContract } from "./queue-contract.ts";

describeQueueContract("in-process", async () => {
  const queue = new MemoryJobQueue();
  return { open: async () => queue, dispose: async () => {} };
});
