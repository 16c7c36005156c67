/**
 * The issues and pull requests an issue is linked with, and their bodies: closing pull
 * requests and cross-references (from the context query's answer), then the items the body
 * refers to by number (`#12`, or a URL of this repository), fetched in one more round trip.
 * Bodies are cleaned of hidden markup and capped: a few, each short.
 */
import { cleanUntrustedText, trimToBoundary } from "../../prompting/index.ts";
import type { LinkedBody, LinkedPullRequest } from "../../planning/issue-context.ts";
import { z } from "zod";
import { issueIn, LINKED_FRAGMENTS, pullRequestIn, type IssueContextResponse, type LinkedRef } from "./query.ts";
import type { GraphqlClient } from "./types.ts";

/**
 * The issues and pull requests an issue body refers to by number, fetched by alias in one
 * round trip (`r0`, `r1`, …, each `issueOrPullRequest(number: $n0)`).
 */
function referencedItemsQuery(count: number): string {
  const variables = Array.from({ length: count }, (_, i) => `$n${i}: Int!`).join(", ");
  const fields = Array.from(
    { length: count },
    (_, i) => `r${i}: issueOrPullRequest(number: $n${i}) {
        kind: __typename
        ...DroidLinkedPullRequest
        ...DroidLinkedIssue
      }`,
  ).join("\n      ");
  return /* GraphQL */ `
  query DroidReferencedItems($owner: String!, $name: String!, ${variables}) {
    repository(owner: $owner, name: $name) {
      ${fields}
    }
  }

${LINKED_FRAGMENTS}`;
}

const ReferencedItemsResponse = z.object({ repository: z.record(z.string(), z.unknown()).nullable() });

type IssueNode = NonNullable<NonNullable<IssueContextResponse["repository"]>["issue"]>;

/** Bodies kept at most, and characters each. */
export const MAX_LINKED_BODIES = 4;
export const MAX_LINKED_BODY_CHARS = 2_000;
/** Numbers the body refers to that are fetched at most. */
const MAX_REFERENCED = 3;

interface Linked {
  kind: LinkedBody["kind"];
  ref: LinkedRef;
}

/** Pull requests and issues linked to the issue in its answer: closing pull requests first, then the timeline's. */
function linkedItems(issue: IssueNode): Linked[] {
  const found = new Map<number, Linked>();
  for (const pr of issue.closedByPullRequestsReferences?.nodes ?? []) if (pr) found.set(pr.number, { kind: "pull request", ref: pr });
  for (const node of issue.timelineItems.nodes) {
    for (const candidate of [node?.subject, node?.source]) {
      const pr = pullRequestIn(candidate);
      const other = pr ? null : issueIn(candidate);
      if (pr && !found.has(pr.number)) found.set(pr.number, { kind: "pull request", ref: pr });
      if (other && other.number !== issue.number && !found.has(other.number)) found.set(other.number, { kind: "issue", ref: other });
    }
  }
  return [...found.values()];
}

export function linkedPullRequests(issue: IssueNode): LinkedPullRequest[] {
  return linkedItems(issue)
    .filter((l) => l.kind === "pull request")
    .map(({ ref }) => ({ number: ref.number, title: ref.title, state: ref.state }))
    .sort((a, b) => a.number - b.number);
}

/** Numbers the text refers to in this repository: `#12`, `owner/name#12`, or its issue and pull URLs. */
export function referencedNumbers(text: string, nameWithOwner: string): number[] {
  const numbers: number[] = [];
  const escaped = nameWithOwner.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const patterns = [/(?<![\w/#])#(\d{1,7})\b/g, new RegExp(`(?<![\\w/])${escaped}#(\\d{1,7})\\b`, "gi"), new RegExp(`/${escaped}/(?:issues|pull)/(\\d{1,7})\\b`, "gi")];
  for (const pattern of patterns) for (const match of text.matchAll(pattern)) numbers.push(Number(match[1]));
  return [...new Set(numbers)];
}

async function referencedItems(graphql: GraphqlClient, owner: string, name: string, numbers: number[]): Promise<Linked[]> {
  if (numbers.length === 0) return [];
  const variables: Record<string, unknown> = { owner, name };
  numbers.forEach((n, i) => (variables[`n${i}`] = n));
  const data = ReferencedItemsResponse.parse(await graphql(referencedItemsQuery(numbers.length), variables));
  return Object.values(data.repository ?? {}).flatMap((node): Linked[] => {
    const pr = pullRequestIn(node);
    if (pr) return [{ kind: "pull request", ref: pr }];
    const issue = issueIn(node);
    return issue ? [{ kind: "issue", ref: issue }] : [];
  });
}

/** The bodies of the linked and referenced items, cleaned and capped; what was trimmed goes to `notes`. */
export async function linkedBodies(
  request: { graphql: GraphqlClient; owner: string; name: string; nameWithOwner: string; maxChars: number },
  issue: IssueNode,
  notes: string[],
): Promise<LinkedBody[]> {
  const linked = linkedItems(issue);
  const known = new Set([issue.number, ...linked.map((l) => l.ref.number)]);
  const wanted = referencedNumbers(issue.body, request.nameWithOwner).filter((n) => !known.has(n)).slice(0, MAX_REFERENCED);
  const items = [...linked, ...(await referencedItems(request.graphql, request.owner, request.name, wanted))];
  const each = Math.min(MAX_LINKED_BODY_CHARS, Math.floor(request.maxChars / MAX_LINKED_BODIES));
  const bodies: LinkedBody[] = [];
  for (const { kind, ref } of items) {
    const text = cleanUntrustedText(ref.body ?? "").text.trim();
    if (text === "" || bodies.length >= MAX_LINKED_BODIES) continue;
    const trimmed = trimToBoundary(text, each);
    if (trimmed.cutChars > 0) notes.push(`${kind} #${ref.number}: ${trimmed.cutChars} of ${text.length} characters of its body trimmed`);
    bodies.push({ kind, number: ref.number, title: cleanUntrustedText(ref.title).text, author: ref.author?.login ?? null, body: trimmed.text, cutChars: trimmed.cutChars });
  }
  return bodies;
}
