import { constants } from "node:fs";
import { open, readFile } from "node:fs/promises";
import path from "node:path";
import ignore, { type Ignore } from "ignore";

/**
 * Git's ignore rules for a work tree: every `.gitignore` from the root down to a path, plus the
 * git dir's `info/exclude`; deeper files override shallower ones, and nothing below an ignored
 * directory can be re-included (as in git).
 */
export class GitignoreMatcher {
  readonly #tree: string;
  readonly #exclude: Ignore;
  readonly #fallback: ((relative: string) => Promise<string | null>) | undefined;
  readonly #perDirectory = new Map<string, Promise<Ignore | null>>();
  readonly #directoryResults = new Map<string, Promise<boolean>>();

  private constructor(tree: string, exclude: Ignore, fallback: ((relative: string) => Promise<string | null>) | undefined) {
    this.#tree = tree;
    this.#exclude = exclude;
    this.#fallback = fallback;
  }

  /** `fallback` reads a `.gitignore` the tree does not hold on disk (a sparse work tree's unchanged ones, from the commit). */
  static async load(tree: string, gitdir: string, fallback?: (relative: string) => Promise<string | null>): Promise<GitignoreMatcher> {
    const exclude = ignore().add(await readFile(path.join(gitdir, "info", "exclude"), "utf8").catch(() => ""));
    return new GitignoreMatcher(tree, exclude, fallback);
  }

  /** Whether a relative POSIX path (a file unless `isDirectory`) is ignored. */
  async isIgnored(relative: string, isDirectory = false): Promise<boolean> {
    const segments = relative.split("/");
    for (let depth = 1; depth < segments.length; depth++) {
      if (await this.#isDirectoryIgnored(segments.slice(0, depth).join("/"))) return true;
    }
    return this.#matches(relative, isDirectory);
  }

  #isDirectoryIgnored(directory: string): Promise<boolean> {
    let result = this.#directoryResults.get(directory);
    if (!result) {
      result = this.#matches(directory, true);
      this.#directoryResults.set(directory, result);
    }
    return result;
  }

  async #matches(relative: string, isDirectory: boolean): Promise<boolean> {
    const suffix = isDirectory ? "/" : "";
    let ignored = testRules(this.#exclude, relative + suffix, false);
    const segments = relative.split("/");
    for (let depth = 0; depth < segments.length; depth++) {
      const directory = segments.slice(0, depth).join("/");
      const rules = await this.#rulesIn(directory);
      if (rules) ignored = testRules(rules, segments.slice(depth).join("/") + suffix, ignored);
    }
    return ignored;
  }

  #rulesIn(directory: string): Promise<Ignore | null> {
    let rules = this.#perDirectory.get(directory);
    if (!rules) {
      const relative = directory === "" ? ".gitignore" : `${directory}/.gitignore`;
      rules = readNotFollowing(path.join(this.#tree, relative)).then(
        (text) => ignore().add(text),
        async (error: unknown) => {
          const text = this.#fallback && isMissing(error) ? await this.#fallback(relative) : null;
          return text === null ? null : ignore().add(text);
        },
      );
      this.#perDirectory.set(directory, rules);
    }
    return rules;
  }
}

/** Like git (2.32 on), a `.gitignore` that is a link is not followed: opening it fails, so it has no rules. */
async function readNotFollowing(file: string): Promise<string> {
  const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    if (!(await handle.stat()).isFile()) return "";
    return await handle.readFile("utf8");
  } finally {
    await handle.close();
  }
}

function isMissing(error: unknown): boolean {
  return error instanceof Error && "code" in error && error.code === "ENOENT";
}

function testRules(rules: Ignore, relative: string, previous: boolean): boolean {
  const result = rules.test(relative);
  if (result.ignored) return true;
  if (result.unignored) return false;
  return previous;
}
