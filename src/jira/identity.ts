/**
 * Who a Jira person is on GitHub. `DROID_JIRA_USERS` maps an Atlassian account id (or a
 * Data Center user name) to a GitHub login directly, or an email address: then Droid
 * asks Jira for the person's email (`GET /user`; Jira shows it only when the person's
 * profile visibility allows it, or to an account with the "Browse users" permission on
 * a site whose users are managed) and looks the email up. No match: no GitHub login,
 * and the person cannot trigger work. Answers are remembered for ten minutes.
 */
import type { JiraClient } from "./client.ts";
import type { JiraActor } from "./payload.ts";

const REMEMBER_MS = 10 * 60_000;

export class JiraIdentities {
  readonly #users: ReadonlyMap<string, string>;
  readonly #jira: Pick<JiraClient, "getUser">;
  readonly #now: () => number;
  readonly #emails = new Map<string, { email: string | null; until: number }>();

  constructor(users: ReadonlyMap<string, string>, jira: Pick<JiraClient, "getUser">, now: () => number = Date.now) {
    this.#users = users;
    this.#jira = jira;
    this.#now = now;
  }

  /** The GitHub login the person maps to, or null. */
  async loginOf(actor: Pick<JiraActor, "id">): Promise<string | null> {
    if (actor.id === "") return null;
    const direct = this.#users.get(actor.id);
    if (direct) return direct;
    if (![...this.#users.keys()].some((k) => k.includes("@"))) return null;
    const email = await this.#email(actor.id);
    return email ? (this.#users.get(email) ?? null) : null;
  }

  async #email(id: string): Promise<string | null> {
    const known = this.#emails.get(id);
    if (known && known.until > this.#now()) return known.email;
    const user = await this.#jira.getUser(id);
    const email = user.emailAddress ? user.emailAddress.toLowerCase() : null;
    this.#emails.set(id, { email, until: this.#now() + REMEMBER_MS });
    return email;
  }
}
