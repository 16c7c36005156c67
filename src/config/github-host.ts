/**
 * The GitHub host Droid works with: github.com, or the GitHub Enterprise Server (or
 * GitHub-compatible test server) named by `GHE_HOST` / `GHE_PROTOCOL` (the variables
 * Probot reads for its API base URL; `readSettings` parses them). Clone URLs are built
 * from this host and a repository's `owner/name`, never taken from a payload or an API
 * answer, so nothing a sender writes can send the installation token to another host.
 */

export interface GitHubHost {
  protocol: "https" | "http";
  /** `host[:port]`, e.g. `github.com` or `ghe.example.com`. */
  host: string;
}

export const GITHUB_COM: GitHubHost = { protocol: "https", host: "github.com" };

/** A host name or bracketed IPv6 address, with an optional port: no scheme, path, credentials or query. */
export const HOST_PATTERN = /^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

const OWNER = /^[A-Za-z0-9][A-Za-z0-9-]{0,38}$/;
const NAME = /^[A-Za-z0-9._-]{1,100}$/;

/**
 * The clone URL of `owner/name` on `host` (https; http only for a test server). Throws on
 * a name GitHub would not allow, so no path (`..`, `/`, `%2F`) can be smuggled into it.
 */
export function repositoryCloneUrl(host: GitHubHost, fullName: string): string {
  const [owner = "", name = "", ...rest] = fullName.split("/");
  if (rest.length > 0 || !OWNER.test(owner) || !NAME.test(name) || name === "." || name === "..") {
    throw new Error(`not a GitHub repository name: ${JSON.stringify(fullName)}`);
  }
  return `${host.protocol}://${host.host}/${owner}/${name}.git`;
}
