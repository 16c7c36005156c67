/**
 * Request bodies of the Jira REST v3 operations Droid calls, as Atlassian's REST
 * description (the OpenAPI document of Jira Cloud's platform REST API) defines them —
 * the writable properties only, no others:
 * `Comment` (add / update comment: `body` in ADF, `visibility`, `properties`),
 * `RemoteIssueLinkRequest` (`globalId` of at most 255 characters, `application`,
 * `relationship`, `object` with `url` and `title`), `IssueUpdateDetails` (do transition:
 * `transition.id`, `fields`, `update`, `historyMetadata`, `properties`), entity property
 * values (at most 32 KB), and the Atlassian Document Format's node and mark types (ADF's
 * JSON schema: text nodes are non-empty, headings 1–6, lists hold list items, code blocks
 * hold unmarked text). The fake Jira validates every write against these: a body Jira
 * would refuse fails the test.
 */
import { z } from "zod";

const ADF_MARKS = ["code", "em", "link", "strike", "strong", "subsup", "textColor", "underline"] as const;
const ADF_BLOCKS = ["paragraph", "heading", "bulletList", "orderedList", "listItem", "codeBlock", "blockquote", "rule", "panel", "table", "tableRow", "tableHeader", "tableCell", "mediaSingle", "mediaGroup", "expand"] as const;
const ADF_INLINES = ["text", "hardBreak", "mention", "emoji", "inlineCard", "date", "status"] as const;

const markSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("link"), attrs: z.strictObject({ href: z.url(), title: z.string().optional() }) }),
  ...ADF_MARKS.filter((m) => m !== "link").map((type) => z.strictObject({ type: z.literal(type), attrs: z.record(z.string(), z.unknown()).optional() })),
]);

interface Node {
  type: string;
  text?: string | undefined;
  marks?: unknown[] | undefined;
  attrs?: Record<string, unknown> | undefined;
  content?: Node[] | undefined;
}

const nodeSchema: z.ZodType<Node> = z.lazy(() =>
  z
    .strictObject({
      type: z.enum([...ADF_BLOCKS, ...ADF_INLINES]),
      text: z.string().min(1, "ADF text nodes must not be empty").optional(),
      marks: z.array(markSchema).optional(),
      attrs: z.record(z.string(), z.unknown()).optional(),
      content: z.array(nodeSchema).optional(),
    })
    .superRefine((node, ctx) => {
      if (node.type === "text" && node.text === undefined) ctx.addIssue({ code: "custom", message: "a text node needs text" });
      if (node.type === "heading") {
        const level = node.attrs?.["level"];
        if (typeof level !== "number" || level < 1 || level > 6) ctx.addIssue({ code: "custom", message: "heading level must be 1–6" });
      }
      if ((node.type === "bulletList" || node.type === "orderedList") && (node.content ?? []).some((c) => c.type !== "listItem")) {
        ctx.addIssue({ code: "custom", message: `${node.type} may only hold listItem nodes` });
      }
      if (node.type === "codeBlock" && (node.content ?? []).some((c) => c.type !== "text" || (c.marks ?? []).length > 0)) {
        ctx.addIssue({ code: "custom", message: "codeBlock holds unmarked text only" });
      }
    }),
);

export const adfDocumentSchema = z.strictObject({ type: z.literal("doc"), version: z.literal(1), content: z.array(nodeSchema) });

/** `POST/PUT /rest/api/3/issue/{issueIdOrKey}/comment[/{id}]` (`Comment`). */
export const commentRequestSchema = z.strictObject({
  body: adfDocumentSchema,
  visibility: z.strictObject({ type: z.enum(["group", "role"]), value: z.string(), identifier: z.string().optional() }).optional(),
  properties: z.array(z.strictObject({ key: z.string(), value: z.unknown() })).optional(),
});

/** `POST /rest/api/3/issue/{issueIdOrKey}/remotelink` (`RemoteIssueLinkRequest`). */
export const remoteLinkRequestSchema = z.strictObject({
  globalId: z.string().max(255).optional(),
  application: z.strictObject({ type: z.string().optional(), name: z.string().optional() }).optional(),
  relationship: z.string().optional(),
  object: z.strictObject({
    url: z.url(),
    title: z.string().min(1),
    summary: z.string().optional(),
    icon: z.strictObject({ url16x16: z.string().optional(), title: z.string().optional(), link: z.string().optional() }).optional(),
    status: z.strictObject({ resolved: z.boolean().optional(), icon: z.unknown().optional() }).optional(),
  }),
});

/** `POST /rest/api/3/issue/{issueIdOrKey}/transitions` (`IssueUpdateDetails`). */
export const transitionRequestSchema = z.strictObject({
  transition: z.strictObject({ id: z.string().min(1), looped: z.boolean().optional() }),
  fields: z.record(z.string(), z.unknown()).optional(),
  update: z.record(z.string(), z.unknown()).optional(),
  historyMetadata: z.unknown().optional(),
  properties: z.array(z.unknown()).optional(),
});

/** `PUT /rest/api/3/issue/{issueIdOrKey}/properties/{propertyKey}`: any JSON value, at most 32 KB. */
export const propertyValueSchema = z.unknown().refine((value) => JSON.stringify(value).length <= 32_768, "an entity property's value is at most 32,768 bytes");

/** Data Center's `POST/PUT /rest/api/2/issue/{issueIdOrKey}/comment[/{id}]`: the body is wiki markup text. */
export const wikiCommentRequestSchema = z.strictObject({
  body: z.string().min(1),
  visibility: z.strictObject({ type: z.enum(["group", "role"]), value: z.string() }).optional(),
  properties: z.array(z.strictObject({ key: z.string(), value: z.unknown() })).optional(),
});
