/**
 * A typed client for the parts of Jira's REST API Droid uses, over `fetch`. Cloud
 * speaks `/rest/api/3` with ADF bodies; Data Center speaks `/rest/api/2` with text
 * bodies (Droid's ADF is sent as Markdown-ish text there). Credentials: an Atlassian
 * API token (basic auth with the account's email) or a bearer token (OAuth 2.0 access
 * token, or a Data Center personal access token). A 429 or 503 is retried, after
 * `Retry-After` when Jira sends it (capped), else with a growing pause.
 *
 * Request and response shapes follow Atlassian's REST description (the "Issues",
 * "Issue comments", "Issue remote links", "Issue properties", "Users" groups); responses
 * are parsed with zod and only the fields Droid reads are kept.
 */
import { z } from "zod";
import { adfDocSchema, adfToMarkdown, type AdfDoc } from "./adf.ts";
import type { JiraCredentials, JiraFlavour } from "./settings.ts";
import { adfToWiki } from "./wiki.ts";

export interface JiraClientOptions {
  /** The site people open: ticket links. */
  baseUrl: string;
  /** Where the REST API is called (default: the site). Atlassian's gateway, `https://api.atlassian.com/ex/jira/<cloud id>`, for scoped API tokens and OAuth 2.0 access tokens. */
  apiUrl?: string;
  flavour: JiraFlavour;
  credentials: JiraCredentials;
  fetch?: typeof fetch;
  /** Waits between retries (tests pass a fast one). */
  sleep?: (ms: number) => Promise<void>;
  maxAttempts?: number;
}

export class JiraApiError extends Error {
  override readonly name = "JiraApiError";
  readonly status: number;
  constructor(status: number, method: string, path: string, detail: string) {
    super(`Jira answered ${status} to ${method} ${path}${detail ? `: ${detail}` : ""}`);
    this.status = status;
  }
}

const userSchema = z.object({
  accountId: z.string().optional(),
  /** Data Center's user name. */
  name: z.string().optional(),
  displayName: z.string().default(""),
  emailAddress: z.string().optional(),
  accountType: z.string().optional(),
});
export type JiraUser = z.infer<typeof userSchema>;

/** A description or comment body: ADF on Cloud, text on Data Center. */
const bodySchema = z.union([adfDocSchema, z.string(), z.null()]).optional();

const linkedIssueSchema = z.object({ id: z.string(), key: z.string(), fields: z.object({ summary: z.string().default(""), status: z.object({ name: z.string() }).optional() }).optional() });

const issueSchema = z.object({
  id: z.string(),
  key: z.string(),
  fields: z.object({
    summary: z.string(),
    description: bodySchema,
    labels: z.array(z.string()).default([]),
    project: z.object({ key: z.string(), id: z.string().optional() }),
    issuetype: z.object({ name: z.string() }).optional(),
    status: z.object({ name: z.string() }).optional(),
    reporter: userSchema.nullish(),
    issuelinks: z
      .array(z.object({ type: z.object({ inward: z.string(), outward: z.string() }), inwardIssue: linkedIssueSchema.optional(), outwardIssue: linkedIssueSchema.optional() }))
      .default([]),
    subtasks: z.array(linkedIssueSchema).default([]),
    parent: linkedIssueSchema.nullish(),
    attachment: z.array(z.object({ filename: z.string() })).default([]),
  }),
});

const propertySchema = z.object({ key: z.string(), value: z.unknown() });
const commentSchema = z.object({ id: z.string(), author: userSchema.optional(), body: bodySchema, created: z.string(), properties: z.array(propertySchema).optional() });
const commentPageSchema = z.object({ comments: z.array(commentSchema), total: z.number(), startAt: z.number(), maxResults: z.number() });
const transitionsSchema = z.object({ transitions: z.array(z.object({ id: z.string(), name: z.string(), to: z.object({ name: z.string() }).optional() })) });

export interface JiraIssue {
  id: string;
  key: string;
  summary: string;
  /** The description as Markdown. */
  description: string;
  labels: string[];
  projectKey: string;
  type: string | null;
  status: string | null;
  reporter: JiraUser | null;
  links: { relation: string; key: string; summary: string; status: string | null }[];
  subtasks: { key: string; summary: string; status: string | null }[];
  parent: { key: string; summary: string } | null;
  attachments: string[];
}

export interface JiraComment {
  id: string;
  author: JiraUser | null;
  /** The body as Markdown. */
  body: string;
  created: string;
  /** The comment's entity properties (only when listed with `properties: true`). */
  properties: { key: string; value: unknown }[];
}

/** An entity property set on a comment as it is created (`Comment.properties`): data no reader sees, kept with the comment. */
export interface CommentProperty {
  key: string;
  value: unknown;
}

const ISSUE_FIELDS = "summary,description,labels,project,issuetype,status,reporter,issuelinks,subtasks,parent,attachment";

export class JiraClient {
  readonly #o: Required<Omit<JiraClientOptions, "fetch">> & { fetch: typeof fetch };

  constructor(options: JiraClientOptions) {
    this.#o = {
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      maxAttempts: 4,
      fetch: globalThis.fetch,
      ...options,
      baseUrl: options.baseUrl.replace(/\/+$/, ""),
      apiUrl: (options.apiUrl ?? options.baseUrl).replace(/\/+$/, ""),
    };
  }

  get baseUrl(): string {
    return this.#o.baseUrl;
  }

  /** The browse URL of a ticket, for people. */
  browseUrl(key: string): string {
    return `${this.#o.baseUrl}/browse/${encodeURIComponent(key)}`;
  }

  async getIssue(idOrKey: string): Promise<JiraIssue> {
    const raw = issueSchema.parse(await this.#request("GET", `/issue/${encodeURIComponent(idOrKey)}?fields=${ISSUE_FIELDS}`));
    const f = raw.fields;
    return {
      id: raw.id,
      key: raw.key,
      summary: f.summary,
      description: bodyText(f.description),
      labels: f.labels,
      projectKey: f.project.key,
      type: f.issuetype?.name ?? null,
      status: f.status?.name ?? null,
      reporter: f.reporter ?? null,
      links: f.issuelinks.flatMap((l) => {
        const other = l.outwardIssue ?? l.inwardIssue;
        if (!other) return [];
        return [{ relation: l.outwardIssue ? l.type.outward : l.type.inward, key: other.key, summary: other.fields?.summary ?? "", status: other.fields?.status?.name ?? null }];
      }),
      subtasks: f.subtasks.map((s) => ({ key: s.key, summary: s.fields?.summary ?? "", status: s.fields?.status?.name ?? null })),
      parent: f.parent ? { key: f.parent.key, summary: f.parent.fields?.summary ?? "" } : null,
      attachments: f.attachment.map((a) => a.filename),
    };
  }

  /** The ticket's comments, oldest first (up to `limit`); with `properties`, each comment's entity properties too (`expand=properties`). */
  async listComments(idOrKey: string, limit = 200, options: { properties?: boolean } = {}): Promise<JiraComment[]> {
    const out: JiraComment[] = [];
    const expand = options.properties ? "&expand=properties" : "";
    for (let startAt = 0; out.length < limit; ) {
      const page = commentPageSchema.parse(await this.#request("GET", `/issue/${encodeURIComponent(idOrKey)}/comment?startAt=${startAt}&maxResults=100&orderBy=created${expand}`));
      out.push(...page.comments.map((c) => ({ id: c.id, author: c.author ?? null, body: bodyText(c.body), created: c.created, properties: c.properties ?? [] })));
      startAt = page.startAt + page.comments.length;
      if (page.comments.length === 0 || startAt >= page.total) break;
    }
    return out.slice(0, limit);
  }

  async addComment(idOrKey: string, body: AdfDoc, properties: readonly CommentProperty[] = []): Promise<{ id: string }> {
    const request = { body: this.#body(body), ...(properties.length > 0 ? { properties } : {}) };
    const data = z.object({ id: z.string() }).parse(await this.#request("POST", `/issue/${encodeURIComponent(idOrKey)}/comment`, request));
    return { id: data.id };
  }

  async updateComment(idOrKey: string, commentId: string, body: AdfDoc): Promise<void> {
    await this.#request("PUT", `/issue/${encodeURIComponent(idOrKey)}/comment/${encodeURIComponent(commentId)}`, { body: this.#body(body) });
  }

  /** A person by account id (Cloud) or user name (Data Center); the email only when their profile shows it to Droid's account. */
  async getUser(id: string): Promise<JiraUser> {
    const query = this.#o.flavour === "cloud" ? `accountId=${encodeURIComponent(id)}` : `username=${encodeURIComponent(id)}`;
    return userSchema.parse(await this.#request("GET", `/user?${query}`));
  }

  /** Droid's own Jira account (`GET /myself`): its account id (Cloud) or user name (Data Center). */
  async myself(): Promise<string> {
    const me = userSchema.parse(await this.#request("GET", "/myself"));
    return me.accountId ?? me.name ?? "";
  }

  /** Adds (or, with the same `globalId`, updates) a web link on the ticket. */
  async addRemoteLink(idOrKey: string, link: { globalId: string; url: string; title: string; summary?: string }): Promise<void> {
    await this.#request("POST", `/issue/${encodeURIComponent(idOrKey)}/remotelink`, {
      globalId: link.globalId,
      application: { type: "com.github", name: "GitHub" },
      object: { url: link.url, title: link.title, ...(link.summary ? { summary: link.summary } : {}) },
    });
  }

  async transitions(idOrKey: string): Promise<{ id: string; name: string }[]> {
    return transitionsSchema.parse(await this.#request("GET", `/issue/${encodeURIComponent(idOrKey)}/transitions`)).transitions.map((t) => ({ id: t.id, name: t.name }));
  }

  /** Moves the ticket by a transition's name (case-insensitive); false when its workflow offers none by that name now. */
  async transitionByName(idOrKey: string, name: string): Promise<boolean> {
    const found = (await this.transitions(idOrKey)).find((t) => t.name.toLowerCase() === name.toLowerCase());
    if (!found) return false;
    await this.#request("POST", `/issue/${encodeURIComponent(idOrKey)}/transitions`, { transition: { id: found.id } });
    return true;
  }

  /** An issue property's value (entity properties: JSON kept on the ticket, hidden from people), or null. */
  async getProperty(idOrKey: string, key: string): Promise<unknown> {
    try {
      const data = z.object({ value: z.unknown() }).parse(await this.#request("GET", `/issue/${encodeURIComponent(idOrKey)}/properties/${encodeURIComponent(key)}`));
      return data.value ?? null;
    } catch (error) {
      if (error instanceof JiraApiError && error.status === 404) return null;
      throw error;
    }
  }

  async setProperty(idOrKey: string, key: string, value: unknown): Promise<void> {
    await this.#request("PUT", `/issue/${encodeURIComponent(idOrKey)}/properties/${encodeURIComponent(key)}`, value);
  }

  #body(body: AdfDoc): AdfDoc | string {
    return this.#o.flavour === "cloud" ? body : adfToWiki(body);
  }

  async #request(method: string, path: string, json?: unknown): Promise<unknown> {
    const version = this.#o.flavour === "cloud" ? "3" : "2";
    const url = `${this.#o.apiUrl}/rest/api/${version}${path}`;
    const headers: Record<string, string> = { accept: "application/json", authorization: authorization(this.#o.credentials) };
    if (json !== undefined) headers["content-type"] = "application/json";
    for (let attempt = 1; ; attempt++) {
      const response = await this.#o.fetch(url, { method, headers, ...(json !== undefined ? { body: JSON.stringify(json) } : {}) });
      if ((response.status === 429 || response.status === 503) && attempt < this.#o.maxAttempts) {
        await response.body?.cancel();
        await this.#o.sleep(retryDelayMs(response.headers.get("retry-after"), attempt));
        continue;
      }
      const text = await response.text();
      if (!response.ok) throw new JiraApiError(response.status, method, path.replace(/\?.*$/, ""), errorDetail(text));
      return text === "" ? null : (JSON.parse(text) as unknown);
    }
  }
}

function authorization(credentials: JiraCredentials): string {
  return credentials.kind === "bearer" ? `Bearer ${credentials.token}` : `Basic ${Buffer.from(`${credentials.email}:${credentials.apiToken}`).toString("base64")}`;
}

/** `Retry-After` in seconds or as an HTTP date, capped at a minute; else 1 s, 2 s, 4 s… */
export function retryDelayMs(header: string | null, attempt: number): number {
  const cap = 60_000;
  if (header !== null) {
    const seconds = Number(header);
    if (Number.isFinite(seconds) && seconds >= 0) return Math.min(cap, seconds * 1000);
    const at = Date.parse(header);
    if (Number.isFinite(at)) return Math.min(cap, Math.max(0, at - Date.now()));
  }
  return Math.min(cap, 1000 * 2 ** (attempt - 1));
}

function bodyText(body: z.infer<typeof bodySchema>): string {
  if (body === undefined || body === null) return "";
  return typeof body === "string" ? body : adfToMarkdown(body);
}

function errorDetail(text: string): string {
  try {
    const data = z.object({ errorMessages: z.array(z.string()).default([]), errors: z.record(z.string(), z.string()).default({}) }).parse(JSON.parse(text));
    return [...data.errorMessages, ...Object.entries(data.errors).map(([k, v]) => `${k}: ${v}`)].join("; ").slice(0, 300);
  } catch {
    return "";
  }
}
