/**
 * Who runs a job: the process that claimed it, recorded with the job so that restart
 * recovery can tell a job whose process died from one that is merely long.
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { z } from "zod";

export const ownerSchema = z.object({ host: z.string(), pid: z.number().int(), process: z.string() });

export type Owner = z.infer<typeof ownerSchema>;

/** The error recorded on a job whose process died while running it. */
export const ORPHAN_ERROR = "the process running this job stopped before it finished";

/** This process. `process` tells a restarted process from its predecessor with the same pid (pid 1 in a container). */
export const THIS_PROCESS: Owner = { host: hostname(), pid: process.pid, process: randomUUID() };

/** True when `owner` is a process on this host that no longer exists. Other hosts are judged by heartbeat. */
export function ownerIsGone(owner: Owner, self: Owner = THIS_PROCESS): boolean {
  if (owner.host !== self.host) return false;
  if (owner.process === self.process) return false;
  if (owner.pid === self.pid) return true;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}
