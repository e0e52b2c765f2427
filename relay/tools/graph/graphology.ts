/**
 * graphology and its algorithms, imported on first use (a relay that never touches a
 * graph does not carry them, ~7 MB). They ship ES-module typings in packages TypeScript
 * reads as CommonJS, so each default import types as a module namespace while at
 * runtime it is the function or class; the casts are confined to this file.
 */
type GraphClass = typeof import('graphology').default
export type Graph = InstanceType<GraphClass>

export interface Graphology {
  Graph: GraphClass
  pagerank(g: Graph, options?: { alpha?: number; getEdgeWeight?: string | null }): Record<string, number>
  weightedPath(g: Graph, source: string, target: string, weight: string): string[] | null
  hopPath(g: Graph, source: string, target: string): string[] | null
  connectedComponents(g: Graph): string[][]
}

let loaded: Promise<Graphology> | undefined

export function graphology(): Promise<Graphology> {
  loaded ??= (async (): Promise<Graphology> => {
    const [graph, pagerank, dijkstra, unweighted, components] = await Promise.all([
      import('graphology'),
      import('graphology-metrics/centrality/pagerank.js'),
      import('graphology-shortest-path/dijkstra.js'),
      import('graphology-shortest-path/unweighted.js'),
      import('graphology-components'),
    ])
    const field = (m: unknown, key: string): unknown => (m as Record<string, unknown>)[key]
    return {
      Graph: field(graph, 'default') as GraphClass,
      pagerank: field(pagerank, 'default') as Graphology['pagerank'],
      weightedPath: field(field(dijkstra, 'default'), 'bidirectional') as Graphology['weightedPath'],
      hopPath: field(field(unweighted, 'default'), 'bidirectional') as Graphology['hopPath'],
      connectedComponents: field(
        field(components, 'default'),
        'connectedComponents',
      ) as Graphology['connectedComponents'],
    }
  })()
  return loaded as Promise<Graphology>
}
