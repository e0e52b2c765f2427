import { z } from 'zod'
import { McppError } from '../../../shared/errors.ts'
import { READS } from '../../../shared/tool/annotations.ts'
import { defineTool } from '../../../shared/tool/define-tool.ts'
import type { GraphStore } from './graph-store.ts'
import { type Graph, graphology } from './graphology.ts'

const name = z.string().min(1).max(64).describe('Graph name')
const node = z.object({ id: z.string(), attributes: z.record(z.string(), z.unknown()) })

function requireNode(graph: Graph, id: string, param: string): void {
  if (!graph.hasNode(id)) {
    throw new McppError('INVALID_PARAMS', `${param}: the graph has no node "${id}"`, {
      problems: [{ param, problem: 'unknown node' }],
    })
  }
}

export function graphQueryTools(store: GraphStore) {
  const neighbors = defineTool({
    name: 'graph_neighbors',
    category: 'graph',
    description: 'The neighbours of a node (outgoing, incoming or both) with their properties',
    input: z.object({
      name,
      node: z.string().min(1),
      direction: z.enum(['out', 'in', 'all']).default('all'),
    }),
    output: z.object({ node: z.string(), neighbors: z.array(node) }),
    annotations: { title: 'Neighbours of a node', ...READS },
    handlers: {
      local: async (input) => {
        const graph = await store.get(input.name)
        requireNode(graph, input.node, 'node')
        const ids =
          input.direction === 'out'
            ? graph.outNeighbors(input.node)
            : input.direction === 'in'
              ? graph.inNeighbors(input.node)
              : graph.neighbors(input.node)
        return {
          node: input.node,
          neighbors: ids.sort().map((id) => ({ id, attributes: graph.getNodeAttributes(id) })),
        }
      },
    },
  })

  const find = defineTool({
    name: 'graph_find_nodes',
    category: 'graph',
    description:
      'Nodes whose properties equal all the given values (a property pattern), optionally with a minimum degree',
    input: z.object({
      name,
      where: z.record(z.string(), z.unknown()).default({}).describe('Property → required value'),
      minDegree: z.number().int().min(0).default(0),
      limit: z.number().int().min(1).max(10_000).default(100),
    }),
    output: z.object({ nodes: z.array(node.extend({ degree: z.number().int() })), total: z.number().int() }),
    annotations: { title: 'Find nodes by pattern', ...READS },
    handlers: {
      local: async (input) => {
        const graph = await store.get(input.name)
        const matches = graph.filterNodes((id, attrs) => {
          if (graph.degree(id) < input.minDegree) return false
          return Object.entries(input.where).every(([k, v]) => JSON.stringify(attrs[k]) === JSON.stringify(v))
        })
        return {
          total: matches.length,
          nodes: matches
            .sort()
            .slice(0, input.limit)
            .map((id) => ({ id, attributes: graph.getNodeAttributes(id), degree: graph.degree(id) })),
        }
      },
    },
  })

  const shortest = defineTool({
    name: 'graph_shortest_path',
    category: 'graph',
    description: 'Shortest path between two nodes, by hops or by the edges\' "weight" property (Dijkstra)',
    input: z.object({
      name,
      source: z.string().min(1),
      target: z.string().min(1),
      weighted: z.boolean().default(false),
    }),
    output: z.object({
      found: z.boolean(),
      path: z.array(z.string()),
      hops: z.number().int(),
      cost: z.number().nullable(),
    }),
    annotations: { title: 'Shortest path', ...READS },
    handlers: {
      local: async (input) => {
        const graph = await store.get(input.name)
        requireNode(graph, input.source, 'source')
        requireNode(graph, input.target, 'target')
        const { weightedPath, hopPath } = await graphology()
        const path = input.weighted
          ? weightedPath(graph, input.source, input.target, 'weight')
          : hopPath(graph, input.source, input.target)
        if (!path) return { found: false, path: [], hops: 0, cost: null }
        let cost = 0
        for (let i = 1; i < path.length; i++) {
          const edge = graph.edge(path[i - 1] as string, path[i] as string)
          const weight = edge === undefined ? 1 : graph.getEdgeAttribute(edge, 'weight')
          cost += typeof weight === 'number' ? weight : 1
        }
        return { found: true, path, hops: path.length - 1, cost: input.weighted ? cost : path.length - 1 }
      },
    },
  })

  const rank = defineTool({
    name: 'graph_pagerank',
    category: 'graph',
    description: 'PageRank centrality of every node, highest first',
    input: z.object({
      name,
      alpha: z.number().gt(0).lt(1).default(0.85).describe('Damping factor'),
      weighted: z.boolean().default(false).describe('Use the edges\' "weight" property'),
      limit: z.number().int().min(1).max(10_000).default(20),
    }),
    output: z.object({ scores: z.array(z.object({ id: z.string(), score: z.number() })) }),
    annotations: { title: 'PageRank', ...READS },
    handlers: {
      local: async (input) => {
        const graph = await store.get(input.name)
        if (graph.order === 0) return { scores: [] }
        const { pagerank } = await graphology()
        const scores = pagerank(graph, {
          alpha: input.alpha,
          getEdgeWeight: input.weighted ? 'weight' : null,
        })
        return {
          scores: Object.entries(scores)
            .map(([id, score]) => ({ id, score }))
            .sort((a, b) => b.score - a.score || a.id.localeCompare(b.id))
            .slice(0, input.limit),
        }
      },
    },
  })

  const connected = defineTool({
    name: 'graph_components',
    category: 'graph',
    description: 'Connected components (edge direction ignored), largest first',
    input: z.object({ name }),
    output: z.object({ count: z.number().int(), components: z.array(z.array(z.string())) }),
    annotations: { title: 'Connected components', ...READS },
    handlers: {
      local: async (input) => {
        const { connectedComponents } = await graphology()
        const found = connectedComponents(await store.get(input.name)).map((c) => [...c].sort())
        found.sort((a, b) => b.length - a.length || (a[0] ?? '').localeCompare(b[0] ?? ''))
        return { count: found.length, components: found }
      },
    },
  })

  return [neighbors, find, shortest, rank, connected]
}
