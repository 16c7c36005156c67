/**
 * Which GitHub issue reports which Sentry issue. The interface is all the intake
 * needs; the in-memory store serves one process (and tests), a durable store can
 * implement the same two methods. When the store has no answer (a restart, another
 * server), the intake finds the issue by its hidden marker (see `locate.ts`).
 */

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

export function storeKey(key: IncidentKey): string {
  return `${key.repo.toLowerCase()}#${key.sentryIssueId}`;
}
