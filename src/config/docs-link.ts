/**
 * Links to Droid's own documentation from what it posts. `DROID_DOCS_URL` says where
 * Droid's README.md and docs/ are published (e.g. `https://github.com/acme/droid/blob/main`);
 * without it a message names the page instead of linking it (a relative link would point
 * into the repository the comment is on, not Droid's).
 */

/** A page of Droid's documentation: the README or a file of docs/. */
export type DocPage = "README.md" | `docs/${string}.md`;

/** `[text](<docs URL>/<page>#<anchor>)`, or "text (Droid's `page`)" when no docs URL is set. */
export function docLink(docsUrl: string | null, page: DocPage, anchor: string | null, text: string): string {
  if (docsUrl === null) return `${text} (Droid's \`${page}\`)`;
  return `[${text}](${docsUrl}/${page}${anchor === null ? "" : `#${anchor}`})`;
}
