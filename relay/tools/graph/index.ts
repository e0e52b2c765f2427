/** The `graph` category: named property graphs (graphology) stored in the data directory. */

import type { ToolCategory } from '../../../shared/tool/types.ts'
import type { ToolDeps } from '../tool-deps.ts'
import { graphBuildTools } from './build.ts'
import { graphQueryTools } from './query.ts'

export const GRAPH_CATEGORY = {
  name: 'graph',
  description:
    'Property graphs: create, add nodes and edges, neighbours, pattern search, shortest paths, PageRank, components, JSON export/import',
}

export type GraphToolDeps = Pick<ToolDeps, 'graphs'>

export function graphTools({ graphs }: GraphToolDeps): ToolCategory {
  return { info: GRAPH_CATEGORY, tools: [...graphBuildTools(graphs), ...graphQueryTools(graphs)] }
}
