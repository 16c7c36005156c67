import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { EXTRACTOR } from "./languages.ts";
import { SNAPSHOT_VERSION, snapshotSchema, type FileRecord, type Snapshot } from "./record.ts";

/**
 * The index cache: one JSON file per indexed commit, `<cacheDir>/<repository-key>/<commit>.json`.
 * A whole snapshot is what every use needs (ranking runs over the whole graph), so one file read
 * and one parse beat a database's row-by-row reads; a write is a temporary file renamed into place,
 * so a reader never sees half a snapshot. The newest few commits per repository are kept.
 */

export const KEPT_SNAPSHOTS = 4;

/** A file-system-safe key for a repository name such as "owner/name". */
export function repositoryKey(repository: string): string {
  return repository.replace(/[^A-Za-z0-9._-]+/g, "+").replace(/^\.+/, "_");
}

function snapshotPath(cacheDir: string, repository: string, commit: string): string {
  if (!/^[A-Za-z0-9._-]+$/.test(commit)) throw new Error(`not a commit id: ${commit}`);
  return path.join(cacheDir, repositoryKey(repository), `${commit}.json`);
}

/** The cached snapshot of a commit; null when absent, unreadable, or written by another version or extractor. */
export async function readSnapshot(cacheDir: string, repository: string, commit: string): Promise<Snapshot | null> {
  let text: string;
  try {
    text = await readFile(snapshotPath(cacheDir, repository, commit), "utf8");
  } catch {
    return null;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = snapshotSchema.safeParse(json);
  return parsed.success && parsed.data.commit === commit && parsed.data.extractor === EXTRACTOR ? parsed.data : null;
}

/** Writes a commit's snapshot atomically, then drops all but the newest snapshots of the repository. */
export async function writeSnapshot(cacheDir: string, repository: string, commit: string, files: FileRecord[]): Promise<void> {
  const target = snapshotPath(cacheDir, repository, commit);
  await mkdir(path.dirname(target), { recursive: true });
  const snapshot: Snapshot = { version: SNAPSHOT_VERSION, extractor: EXTRACTOR, commit, files };
  const temporary = `${target}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(temporary, JSON.stringify(snapshot));
  await rename(temporary, target);
  await pruneSnapshots(path.dirname(target), KEPT_SNAPSHOTS);
}

/**
 * The commit of the repository's most recently written snapshot (null when none): the starting
 * point of an incremental build when the caller does not know which commit it indexed last.
 */
export async function latestSnapshotCommit(cacheDir: string, repository: string): Promise<string | null> {
  const directory = path.join(cacheDir, repositoryKey(repository));
  const names = (await readdir(directory).catch(() => [])).filter((name) => name.endsWith(".json"));
  let latest: { commit: string; modified: number } | null = null;
  for (const name of names) {
    const modified = (await stat(path.join(directory, name)).catch(() => null))?.mtimeMs ?? 0;
    if (!latest || modified > latest.modified) latest = { commit: name.slice(0, -".json".length), modified };
  }
  return latest?.commit ?? null;
}

async function pruneSnapshots(directory: string, keep: number): Promise<void> {
  const names = (await readdir(directory)).filter((name) => name.endsWith(".json"));
  if (names.length <= keep) return;
  const dated = await Promise.all(
    names.map(async (name) => ({ name, modified: (await stat(path.join(directory, name)).catch(() => null))?.mtimeMs ?? 0 })),
  );
  dated.sort((a, b) => b.modified - a.modified);
  await Promise.all(dated.slice(keep).map(({ name }) => rm(path.join(directory, name), { force: true })));
}
