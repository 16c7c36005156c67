/**
 * Jira webhook bodies (Cloud and Data Center), parsed with zod into what Droid acts on:
 * a ticket that got Droid's label (created with it, or the label added: the changelog's
 * `labels` item), or a new comment. Everything else is ignored with a reason.
 */
import { z } from "zod";
import { adfDocSchema, adfToMarkdown } from "./adf.ts";

/** Who did it: an Atlassian account id (Cloud) or a user name (Data Center). */
export interface JiraActor {
  id: string;
  displayName: string;
  /** Apps and automation (`accountType: "app"`) never trigger work. */
  isApp: boolean;
}

export interface TicketRef {
  /** Jira's numeric issue id (stable when the ticket moves to another project). */
  id: string;
  key: string;
  projectKey: string;
  summary: string;
}

export type JiraEvent =
  | { kind: "labelled"; ticket: TicketRef; actor: JiraActor }
  | { kind: "comment"; ticket: TicketRef; actor: JiraActor; comment: { id: string; body: string } };

export type ReadJiraEvent = { kind: "event"; event: JiraEvent; timestampMs: number | null } | { kind: "ignored"; why: string; timestampMs: number | null } | { kind: "malformed"; problem: string };

const userSchema = z.object({ accountId: z.string().optional(), name: z.string().optional(), displayName: z.string().default(""), accountType: z.string().optional() });

const issueSchema = z.object({
  id: z.coerce.string(),
  key: z.string(),
  fields: z.object({ summary: z.string().default(""), labels: z.array(z.string()).default([]), project: z.object({ key: z.string() }) }),
});

const bodySchema = z.object({
  webhookEvent: z.string(),
  timestamp: z.number().optional(),
  user: userSchema.optional(),
  issue: issueSchema.optional(),
  changelog: z.object({ items: z.array(z.object({ field: z.string(), fromString: z.string().nullish(), toString: z.string().nullish() })).default([]) }).optional(),
  comment: z.object({ id: z.coerce.string(), body: z.union([z.string(), adfDocSchema]).default(""), author: userSchema.optional() }).optional(),
});

export function readJiraEvent(payload: unknown, label: string): ReadJiraEvent {
  const parsed = bodySchema.safeParse(payload);
  if (!parsed.success) return { kind: "malformed", problem: parsed.error.issues.map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`).join("; ") };
  const body = parsed.data;
  const timestampMs = body.timestamp ?? null;
  const ignored = (why: string): ReadJiraEvent => ({ kind: "ignored", why, timestampMs });
  if (!body.issue) return ignored(`${body.webhookEvent} names no issue`);
  const ticket: TicketRef = { id: body.issue.id, key: body.issue.key, projectKey: body.issue.fields.project.key, summary: body.issue.fields.summary };
  switch (body.webhookEvent) {
    case "jira:issue_created": {
      if (!body.user) return ignored("no user on the event");
      if (!body.issue.fields.labels.includes(label)) return ignored(`created without the label ${label}`);
      return { kind: "event", event: { kind: "labelled", ticket, actor: actorOf(body.user) }, timestampMs };
    }
    case "jira:issue_updated": {
      if (!body.user) return ignored("no user on the event");
      const added = (body.changelog?.items ?? []).some((item) => item.field === "labels" && labelsOf(item.toString).includes(label) && !labelsOf(item.fromString).includes(label));
      if (!added) return ignored(`the update did not add the label ${label}`);
      return { kind: "event", event: { kind: "labelled", ticket, actor: actorOf(body.user) }, timestampMs };
    }
    case "comment_created": {
      const comment = body.comment;
      const author = comment?.author ?? body.user;
      if (!comment || !author) return ignored("comment_created without a comment and its author");
      const text = typeof comment.body === "string" ? comment.body : adfToMarkdown(comment.body);
      return { kind: "event", event: { kind: "comment", ticket, actor: actorOf(author), comment: { id: comment.id, body: text } }, timestampMs };
    }
    default:
      return ignored(`${body.webhookEvent} starts nothing`);
  }
}

/** The changelog writes labels as one space-separated string. */
function labelsOf(value: string | null | undefined): string[] {
  return (value ?? "").split(/\s+/).filter((l) => l !== "");
}

function actorOf(user: z.infer<typeof userSchema>): JiraActor {
  return { id: user.accountId ?? user.name ?? "", displayName: user.displayName, isApp: user.accountType === "app" };
}
