/**
 * A fake Jira site for the tests (Cloud: REST v3; or Data Center: REST v2): a real loopback
 * HTTP server that answers only the REST operations Droid uses, for the tickets the test gives it, and keeps what Droid
 * writes (comments, issue properties, remote links, transitions) so later reads see it.
 *
 * Strict like nock: every write the test expects is declared (`expectWrites`), each must
 * be made exactly that often, write bodies are validated against Atlassian's schemas
 * (`jira-schemas.ts`), and any other request (an unknown path, a bad body, a missing or
 * wrong Authorization header, a write not declared) is answered 400/404 and recorded as a
 * failure that `assertDone()` reports.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { z } from "zod";
import { commentRequestSchema, propertyValueSchema, remoteLinkRequestSchema, transitionRequestSchema, wikiCommentRequestSchema } from "./jira-schemas.ts";

/** The account the fake site says Droid's credentials belong to (`GET /myself`); Droid's comments are by it. */
export const DROID_ACCOUNT = { accountId: "712020:droid-bot-account", displayName: "Droid", accountType: "atlassian" };

export interface FakeTicket {
  id: string;
  key: string;
  /** The `fields` of `GET /rest/api/3/issue/{id}` (Atlassian's shape). */
  fields: Record<string, unknown>;
  comments?: FakeComment[];
  transitions?: { id: string; name: string }[];
  /** Issue properties, by key. */
  properties?: Record<string, unknown>;
}

export interface FakeComment {
  id: string;
  author: { accountId: string; displayName: string; accountType: string };
  body: unknown;
  created: string;
  /** Entity properties set with the comment (listed only with `expand=properties`, as Jira does). */
  properties?: { key: string; value: unknown }[];
}

export interface FakeUser {
  accountId: string;
  displayName: string;
  emailAddress?: string;
  accountType: string;
}

export type WriteKind = "comment" | "comment-update" | "property" | "remotelink" | "transition";

export interface RecordedWrite {
  kind: WriteKind;
  ticket: string;
  body: unknown;
  /** The comment id written (comments), the property key, the transition id. */
  target: string | null;
}

export class FakeJira {
  readonly #server: http.Server;
  readonly #tickets = new Map<string, FakeTicket>();
  readonly #users = new Map<string, FakeUser>();
  readonly #expected = new Map<WriteKind, number>();
  readonly #authorization: string;
  /** `3`: Jira Cloud (ADF bodies); `2`: Jira Data Center (wiki markup bodies). */
  readonly #version: "2" | "3";
  readonly writes: RecordedWrite[] = [];
  readonly failures: string[] = [];
  /** Answers `429` with `Retry-After` to this many requests first (retries). */
  throttle = 0;
  #nextId = 20_000;
  url = "";

  private constructor(authorization: string, version: "2" | "3") {
    this.#authorization = authorization;
    this.#version = version;
    this.#server = http.createServer((req, res) => void this.#handle(req, res));
  }

  /** Jira Cloud (REST v3) with an API token; or Data Center (REST v2) with a personal access token. */
  static async start(options: { email: string; apiToken: string } | { personalAccessToken: string }): Promise<FakeJira> {
    const fake =
      "personalAccessToken" in options
        ? new FakeJira(`Bearer ${options.personalAccessToken}`, "2")
        : new FakeJira(`Basic ${Buffer.from(`${options.email}:${options.apiToken}`).toString("base64")}`, "3");
    await new Promise<void>((resolve) => fake.#server.listen(0, "127.0.0.1", resolve));
    fake.url = `http://127.0.0.1:${(fake.#server.address() as AddressInfo).port}`;
    return fake;
  }

  ticket(ticket: FakeTicket): this {
    this.#tickets.set(ticket.id, { comments: [], transitions: [], properties: {}, ...ticket });
    return this;
  }

  user(user: FakeUser): this {
    this.#users.set(user.accountId, user);
    return this;
  }

  /** The writes the test expects, with how often each is made. */
  expectWrites(counts: Partial<Record<WriteKind, number>>): this {
    for (const [kind, n] of Object.entries(counts)) this.#expected.set(kind as WriteKind, n);
    return this;
  }

  commentsOf(id: string): FakeComment[] {
    return this.#tickets.get(id)?.comments ?? [];
  }

  propertyOf(id: string, key: string): unknown {
    return this.#tickets.get(id)?.properties?.[key];
  }

  /** Fails when a request was refused or the writes made differ from the declared ones. */
  assertDone(): void {
    const problems = [...this.failures];
    const kinds = new Set<WriteKind>([...this.#expected.keys(), ...this.writes.map((w) => w.kind)]);
    for (const kind of kinds) {
      const made = this.writes.filter((w) => w.kind === kind).length;
      const expected = this.#expected.get(kind) ?? 0;
      if (made !== expected) problems.push(`${kind}: expected ${expected} write(s), got ${made}`);
    }
    if (problems.length > 0) throw new Error(`fake Jira:\n  ${problems.join("\n  ")}`);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const url = new URL(req.url ?? "/", "http://jira");
    const method = req.method ?? "GET";
    const fail = (status: number, problem: string) => {
      this.failures.push(`${method} ${url.pathname}: ${problem}`);
      json(res, status, { errorMessages: [problem], errors: {} });
    };
    if (req.headers.authorization !== this.#authorization) return fail(401, "missing or wrong Authorization");
    if (this.throttle > 0) {
      this.throttle--;
      res.writeHead(429, { "retry-after": "0" }).end();
      return;
    }
    let body: unknown = null;
    if (raw !== "") {
      if (req.headers["content-type"] !== "application/json") return fail(415, "a body without content-type application/json");
      try {
        body = JSON.parse(raw);
      } catch {
        return fail(400, "a body that is not JSON");
      }
    }
    // Atlassian's gateway (`/ex/jira/<cloud id>/rest/api/3/…`, scoped tokens and OAuth 2.0) serves the same API.
    const pathname = url.pathname.replace(/^\/ex\/jira\/[0-9a-f-]+(?=\/rest\/)/, "");
    const route = new RegExp(`^/rest/api/${this.#version}/(issue/([^/]+)(?:/(comment|properties|remotelink|transitions)(?:/([^/]+))?)?|user|myself)$`).exec(pathname);
    if (!route) return fail(404, "not an operation the fake Jira serves");
    if (route[1] === "myself" && method === "GET") return json(res, 200, DROID_ACCOUNT);
    if (route[1] === "user") {
      const id = url.searchParams.get(this.#version === "3" ? "accountId" : "username") ?? "";
      const user = method === "GET" ? this.#users.get(id) : undefined;
      return user ? json(res, 200, user) : fail(404, `no user ${id}`);
    }
    const ticket = this.#find(decodeURIComponent(route[2] ?? ""));
    if (!ticket) return fail(404, `no issue ${route[2]}`);
    const sub = route[3];
    const item = route[4] === undefined ? undefined : decodeURIComponent(route[4]);
    const valid = <T>(schema: z.ZodType<T>): T | null => {
      const parsed = schema.safeParse(body);
      if (parsed.success) return parsed.data;
      fail(400, `body refused: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
      return null;
    };
    const write = (kind: WriteKind, target: string | null) => {
      if (!this.#expected.has(kind)) {
        fail(400, `a ${kind} write the test did not declare`);
        return false;
      }
      this.writes.push({ kind, ticket: ticket.key, body, target });
      return true;
    };
    if (sub === undefined && method === "GET") {
      return json(res, 200, { id: ticket.id, key: ticket.key, self: `${this.url}/rest/api/3/issue/${ticket.id}`, fields: ticket.fields });
    }
    if (sub === "comment" && item === undefined && method === "GET") {
      const expanded = (url.searchParams.get("expand") ?? "").split(",").includes("properties");
      const comments = (ticket.comments ?? []).map(({ properties, ...c }) => (expanded ? { ...c, properties: properties ?? [] } : c));
      return json(res, 200, { startAt: 0, maxResults: 100, total: comments.length, comments });
    }
    const commentSchema: z.ZodType<{ body: unknown; properties?: { key: string; value: unknown }[] | undefined }> = this.#version === "3" ? commentRequestSchema : wikiCommentRequestSchema;
    if (sub === "comment" && item === undefined && method === "POST") {
      const request = valid(commentSchema);
      if (!request) return;
      const id = String(this.#nextId++);
      if (!write("comment", id)) return;
      ticket.comments?.push({ id, author: DROID_ACCOUNT, body: request.body, created: new Date().toISOString(), ...(request.properties ? { properties: request.properties } : {}) });
      return json(res, 201, { id, body: request.body });
    }
    if (sub === "comment" && item !== undefined && method === "PUT") {
      const request = valid(commentSchema);
      if (!request) return;
      const comment = ticket.comments?.find((c) => c.id === item);
      if (!comment) return fail(404, `no comment ${item}`);
      if (!write("comment-update", item)) return;
      comment.body = request.body;
      return json(res, 200, { id: item, body: request.body });
    }
    if (sub === "properties" && item !== undefined && method === "GET") {
      const value = ticket.properties?.[item];
      return value === undefined ? json(res, 404, { errorMessages: [`The property with key '${item}' does not exist.`], errors: {} }) : json(res, 200, { key: item, value });
    }
    if (sub === "properties" && item !== undefined && method === "PUT") {
      const value = valid(propertyValueSchema);
      if (value === null || !write("property", item)) return;
      const created = ticket.properties?.[item] === undefined;
      ticket.properties = { ...ticket.properties, [item]: value };
      res.writeHead(created ? 201 : 200).end();
      return;
    }
    if (sub === "remotelink" && item === undefined && method === "POST") {
      if (!valid(remoteLinkRequestSchema) || !write("remotelink", null)) return;
      return json(res, 201, { id: this.#nextId++, self: `${this.url}/rest/api/3/issue/${ticket.id}/remotelink/1` });
    }
    if (sub === "transitions" && item === undefined && method === "GET") {
      return json(res, 200, { transitions: (ticket.transitions ?? []).map((t) => ({ ...t, to: { name: t.name } })) });
    }
    if (sub === "transitions" && item === undefined && method === "POST") {
      const request = valid(transitionRequestSchema);
      if (!request) return;
      if (!(ticket.transitions ?? []).some((t) => t.id === request.transition.id)) return fail(400, `transition ${request.transition.id} is not available`);
      if (!write("transition", request.transition.id)) return;
      res.writeHead(204).end();
      return;
    }
    return fail(405, "not an operation the fake Jira serves");
  }

  #find(idOrKey: string): FakeTicket | undefined {
    return this.#tickets.get(idOrKey) ?? [...this.#tickets.values()].find((t) => t.key === idOrKey);
  }
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}
