import { randomUUID } from "node:crypto";
import type { JobRequest, NewJob, Target } from "../../src/jobs/types.ts";

export interface JobSpec {
  deliveryId?: string;
  repo?: string;
  number?: number;
  targetKind?: Target["kind"];
  request?: JobRequest;
}

export const PLAN: JobRequest = { kind: "plan", feedback: "" };
export const FIX: JobRequest = { kind: "fix", instructions: "go" };

let reviews = 0;

/** A review's revision; each call is another review unless `reviewId` says which. */
export function revise(branch: string, reviewId = ++reviews, reviewBody = "please"): JobRequest {
  return { kind: "revise", branch, reviewId, reviewBody, comments: [], instructions: "" };
}

/** A job as the webhook layer would record it. */
export function newJob(spec: JobSpec = {}): NewJob {
  const [owner = "acme", name = "app"] = (spec.repo ?? "acme/app").split("/");
  return {
    deliveryId: spec.deliveryId ?? randomUUID(),
    repo: {
      owner,
      name,
      installationId: 42,
      defaultBranch: "main",
    },
    target: { kind: spec.targetKind ?? "issue", number: spec.number ?? 1 },
    requester: "octocat",
    triggerCommentId: 1001,
    request: spec.request ?? PLAN,
  };
}

/** Resolves with the probe's value once it is truthy, polling every 20 ms, or rejects after `timeoutMs`. */
export type Truthy<T> = Exclude<T, false | null | undefined | 0 | "">;

export async function eventually<T>(probe: () => Promise<T> | T, timeoutMs = 5000): Promise<Truthy<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as Truthy<T>;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
