import { buildIndex, type BuildOptions, type BuildStats } from "./build.ts";
import type { CodeSymbol, FileRecord } from "./record.ts";

/** A symbol together with the file that defines it. */
export interface SymbolLocation {
  path: string;
  symbol: CodeSymbol;
}

/**
 * The index of one commit of one repository: every indexed file with its definitions, the names
 * it uses and its words. Built on the host from a clone (`RepositoryIndex.build`), cached per
 * commit, updated incrementally from an earlier commit. Read-only once built.
 */
export class RepositoryIndex {
  readonly root: string;
  readonly commit: string;
  readonly files: readonly FileRecord[];
  readonly stats: BuildStats;
  readonly #byPath: Map<string, FileRecord>;
  #definitions: Map<string, SymbolLocation[]> | null = null;

  constructor(root: string, commit: string, files: readonly FileRecord[], stats: BuildStats) {
    this.root = root;
    this.commit = commit;
    this.files = files;
    this.stats = stats;
    this.#byPath = new Map(files.map((file) => [file.path, file]));
  }

  /** Builds, loads from the cache, or updates from `previous`, the index of `commit`. */
  static async build(options: BuildOptions): Promise<RepositoryIndex> {
    const built = await buildIndex(options);
    return new RepositoryIndex(options.root, options.commit, built.files, built.stats);
  }

  file(relativePath: string): FileRecord | undefined {
    return this.#byPath.get(relativePath);
  }

  /** Where a name is defined (every file and line); empty when nowhere. */
  definitions(name: string): readonly SymbolLocation[] {
    if (!this.#definitions) {
      const definitions = new Map<string, SymbolLocation[]>();
      for (const file of this.files) {
        for (const symbol of file.symbols) {
          const list = definitions.get(symbol.name);
          if (list) list.push({ path: file.path, symbol });
          else definitions.set(symbol.name, [{ path: file.path, symbol }]);
        }
      }
      this.#definitions = definitions;
    }
    return this.#definitions.get(name) ?? [];
  }
}
