import { OLDER_COMMENTS_QUERY, OlderCommentsResponse, type CommentNode, type CommentPage } from "./query.ts";
import { cleanUntrustedText, trimToBoundary } from "../../prompting/index.ts";
import type { Exclusions, ThreadComment } from "../../planning/issue-context.ts";
import type { GraphqlClient, WriteAccessLookup } from "./types.ts";

/** Older comment pages fetched at most (100 comments each) beyond the first. */
export const MAX_OLDER_PAGES = 4;
/** Characters each comment costs beyond its body once rendered (label and fence). */
const COMMENT_OVERHEAD = 120;
/** A comment is not worth keeping trimmed below this many characters. */
const MIN_KEPT_CHARS = 400;

export interface ThreadRequest {
  owner: string;
  name: string;
  issueNumber: number;
  triggerCommentId: number | null;
  cutoff: Date;
}

export interface ThreadLimits {
  /** Characters all kept comments may take together. */
  room: number;
  /** Characters one comment may take. */
  perComment: number;
  /** Characters the trigger comment may take. */
  trigger: number;
}

export interface ThreadSelection {
  trigger: ThreadComment | null;
  /** Oldest first. */
  comments: ThreadComment[];
  excluded: Exclusions;
  hiddenRemoved: number;
  notes: string[];
}

type Verdict = { kind: "bot" } | { kind: "non-writer" } | { kind: "empty" } | { kind: "writer"; text: string; removed: number };

/** The first page split at the trigger: the trigger, the comments before it (newest first), how many came after. */
function splitAtTrigger(nodes: CommentNode[], request: ThreadRequest): { trigger: CommentNode | null; before: CommentNode[]; after: number } {
  const index = request.triggerCommentId === null ? -1 : nodes.findIndex((n) => n.fullDatabaseId === request.triggerCommentId);
  if (index >= 0) return { trigger: nodes[index] ?? null, before: nodes.slice(0, index).toReversed(), after: nodes.length - index - 1 };
  const cutoff = request.cutoff.getTime();
  const before = nodes.filter((n) => Date.parse(n.createdAt) <= cutoff);
  return { trigger: null, before: before.toReversed(), after: nodes.length - before.length };
}

/** Comments before the trigger, newest first; older pages are fetched only when the consumer asks for more. */
async function* newestFirst(graphql: GraphqlClient, request: ThreadRequest, first: CommentPage, before: CommentNode[]): AsyncGenerator<CommentNode> {
  yield* before;
  let page = first;
  for (let fetched = 0; fetched < MAX_OLDER_PAGES && page.pageInfo.hasPreviousPage && page.pageInfo.startCursor !== null; fetched++) {
    const data = OlderCommentsResponse.parse(
      await graphql(OLDER_COMMENTS_QUERY, { owner: request.owner, name: request.name, number: request.issueNumber, before: page.pageInfo.startCursor }),
    );
    const older = data.repository?.issue?.comments;
    if (!older) return;
    page = older;
    yield* page.nodes.toReversed();
  }
}

function author(node: CommentNode): string {
  return node.author?.login ?? "ghost";
}

/** A bot's account (Droid's included): never a writer, never asked about. */
export function isBotActor(actor: { kind: string; login: string }): boolean {
  return actor.kind === "Bot" || actor.login.endsWith("[bot]");
}

/**
 * Chooses the comments the model reads: writers only (each author asked of GitHub once,
 * through `hasWriteAccess`; the author association a comment carries is not trusted),
 * before the trigger, newest first until the room is used up. The rest is counted,
 * never silently dropped.
 */
/** A lookup that asks about each login once. */
export function askingOnce(lookup: WriteAccessLookup): WriteAccessLookup {
  const answers = new Map<string, Promise<boolean>>();
  return (login) => {
    const known = answers.get(login);
    if (known) return known;
    const answer = lookup(login);
    answers.set(login, answer);
    return answer;
  };
}

export async function selectThread(
  graphql: GraphqlClient,
  hasWriteAccess: WriteAccessLookup,
  request: ThreadRequest,
  first: CommentPage,
  limits: ThreadLimits,
): Promise<ThreadSelection> {
  const split = splitAtTrigger(first.nodes, request);
  const notes: string[] = [];
  let hiddenRemoved = 0;

  async function judge(node: CommentNode): Promise<Verdict> {
    if (node.author === null) return { kind: "non-writer" };
    if (isBotActor(node.author)) return { kind: "bot" };
    if (!(await hasWriteAccess(node.author.login))) return { kind: "non-writer" };
    const cleaned = cleanUntrustedText(node.body);
    return cleaned.text === "" ? { kind: "empty" } : { kind: "writer", text: cleaned.text, removed: cleaned.removed };
  }

  let trigger: ThreadComment | null = null;
  if (split.trigger) {
    const cleaned = cleanUntrustedText(split.trigger.body);
    hiddenRemoved += cleaned.removed;
    const t = trimToBoundary(cleaned.text, limits.trigger);
    if (t.cutChars > 0) notes.push(`trigger comment: ${t.cutChars} characters trimmed`);
    trigger = { id: split.trigger.fullDatabaseId, author: author(split.trigger), createdAt: split.trigger.createdAt, body: t.text, cutChars: t.cutChars };
  }

  const excluded: Exclusions = { nonWriters: 0, bots: 0, afterTrigger: split.after, olderOmitted: 0 };
  const kept: ThreadComment[] = [];
  let room = limits.room;
  let examined = 0;
  for await (const node of newestFirst(graphql, request, first, split.before)) {
    const verdict = await judge(node);
    if (verdict.kind === "writer") {
      const limit = Math.min(limits.perComment, room - COMMENT_OVERHEAD);
      if (limit < Math.min(MIN_KEPT_CHARS, verdict.text.length)) break;
      const t = trimToBoundary(verdict.text, limit);
      if (t.cutChars > 0) notes.push(`comment by @${author(node)} (${node.createdAt}): ${t.cutChars} characters trimmed`);
      hiddenRemoved += verdict.removed;
      room -= t.text.length + COMMENT_OVERHEAD;
      kept.push({ id: node.fullDatabaseId, author: author(node), createdAt: node.createdAt, body: t.text, cutChars: t.cutChars });
    } else if (verdict.kind === "bot") excluded.bots++;
    else if (verdict.kind === "non-writer") excluded.nonWriters++;
    examined++;
  }
  excluded.olderOmitted = first.totalCount - split.after - (split.trigger ? 1 : 0) - examined;
  if (excluded.olderOmitted > 0) notes.push(`${excluded.olderOmitted} older comment(s) left out to fit the context budget`);
  if (excluded.nonWriters > 0) notes.push(`${excluded.nonWriters} comment(s) by people without write access not shown to the model`);
  return { trigger, comments: kept.toReversed(), excluded, hiddenRemoved, notes };
}
