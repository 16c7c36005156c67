/**
 * PageRank over a weighted directed graph given as parallel edge arrays, personalised by a
 * restart vector: a random walker follows edges with probability `damping` and otherwise jumps
 * to a node drawn from `personalization` (uniform when omitted). Dangling nodes jump the same way.
 */
export interface WeightedEdges {
  nodes: number;
  from: Int32Array;
  to: Int32Array;
  weight: Float64Array;
}

export interface PageRankOptions {
  personalization?: Float64Array;
  damping?: number;
  iterations?: number;
  tolerance?: number;
}

export function pageRank(graph: WeightedEdges, options: PageRankOptions = {}): Float64Array {
  const { nodes, from, to, weight } = graph;
  const damping = options.damping ?? 0.85;
  const restart = normalized(options.personalization, nodes);
  const outWeight = new Float64Array(nodes);
  for (let e = 0; e < from.length; e++) outWeight[from[e] ?? 0] = (outWeight[from[e] ?? 0] ?? 0) + (weight[e] ?? 0);
  let rank = Float64Array.from(restart);
  const iterations = options.iterations ?? 50;
  const tolerance = options.tolerance ?? 1e-9;
  for (let iteration = 0; iteration < iterations; iteration++) {
    const next = new Float64Array(nodes);
    let dangling = 0;
    for (let n = 0; n < nodes; n++) if ((outWeight[n] ?? 0) === 0) dangling += rank[n] ?? 0;
    for (let e = 0; e < from.length; e++) {
      const source = from[e] ?? 0;
      const target = to[e] ?? 0;
      next[target] = (next[target] ?? 0) + (damping * (rank[source] ?? 0) * (weight[e] ?? 0)) / (outWeight[source] ?? 1);
    }
    let change = 0;
    for (let n = 0; n < nodes; n++) {
      const value = (next[n] ?? 0) + (1 - damping + damping * dangling) * (restart[n] ?? 0);
      change += Math.abs(value - (rank[n] ?? 0));
      next[n] = value;
    }
    rank = next;
    if (change < tolerance) break;
  }
  return rank;
}

function normalized(vector: Float64Array | undefined, nodes: number): Float64Array {
  const result = new Float64Array(nodes);
  let total = 0;
  if (vector) for (let n = 0; n < nodes; n++) total += Math.max(0, vector[n] ?? 0);
  if (!vector || total === 0) return result.fill(nodes === 0 ? 0 : 1 / nodes);
  for (let n = 0; n < nodes; n++) result[n] = Math.max(0, vector[n] ?? 0) / total;
  return result;
}
