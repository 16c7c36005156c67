/**
 * Where a piece of outside text came from, said in the label above its fence so the
 * model knows whose words it reads. Only a writer's words may be an instruction.
 */

export type Provenance =
  /** Someone GitHub says has write access to the repository (asked, not guessed). */
  | { kind: "writer"; login: string }
  /** Someone without write access (or a bot that is not Droid). */
  | { kind: "non-writer"; login: string }
  /** An author whose access was not checked (e.g. the history of a review thread). */
  | { kind: "unchecked"; login: string | null }
  /** A file or metadata of the repository, from its default branch or the branch worked on. */
  | { kind: "repository" }
  /** Output of a tool or a command Droid ran. */
  | { kind: "tool"; name: string }
  /** Droid's own records (the plan, the revision log). */
  | { kind: "droid" };

export type WriterProvenance = Extract<Provenance, { kind: "writer" }>;

export const writer = (login: string): WriterProvenance => ({ kind: "writer", login });
export const nonWriter = (login: string): Provenance => ({ kind: "non-writer", login });
export const unchecked = (login: string | null = null): Provenance => ({ kind: "unchecked", login });
export const repositoryFile: Provenance = { kind: "repository" };
export const toolOutput = (name: string): Provenance => ({ kind: "tool", name });
export const droidRecord: Provenance = { kind: "droid" };

/** An author, by what GitHub answered about their access. */
export function author(login: string, canWrite: boolean): Provenance {
  return canWrite ? writer(login) : nonWriter(login);
}

/** The provenance part of a label, e.g. `by @ada, who has write access`. */
export function describeProvenance(from: Provenance): string {
  switch (from.kind) {
    case "writer":
      return `by @${from.login}, who has write access`;
    case "non-writer":
      return `by @${from.login}, who has no write access`;
    case "unchecked":
      return from.login === null ? "author's access not checked" : `by @${from.login}, access not checked`;
    case "repository":
      return "from the repository";
    case "tool":
      return `output of ${from.name}`;
    case "droid":
      return "written by Droid";
  }
}
