import path from "node:path";

/** Where the agent may read and write: the work tree, and the saved command logs (read only). */
export interface PathPolicy {
  workdir: string;
  readOnlyRoots: readonly string[];
}

export type ResolvedPath = { ok: true; path: string; writable: boolean } | { ok: false; error: string };

/** Resolves a path the model gave (absolute, or relative to the work tree) and checks it is allowed. */
export function resolveAgentPath(input: string, policy: PathPolicy): ResolvedPath {
  const absolute = path.posix.resolve(policy.workdir, input.trim());
  if (within(absolute, policy.workdir)) return { ok: true, path: absolute, writable: true };
  if (policy.readOnlyRoots.some((root) => within(absolute, root))) return { ok: true, path: absolute, writable: false };
  return { ok: false, error: `${input} is outside the repository (${policy.workdir}); only files in the repository can be used.` };
}

function within(candidate: string, root: string): boolean {
  return candidate === root || candidate.startsWith(`${root}/`);
}

/** Quotes a string for a POSIX shell. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
