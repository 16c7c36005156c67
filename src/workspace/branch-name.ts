/** The branch Droid creates for an issue or a Jira ticket: `droid/<number or lowercased key>-<slug of the title>`. */
export function branchNameFor(issueNumber: number | string, title: string): string {
  const slug = title
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40)
    .replace(/-+$/, "");
  return slug === "" ? `droid/${issueNumber}` : `droid/${issueNumber}-${slug}`;
}
