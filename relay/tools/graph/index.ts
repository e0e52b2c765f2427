/** The `graph` category: named property graphs (graphology) stored in the data directory. */
import { graphBuildTools } from './build.ts'
import type { GraphStore } from './graph-store.ts'
import { graphQueryTools } from './query.ts'

export const GRAPH_CATEGORY = {
  name: 'graph',
  description:
    'Property graphs: create, add nodes and edges, neighbours, pattern search, shortest paths, PageRank, components, JSON export/import',
}

export function graphTools(store: GraphStore) {
  return { info: GRAPH_CATEGORY, tools: [...graphBuildTools(store), ...graphQueryTools(store)] }
}
