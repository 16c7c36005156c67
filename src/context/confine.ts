import { lstat, realpath } from "node:fs/promises";
import path from "node:path";

/** A path a caller (a planner tool, a user's question) asked for that is not inside the repository. */
export class PathOutsideRootError extends Error {
  readonly requested: string;

  constructor(requested: string, reason: string) {
    super(`${requested}: ${reason}`);
    this.requested = requested;
    this.name = "PathOutsideRootError";
  }
}

/**
 * The absolute path of `relative` inside `root`, refusing anything that could leave it: absolute
 * paths, `..` segments, NUL bytes, and symlinks (at any depth) whose target is outside the root.
 * The path must exist.
 */
export async function resolveInside(root: string, relative: string): Promise<string> {
  if (relative.includes("\0")) throw new PathOutsideRootError(relative, "contains a NUL byte");
  if (path.isAbsolute(relative) || /^[A-Za-z]:[\\/]/.test(relative) || relative.startsWith("\\")) {
    throw new PathOutsideRootError(relative, "absolute paths are not allowed; give a path relative to the repository root");
  }
  const segments = relative.split(/[\\/]+/);
  if (segments.includes("..")) throw new PathOutsideRootError(relative, "`..` is not allowed");
  const realRoot = await realpath(root);
  const candidate = path.join(realRoot, ...segments.filter((s) => s !== "" && s !== "."));
  await lstat(candidate); // throws ENOENT for a missing path, before realpath hides which part is missing
  const real = await realpath(candidate);
  if (real !== realRoot && !real.startsWith(realRoot + path.sep)) {
    throw new PathOutsideRootError(relative, "a symbolic link leads outside the repository");
  }
  return real;
}
