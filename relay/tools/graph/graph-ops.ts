import type { SerializedGraph } from 'graphology-types'
import { McppError } from '../../../shared/errors.ts'
import type { GraphFiles } from './graph-files.ts'
import { type Graph, graphology } from './graphology.ts'
import { MAX_EXPORT_ELEMENTS, MAX_GRAPH_ELEMENTS, MAX_LISTED_IDS } from './limits.ts'

/**
 * What the graph tools do, run on the graph thread (graph-worker.ts) against the
 * graphs it holds. Inputs arrive validated by the tools' schemas.
 */
type Attributes = Record<string, unknown>

export const summary = (name: string, g: Graph) => ({ name, type: g.type, nodes: g.order, edges: g.size })

function invalid(param: string, problem: string, message: string): McppError {
  return new McppError('INVALID_PARAMS', `${param}: ${message}`, { problems: [{ param, problem }] })
}

function requireNode(graph: Graph, id: string, param: string): void {
  if (!graph.hasNode(id)) throw invalid(param, 'unknown node', `the graph has no node "${id}"`)
}

function checkSize(graph: Graph, param: string): void {
  const elements = graph.order + graph.size
  if (elements > MAX_GRAPH_ELEMENTS) {
    throw invalid(
      param,
      'graph too large',
      `the graph would hold ${elements} nodes and edges; a graph holds at most ${MAX_GRAPH_ELEMENTS}`,
    )
  }
}

export async function create(
  files: GraphFiles,
  input: { name: string; type: 'directed' | 'undirected' | 'mixed'; multi: boolean; overwrite: boolean },
) {
  if (files.exists(input.name) && !input.overwrite) {
    throw new McppError('CONFLICT', `graph "${input.name}" exists (pass overwrite: true to replace it)`)
  }
  const { Graph } = await graphology()
  const graph = new Graph({ type: input.type, multi: input.multi })
  await files.put(input.name, graph)
  return summary(input.name, graph)
}

export async function add(
  files: GraphFiles,
  input: {
    name: string
    nodes: Array<{ id: string; attributes?: Attributes | undefined }>
    edges: Array<{ source: string; target: string; attributes?: Attributes | undefined }>
  },
) {
  const graph = await files.get(input.name)
  const before = { nodes: graph.order, edges: graph.size }
  for (const node of input.nodes) graph.mergeNode(node.id, node.attributes ?? {})
  for (const edge of input.edges) {
    try {
      graph.mergeEdge(edge.source, edge.target, edge.attributes ?? {})
    } catch (err) {
      throw invalid(
        'edges',
        (err as Error).message,
        `${edge.source} → ${edge.target}: ${(err as Error).message}`,
      )
    }
  }
  checkSize(graph, 'edges')
  await files.put(input.name, graph)
  return {
    ...summary(input.name, graph),
    addedNodes: graph.order - before.nodes,
    addedEdges: graph.size - before.edges,
  }
}

export async function exportGraph(files: GraphFiles, input: { name: string }) {
  const graph = await files.get(input.name)
  if (graph.order + graph.size > MAX_EXPORT_ELEMENTS) {
    throw invalid(
      'name',
      'graph too large to export',
      `"${input.name}" has ${graph.order + graph.size} nodes and edges; graph_export answers with at most ${MAX_EXPORT_ELEMENTS}`,
    )
  }
  return { name: input.name, graph: graph.export() as unknown as Attributes }
}

export async function importGraph(
  files: GraphFiles,
  input: { name: string; graph: Attributes; overwrite: boolean },
) {
  if (files.exists(input.name) && !input.overwrite) {
    throw new McppError('CONFLICT', `graph "${input.name}" exists (pass overwrite: true to replace it)`)
  }
  const { Graph } = await graphology()
  let graph: Graph
  try {
    graph = Graph.from(input.graph as unknown as SerializedGraph)
  } catch (err) {
    throw invalid('graph', 'not a serialized graph', `not a serialized graph: ${(err as Error).message}`)
  }
  await files.put(input.name, graph)
  return summary(input.name, graph)
}

/** NOT_FOUND when there is no such graph (NamedFileStore), so `deleted` is always true. */
export function remove(files: GraphFiles, input: { name: string }) {
  files.delete(input.name)
  return { name: input.name, deleted: true }
}

export async function list(files: GraphFiles) {
  const graphs = []
  for (const name of files.names()) graphs.push(summary(name, await files.get(name)))
  return { graphs }
}

export async function neighbors(
  files: GraphFiles,
  input: { name: string; node: string; direction: 'out' | 'in' | 'all'; limit: number },
) {
  const graph = await files.get(input.name)
  requireNode(graph, input.node, 'node')
  const ids =
    input.direction === 'out'
      ? graph.outNeighbors(input.node)
      : input.direction === 'in'
        ? graph.inNeighbors(input.node)
        : graph.neighbors(input.node)
  return {
    node: input.node,
    total: ids.length,
    neighbors: ids
      .sort()
      .slice(0, input.limit)
      .map((id) => ({ id, attributes: graph.getNodeAttributes(id) })),
  }
}

export async function find(
  files: GraphFiles,
  input: { name: string; where: Attributes; minDegree: number; limit: number },
) {
  const graph = await files.get(input.name)
  const wanted = Object.entries(input.where).map(([k, v]) => [k, JSON.stringify(v)] as const)
  const matches = graph.filterNodes((id, attrs) => {
    if (graph.degree(id) < input.minDegree) return false
    return wanted.every(([k, v]) => JSON.stringify(attrs[k]) === v)
  })
  return {
    total: matches.length,
    nodes: matches
      .sort()
      .slice(0, input.limit)
      .map((id) => ({ id, attributes: graph.getNodeAttributes(id), degree: graph.degree(id) })),
  }
}

export async function shortest(
  files: GraphFiles,
  input: { name: string; source: string; target: string; weighted: boolean },
) {
  const graph = await files.get(input.name)
  requireNode(graph, input.source, 'source')
  requireNode(graph, input.target, 'target')
  const { weightedPath, hopPath } = await graphology()
  const path = input.weighted
    ? weightedPath(graph, input.source, input.target, 'weight')
    : hopPath(graph, input.source, input.target)
  if (!path) return { found: false, path: [], hops: 0, cost: null, truncated: false }
  let cost = 0
  for (let i = 1; i < path.length; i++) {
    const edge = graph.edge(path[i - 1] as string, path[i] as string)
    const weight = edge === undefined ? 1 : graph.getEdgeAttribute(edge, 'weight')
    cost += typeof weight === 'number' ? weight : 1
  }
  return {
    found: true,
    path: path.slice(0, MAX_LISTED_IDS),
    hops: path.length - 1,
    cost: input.weighted ? cost : path.length - 1,
    truncated: path.length > MAX_LISTED_IDS,
  }
}

export async function pagerank(
  files: GraphFiles,
  input: { name: string; alpha: number; weighted: boolean; limit: number },
) {
  const graph = await files.get(input.name)
  if (graph.order === 0) return { scores: [] }
  const { pagerank: rank } = await graphology()
  const scores = rank(graph, { alpha: input.alpha, getEdgeWeight: input.weighted ? 'weight' : null })
  return {
    scores: Object.entries(scores)
      .map(([id, score]) => ({ id, score }))
      .sort((a, b) => b.score - a.score || a.id.localeCompare(b.id))
      .slice(0, input.limit),
  }
}

export async function components(files: GraphFiles, input: { name: string; limit: number }) {
  const { connectedComponents } = await graphology()
  const found = connectedComponents(await files.get(input.name)).map((c) => c.sort())
  found.sort((a, b) => b.length - a.length || (a[0] ?? '').localeCompare(b[0] ?? ''))
  let room = MAX_LISTED_IDS
  let truncated = found.length > input.limit
  const listed = found.slice(0, input.limit).map((c) => {
    const ids = c.slice(0, Math.max(0, room))
    room -= ids.length
    if (ids.length < c.length) truncated = true
    return ids
  })
  return {
    count: found.length,
    sizes: found.slice(0, input.limit).map((c) => c.length),
    components: listed,
    truncated,
  }
}
