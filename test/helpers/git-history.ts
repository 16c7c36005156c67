/**
 * A real git repository with a known history, built with the git CLI in a temp
 * directory, and GitHub's answers about it (GraphQL `history(path:)`, REST commit
 * patches) derived from it, so the nocked GitHub tells the truth about real commits.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export interface FixtureCommit {
  message: string;
  date: string;
  /** path → full new content (null deletes). */
  files: Record<string, string | null>;
}

export class FixtureRepo {
  readonly dir: string;
  readonly shas: string[] = [];

  constructor(commits: FixtureCommit[]) {
    this.dir = mkdtempSync(join(tmpdir(), "droid-history-"));
    this.git("init", "-q", "-b", "main");
    for (const commit of commits) {
      for (const [path, content] of Object.entries(commit.files)) {
        const full = join(this.dir, path);
        if (content === null) rmSync(full);
        else {
          mkdirSync(dirname(full), { recursive: true });
          writeFileSync(full, content);
        }
      }
      this.git("add", "-A");
      this.git("commit", "-q", "-m", commit.message, { GIT_AUTHOR_DATE: commit.date, GIT_COMMITTER_DATE: commit.date });
      this.shas.push(this.git("rev-parse", "HEAD").trim());
    }
  }

  read(path: string): string {
    return readFileSync(join(this.dir, path), "utf8");
  }

  files(): string[] {
    return this.git("ls-files").split("\n").filter(Boolean);
  }

  /** The REST `GET /repos/{o}/{r}/git/trees/{sha}?recursive=1` body at a commit. */
  treeResponse(sha: string): Record<string, unknown> {
    const paths = this.git("ls-tree", "-r", "--name-only", sha).split("\n").filter(Boolean);
    return { sha, truncated: false, tree: paths.map((path) => ({ path, mode: "100644", type: "blob", sha: "0".repeat(40) })) };
  }

  /** Commits touching `path` in [since, until], newest first, as GraphQL `history` nodes. */
  historyNodes(path: string, since: string, until: string, owner: string, repo: string): Record<string, unknown>[] {
    const out = this.git("log", `--since=${since}`, `--until=${until}`, "--format=%H%x1f%s%x1f%cI%x1f%an", "--", path);
    return out
      .split("\n")
      .filter(Boolean)
      .map((line) => {
        const [oid = "", subject = "", date = "", author = ""] = line.split("\x1f");
        const pr = /\(#(\d+)\)$/.exec(subject)?.[1];
        return {
          oid,
          messageHeadline: subject,
          committedDate: new Date(date).toISOString(),
          url: `https://github.com/${owner}/${repo}/commit/${oid}`,
          author: { name: author, user: { login: author.toLowerCase().replace(/\s+/g, "-") } },
          associatedPullRequests: {
            nodes: pr
              ? [{ number: Number(pr), title: subject.replace(/ \(#\d+\)$/, ""), url: `https://github.com/${owner}/${repo}/pull/${pr}`, mergedAt: new Date(date).toISOString(), baseRefName: "main" }]
              : [],
          },
        };
      });
  }

  /** The REST `GET /repos/{o}/{r}/commits/{sha}` body: files with GitHub-style patches (hunks only). */
  commitResponse(sha: string): Record<string, unknown> {
    const names = this.git("show", "--format=", "--name-only", sha).split("\n").filter(Boolean);
    return {
      sha,
      files: names.map((filename) => {
        const diff = this.git("show", "--format=", "-U3", sha, "--", filename);
        const at = diff.indexOf("@@");
        return { filename, status: "modified", patch: at >= 0 ? diff.slice(at).replace(/\n$/, "") : undefined };
      }),
    };
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  git(...args: (string | Record<string, string>)[]): string {
    const env = args.find((a): a is Record<string, string> => typeof a === "object") ?? {};
    const argv = args.filter((a): a is string => typeof a === "string");
    return execFileSync("git", argv, {
      cwd: this.dir,
      encoding: "utf8",
      env: { ...process.env, GIT_AUTHOR_NAME: "Mona Lisa", GIT_AUTHOR_EMAIL: "mona@example.com", GIT_COMMITTER_NAME: "Mona Lisa", GIT_COMMITTER_EMAIL: "mona@example.com", ...env },
    });
  }
}
