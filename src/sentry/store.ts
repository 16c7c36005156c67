/**
 * Which GitHub issue reports which Sentry issue. The interface is all the intake
 * needs; `JobStoreIncidents` keeps the map in the job store (a SQLite table, a Redis
 * hash), so it survives restarts and is shared by every server; the in-memory store
 * serves tests. When the store has no answer, the intake finds the issue by its hidden
 * marker (see `locate.ts`).
 */
import type { JobQueue } from "../jobs/queue.ts";


export interface IncidentKey {
  /** `owner/name` of the repository. */
  repo: string;
  sentryIssueId: string;
}

export interface IncidentStore {
  /** The GitHub issue number that reports this Sentry issue, if known. */
  get(key: IncidentKey): Promise<number | undefined>;
  set(key: IncidentKey, issueNumber: number): Promise<void>;
}

export class MemoryIncidentStore implements IncidentStore {
  readonly #issues = new Map<string, number>();

  async get(key: IncidentKey): Promise<number | undefined> {
    return this.#issues.get(storeKey(key));
  }

  async set(key: IncidentKey, issueNumber: number): Promise<void> {
    this.#issues.set(storeKey(key), issueNumber);
  }
}

/** The map in the job store, durable with it. */
export class JobStoreIncidents implements IncidentStore {
  readonly #store: Pick<JobQueue, "incidentIssue" | "recordIncidentIssue">;

  constructor(store: Pick<JobQueue, "incidentIssue" | "recordIncidentIssue">) {
    this.#store = store;
  }

  get(key: IncidentKey): Promise<number | undefined> {
    return this.#store.incidentIssue(key);
  }

  set(key: IncidentKey, issueNumber: number): Promise<void> {
    return this.#store.recordIncidentIssue(key, issueNumber);
  }
}

export function storeKey(key: IncidentKey): string {
  return `${key.repo.toLowerCase()}#${key.sentryIssueId}`;
}
