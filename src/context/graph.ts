import { pageRank, type WeightedEdges } from "./pagerank.ts";
import type { RepositoryIndex } from "./repository-index.ts";

/**
 * The file reference graph: an edge from a file to each file defining a name it uses. Weights
 * follow what works for repository maps: long structured names (`getModelsMap`) count ten times,
 * private-looking (`_x`) and very short names a tenth, names defined in many files a tenth and
 * split between their definers. Ranks flow from users to definitions, so central code rises.
 */
export interface ReferenceGraph extends WeightedEdges {
  /** The name each edge stands for. */
  names: string[];
  /** Node number of each path (the index's file order). */
  node: Map<string, number>;
}

const graphs = new WeakMap<RepositoryIndex, ReferenceGraph>();

export function nameWeight(name: string, definers: number): number {
  let weight = 1;
  if (name.length < 3) weight *= 0.1;
  if (name.startsWith("_")) weight *= 0.1;
  if (name.length >= 8 && (/[a-z][A-Z]/.test(name) || /[a-z]_[a-z]/i.test(name))) weight *= 10;
  if (definers > 5) weight *= 0.1;
  return weight / definers;
}

export function referenceGraph(index: RepositoryIndex): ReferenceGraph {
  const existing = graphs.get(index);
  if (existing) return existing;
  const node = new Map(index.files.map((file, n) => [file.path, n]));
  const from: number[] = [];
  const to: number[] = [];
  const weight: number[] = [];
  const names: string[] = [];
  const definersOf = new Map<string, string[]>();
  for (const [source, file] of index.files.entries()) {
    for (const name of file.references) {
      let definers = definersOf.get(name);
      if (!definers) {
        definers = [...new Set(index.definitions(name).map((d) => d.path))];
        definersOf.set(name, definers);
      }
      if (definers.length === 0 || definers.length > 50) continue;
      const w = nameWeight(name, definers.length);
      for (const definer of definers) {
        const target = node.get(definer);
        if (target === undefined || target === source) continue;
        from.push(source);
        to.push(target);
        weight.push(w);
        names.push(name);
      }
    }
  }
  const graph: ReferenceGraph = {
    nodes: index.files.length,
    from: Int32Array.from(from),
    to: Int32Array.from(to),
    weight: Float64Array.from(weight),
    names,
    node,
  };
  graphs.set(index, graph);
  return graph;
}

/** Rank of each file (index order), personalised towards `restart` when given. */
export function fileRanks(index: RepositoryIndex, restart?: Float64Array): Float64Array {
  const graph = referenceGraph(index);
  return restart ? pageRank(graph, { personalization: restart }) : pageRank(graph);
}

/**
 * Rank of each defined symbol, keyed "path\u0000name": every file's rank is shared among the
 * names it uses in proportion to their edge weights, and lands on the definitions.
 */
export function symbolRanks(index: RepositoryIndex, ranks: Float64Array): Map<string, number> {
  const graph = referenceGraph(index);
  const outWeight = new Float64Array(graph.nodes);
  for (let e = 0; e < graph.from.length; e++) outWeight[graph.from[e] ?? 0] = (outWeight[graph.from[e] ?? 0] ?? 0) + (graph.weight[e] ?? 0);
  const result = new Map<string, number>();
  for (let e = 0; e < graph.from.length; e++) {
    const source = graph.from[e] ?? 0;
    const target = index.files[graph.to[e] ?? 0];
    if (!target) continue;
    const key = `${target.path}\u0000${graph.names[e] ?? ""}`;
    const share = ((ranks[source] ?? 0) * (graph.weight[e] ?? 0)) / (outWeight[source] ?? 1);
    result.set(key, (result.get(key) ?? 0) + share);
  }
  return result;
}

const usage = new WeakMap<RepositoryIndex, Map<string, number>>();

/** How many files use each name: a name most files use says little about where an issue is. */
export function usageCounts(index: RepositoryIndex): Map<string, number> {
  let counts = usage.get(index);
  if (!counts) {
    counts = new Map();
    for (const file of index.files) for (const name of file.references) counts.set(name, (counts.get(name) ?? 0) + 1);
    usage.set(index, counts);
  }
  return counts;
}
