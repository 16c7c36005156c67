/**
 * CI webhooks → one signal: "the checks of this commit moved". `check_suite`, `check_run`
 * and `workflow_run` `completed`, and commit `status` events all say the same thing for
 * Droid: look at every check of that head commit again (`answer-ci.ts`). The event itself
 * is never trusted to say whether all checks finished (events arrive out of order and
 * twice); only its commit, branch and repository are read. Droid's own `Droid` check run
 * moves nothing. A push to a pull request's branch (`pull_request` `synchronize`) is the other
 * CI fact Droid follows: the commit it replaced is no longer worth revising.
 */
import { z } from "zod";
import type { RepoRef } from "../jobs/types.ts";
import { CHECK_NAME } from "./check-run.ts";

/** The branches Droid makes: only their pull requests' CI is followed. */
export const DROID_BRANCH_PREFIX = "droid/";

export const CI_EVENTS = ["check_suite.completed", "check_run.completed", "workflow_run.completed", "status"] as const;

/** A commit's CI moved: look at it again. */
export interface CiSignal {
  deliveryId: string;
  event: string;
  repo: RepoRef;
  headSha: string;
  /** The branch the commit is on, when the event says (a branch not `droid/…` is ignored without a request). */
  headBranch: string | null;
}

export type CiSignalParse = CiSignal | { ignored: string };

export const BRANCH_PUSH_EVENT = "pull_request.synchronize";

/** Commits were pushed to the branch of a pull request Droid opened: `before` is no longer its head. */
export interface BranchPush {
  deliveryId: string;
  repo: RepoRef;
  pullNumber: number;
  branch: string;
  before: string;
  after: string;
  /** Who pushed (a person, or Droid's own revision). */
  pusher: string;
}

const sha = z.string().regex(/^[0-9a-f]{40}$/);
const repository = z.object({ name: z.string().min(1), owner: z.object({ login: z.string().min(1) }), default_branch: z.string().min(1) });
const installation = z.object({ id: z.number().int().positive() }).optional();

const checkSuite = z.object({ repository, installation, check_suite: z.object({ head_sha: sha, head_branch: z.string().nullable() }) });
const checkRun = z.object({ repository, installation, check_run: z.object({ name: z.string(), head_sha: sha, check_suite: z.object({ head_branch: z.string().nullable() }).optional() }) });
const workflowRun = z.object({ repository, installation, workflow_run: z.object({ head_sha: sha, head_branch: z.string().nullable() }) });
const status = z.object({ repository, installation, sha, state: z.string(), branches: z.array(z.object({ name: z.string() })) });

/** Reads a CI webhook (event name with action, delivery id, payload) into a signal. */
export function readCiSignal(event: string, deliveryId: string, payload: unknown): CiSignalParse {
  switch (event) {
    case "check_suite.completed": {
      const p = checkSuite.safeParse(payload);
      return p.success ? signal(event, deliveryId, p.data, p.data.check_suite.head_sha, p.data.check_suite.head_branch) : malformed(p.error);
    }
    case "check_run.completed": {
      const p = checkRun.safeParse(payload);
      if (!p.success) return malformed(p.error);
      if (p.data.check_run.name === CHECK_NAME) return { ignored: "Droid's own check is not CI" };
      return signal(event, deliveryId, p.data, p.data.check_run.head_sha, p.data.check_run.check_suite?.head_branch ?? null);
    }
    case "workflow_run.completed": {
      const p = workflowRun.safeParse(payload);
      return p.success ? signal(event, deliveryId, p.data, p.data.workflow_run.head_sha, p.data.workflow_run.head_branch) : malformed(p.error);
    }
    case "status": {
      const p = status.safeParse(payload);
      if (!p.success) return malformed(p.error);
      if (p.data.state === "pending") return { ignored: "a pending status" };
      // A status names every branch whose head is the commit; one Droid branch is enough to look.
      const droidBranch = p.data.branches.map((b) => b.name).find((name) => name.startsWith(DROID_BRANCH_PREFIX));
      return signal(event, deliveryId, p.data, p.data.sha, droidBranch ?? (p.data.branches.length > 0 ? p.data.branches[0]?.name ?? null : null));
    }
    default:
      return { ignored: `event ${event} is not CI` };
  }
}

const synchronize = z.object({
  repository,
  installation,
  before: sha,
  after: sha,
  sender: z.object({ login: z.string() }),
  pull_request: z.object({
    number: z.number().int().positive(),
    head: z.object({ ref: z.string(), repo: z.object({ full_name: z.string() }).nullable() }),
    base: z.object({ repo: z.object({ full_name: z.string() }) }),
  }),
});

/** Reads a `pull_request.synchronize` payload: a push to a Droid pull request's branch, or why it is not one. */
export function readBranchPush(deliveryId: string, payload: unknown): BranchPush | { ignored: string } {
  const p = synchronize.safeParse(payload);
  if (!p.success) return malformed(p.error);
  const { pull_request: pr, repository: r } = p.data;
  if (!pr.head.ref.startsWith(DROID_BRANCH_PREFIX) || pr.head.repo?.full_name !== pr.base.repo.full_name) return { ignored: "a push to a branch Droid did not make" };
  if (!p.data.installation) return { ignored: "payload has no installation (not delivered to an installed app)" };
  return {
    deliveryId,
    repo: { owner: r.owner.login, name: r.name, installationId: p.data.installation.id, defaultBranch: r.default_branch },
    pullNumber: pr.number,
    branch: pr.head.ref,
    before: p.data.before,
    after: p.data.after,
    pusher: p.data.sender.login,
  };
}

function signal(event: string, deliveryId: string, p: { repository: z.infer<typeof repository>; installation?: { id: number } | undefined }, headSha: string, headBranch: string | null): CiSignalParse {
  if (!p.installation) return { ignored: "payload has no installation (not delivered to an installed app)" };
  return {
    deliveryId,
    event,
    repo: { owner: p.repository.owner.login, name: p.repository.name, installationId: p.installation.id, defaultBranch: p.repository.default_branch },
    headSha,
    headBranch,
  };
}

function malformed(error: z.ZodError): { ignored: string } {
  const first = error.issues[0];
  return { ignored: `malformed payload: ${first ? `${first.path.join(".")}: ${first.message}` : "invalid"}` };
}
